#version 450
// motion_cost: one workgroup per block. Per block: the best SAD (the motion search's chosen vector,
// read from its SSBO), the SAD of the zero vector, and the second-best SAD over the candidates
// |dx|, |dy| <= R at Chebyshev distance >= 2 from the chosen vector (the best SAD again when there is
// none). Reads of the reference are clamped to the edge, as the search's; edge blocks count only their
// inside pixels. CPU reference: reference::motion_search::motion_costs.
//
// Each thread scores K consecutive dx of one dy at a time, sliding along the block's rows: one new
// reference pixel per step serves all K candidates. Items past R (2R+1 not a multiple of K) are
// computed and ignored.
// - GPUs (NO_STAGING = 0): the block and its window (clamped) are staged in shared memory when they
//   fit; else, and on CPU devices (NO_STAGING = 1, lavapipe, where a shared-memory load in a loop
//   costs a branch per SIMD lane and an image load one gather), reads are image loads.
// - The results are gathered with shared atomics. (A one-subgroup workgroup with subgroup min/max,
//   as motion_search's CPU path has, gave wrong results on lavapipe at b64 R16, 21 items per lane;
//   cause not isolated.)
layout(local_size_x = 64) in;
layout(constant_id = 0) const uint NO_STAGING = 0u;
const int K = 8;

layout(set = 0, binding = 0, r8ui) uniform readonly uimage2D cur_img;
layout(set = 0, binding = 1, r8ui) uniform readonly uimage2D ref_img;
layout(std430, set = 0, binding = 2) readonly buffer Vectors {
    ivec4 vectors[];  // (dx, dy, sad, 0) per block
};
layout(std430, set = 0, binding = 3) writeonly buffer Costs {
    uvec4 costs[];  // (best, zero, second, 0) per block
};

layout(push_constant) uniform Push {
    uint width;
    uint height;
    uint block;
    uint blocks_x;
    int range;
} pc;

// The window (block + R on each side, clamped; b <= 32 with R <= 16, b <= 16 with R <= 32) and the
// block, under 32 KiB; K words of padding for the items' reads past a row's end.
const uint WINDOW_MAX = 6400u;
const uint BLOCK_MAX = 1024u;
shared uint window[WINDOW_MAX + uint(K)];
shared uint cur_block[BLOCK_MAX];
shared uint zero_sad;
shared uint second_sad;

int x0;
int y0;
int w;
int r;
int ww;
bool staged;
ivec2 last;

// The cur pixel (x, y) of the block. (Branches, not selects: a select would load both; NO_STAGING
// is constant, so CPU devices compile no shared-memory load at all.)
uint cur_px(int x, int y) {
    if (NO_STAGING == 0u && staged) {
        return cur_block[y * w + x];
    }
    return imageLoad(cur_img, ivec2(x0 + x, y0 + y)).r;
}

// The reference at (x, y) from the block's origin, clamped to the frame.
uint ref_px(int x, int y) {
    if (NO_STAGING == 0u && staged) {
        return window[(y + r) * ww + x + r];
    }
    return imageLoad(ref_img, clamp(ivec2(x0 + x, y0 + y), ivec2(0), last)).r;
}

void main() {
    uint b = gl_WorkGroupID.y * pc.blocks_x + gl_WorkGroupID.x;
    int tid = int(gl_LocalInvocationIndex);
    int threads = int(gl_WorkGroupSize.x);
    x0 = int(gl_WorkGroupID.x * pc.block);
    y0 = int(gl_WorkGroupID.y * pc.block);
    w = int(min(pc.block, pc.width - uint(x0)));
    int h = int(min(pc.block, pc.height - uint(y0)));
    r = pc.range;
    ww = w + 2 * r;
    int wh = h + 2 * r;
    last = ivec2(pc.width - 1u, pc.height - 1u);
    staged = NO_STAGING == 0u && uint(ww * wh) <= WINDOW_MAX && uint(w * h) <= BLOCK_MAX;
    if (tid == 0) {
        zero_sad = 0u;
        second_sad = 0xffffffffu;
    }
    if (staged) {
        for (int i = tid; i < ww * wh; i += threads) {
            ivec2 p = clamp(ivec2(x0 - r + i % ww, y0 - r + i / ww), ivec2(0), last);
            window[i] = imageLoad(ref_img, p).r;
        }
        for (int i = tid; i < w * h; i += threads) {
            cur_block[i] = imageLoad(cur_img, ivec2(x0 + i % w, y0 + i / w)).r;
        }
    }
    barrier();

    ivec4 v = vectors[b];
    int side = 2 * r + 1;
    int groups = (side + K - 1) / K;
    uint zero = 0u;
    uint second = 0xffffffffu;
    for (int item = tid; item < side * groups; item += threads) {
        int dy = item / groups - r;
        int dx0 = (item % groups) * K - r;
        uint sad[K];
        for (int j = 0; j < K; j++) {
            sad[j] = 0u;
        }
        for (int y = 0; y < h; y++) {
            uint p[K];
            for (int j = 0; j < K - 1; j++) {
                p[j] = ref_px(dx0 + j, y + dy);
            }
            for (int x = 0; x < w; x++) {
                p[K - 1] = ref_px(x + dx0 + K - 1, y + dy);
                int c = int(cur_px(x, y));
                for (int j = 0; j < K; j++) {
                    sad[j] += uint(abs(c - int(p[j])));
                }
                for (int j = 0; j < K - 1; j++) {
                    p[j] = p[j + 1];
                }
            }
        }
        for (int j = 0; j < K; j++) {
            int dx = dx0 + j;
            if (dx <= r) {
                if (dx == 0 && dy == 0) {
                    zero = sad[j];
                }
                if (max(abs(dx - v.x), abs(dy - v.y)) >= 2) {
                    second = min(second, sad[j]);
                }
            }
        }
    }

    atomicMax(zero_sad, zero);
    atomicMin(second_sad, second);
    barrier();
    if (tid == 0) {
        uint best = uint(v.z);
        costs[b] = uvec4(best, zero_sad, second_sad == 0xffffffffu ? best : second_sad, 0u);
    }
}
