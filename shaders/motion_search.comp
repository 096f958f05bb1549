#version 450
// motion_search: exact full search, one workgroup per block. Every displacement (dx, dy) with
// |dx|, |dy| <= R is scored by SAD of the cur block against ref at (x + dx, y + dy), clamped to
// the edge. The winner minimises the key (SAD, |dx|+|dy|, dy, dx) - the tie-breaking of DESIGN.md -
// so the result is identical to the CPU reference whatever order the threads run in.
//
// Fast path (use_tiles = 1, chosen by the host when (b + 2R)^2 <= 16384 and b <= 64): the block
// and its whole reference window are staged in shared memory, 4 pixels per uint, and blocks whose
// width is a multiple of 4 compare four pixels per step. Otherwise every read goes to the images. Candidates whose partial SAD already exceeds the thread's best stop
// early; that cannot change the result because their SAD is strictly larger.

layout(local_size_x = 256) in;

layout(set = 0, binding = 0, r8ui) uniform readonly uimage2D cur_img;
layout(set = 0, binding = 1, r8ui) uniform readonly uimage2D ref_img;
layout(std430, set = 0, binding = 2) writeonly buffer Vectors {
    ivec4 vectors[];  // (dx, dy, sad, 0) per block, row-major over (by, bx)
};

layout(push_constant) uniform Push {
    uint width;
    uint height;
    uint block;
    uint blocks_x;
    int range;
    uint use_tiles;
} pc;

const uint REF_WORDS = 4096;  // up to 16384 window pixels
const uint CUR_WORDS = 1024;  // up to 64 x 64 block pixels
shared uint ref_tile[REF_WORDS];
shared uint cur_tile[CUR_WORDS];
shared uvec2 best_keys[256];

uint tile_byte_ref(uint i) {
    return (ref_tile[i >> 2] >> ((i & 3u) << 3)) & 0xFFu;
}

uint tile_byte_cur(uint i) {
    return (cur_tile[i >> 2] >> ((i & 3u) << 3)) & 0xFFu;
}

uint load_clamped(ivec2 p) {
    ivec2 q = clamp(p, ivec2(0), ivec2(int(pc.width) - 1, int(pc.height) - 1));
    return imageLoad(ref_img, q).r;
}

// Four consecutive window pixels starting at byte i, packed like the tiles (i need not be aligned).
uint ref_word(uint i) {
    uint shift = (i & 3u) << 3;
    uint lo = ref_tile[i >> 2];
    return shift == 0u ? lo : (lo >> shift) | (ref_tile[(i >> 2) + 1u] << (32u - shift));
}

// Sum of |a - b| over the four bytes of two packed words.
uint sad4(uint a, uint b) {
    ivec4 va = ivec4((uvec4(a) >> uvec4(0u, 8u, 16u, 24u)) & 0xFFu);
    ivec4 vb = ivec4((uvec4(b) >> uvec4(0u, 8u, 16u, 24u)) & 0xFFu);
    ivec4 d = abs(va - vb);
    return uint(d.x + d.y + d.z + d.w);
}

bool key_less(uvec2 a, uvec2 b) {
    return a.x < b.x || (a.x == b.x && a.y < b.y);
}

void main() {
    uint tid = gl_LocalInvocationIndex;
    int R = pc.range;
    uint x0 = gl_WorkGroupID.x * pc.block;
    uint y0 = gl_WorkGroupID.y * pc.block;
    uint w = min(pc.block, pc.width - x0);
    uint h = min(pc.block, pc.height - y0);
    uint side = uint(2 * R + 1);
    uint wx = w + 2u * uint(R);  // window width
    bool tiles = pc.use_tiles != 0u;

    if (tiles) {
        uint window = wx * (h + 2u * uint(R));
        for (uint k = tid; k * 4u < window; k += 256u) {
            uint word = 0u;
            for (uint j = 0u; j < 4u; ++j) {
                uint i = k * 4u + j;
                if (i < window) {
                    ivec2 p = ivec2(int(x0) - R + int(i % wx), int(y0) - R + int(i / wx));
                    word |= load_clamped(p) << (j * 8u);
                }
            }
            ref_tile[k] = word;
        }
        for (uint k = tid; k * 4u < w * h; k += 256u) {
            uint word = 0u;
            for (uint j = 0u; j < 4u; ++j) {
                uint i = k * 4u + j;
                if (i < w * h) {
                    word |= imageLoad(cur_img, ivec2(x0 + i % w, y0 + i / w)).r << (j * 8u);
                }
            }
            cur_tile[k] = word;
        }
        barrier();
    }

    // The two paths are separate loop nests so the per-pixel loop carries no branch.
    uvec2 best = uvec2(0xFFFFFFFFu);
    for (uint c = tid; c < side * side; c += 256u) {
        int dy = int(c / side) - R;
        int dx = int(c % side) - R;
        uint sad = 0u;
        if (tiles && (w & 3u) == 0u) {
            // Rows of the block are whole words of cur_tile: compare four pixels per step.
            uint ref_row = uint(dy + R) * wx + uint(dx + R);
            for (uint y = 0u; y < h && sad <= best.x; ++y) {
                uint cur_w = (y * w) >> 2;
                uint ref_i = ref_row + y * wx;
                for (uint x = 0u; x < w; x += 4u) {
                    sad += sad4(cur_tile[cur_w + (x >> 2)], ref_word(ref_i + x));
                }
            }
        } else if (tiles) {
            uint ref_row = uint(dy + R) * wx + uint(dx + R);
            for (uint y = 0u; y < h && sad <= best.x; ++y) {
                uint cur_i = y * w;
                uint ref_i = ref_row + y * wx;
                for (uint x = 0u; x < w; ++x) {
                    sad += uint(abs(int(tile_byte_cur(cur_i + x)) - int(tile_byte_ref(ref_i + x))));
                }
            }
        } else {
            for (uint y = 0u; y < h && sad <= best.x; ++y) {
                for (uint x = 0u; x < w; ++x) {
                    uint a = imageLoad(cur_img, ivec2(x0 + x, y0 + y)).r;
                    uint b = load_clamped(ivec2(int(x0 + x) + dx, int(y0 + y) + dy));
                    sad += uint(abs(int(a) - int(b)));
                }
            }
        }
        uint l1 = uint(abs(dx) + abs(dy));
        uvec2 key = uvec2(sad, (l1 << 16) | (uint(dy + R) << 8) | uint(dx + R));
        if (key_less(key, best)) {
            best = key;
        }
    }

    best_keys[tid] = best;
    barrier();
    for (uint s = 128u; s > 0u; s >>= 1) {
        if (tid < s && key_less(best_keys[tid + s], best_keys[tid])) {
            best_keys[tid] = best_keys[tid + s];
        }
        barrier();
    }
    if (tid == 0u) {
        uvec2 k = best_keys[0];
        int dy = int((k.y >> 8) & 0xFFu) - R;
        int dx = int(k.y & 0xFFu) - R;
        vectors[gl_WorkGroupID.y * pc.blocks_x + gl_WorkGroupID.x] = ivec4(dx, dy, int(k.x), 0);
    }
}
