#version 450
// flow_epe: per block, the end-point error of a dense flow against the block's search vector
// (reference::dense_flow::flow_epe): one workgroup per block; per inside pixel
// floor(sqrt(256 * min(e2, 2^24 - 1))) with e2 the squared distance in 1/16 pixel units (an exact
// integer square root: a float guess, corrected), summed exactly in u32 (at b = 128: 16384 * 65535
// < 2^31) with shared-memory atomics, portable to every driver. Also the block's SAD against the
// flow's prediction (shaders/warp.comp's mode 2, recomputed here), to compare with the search's.
// Record: (mean px as f32 bits, sum, flow SAD, the search vector's SAD); mean = f32(sum) / f32(256 * count).
layout(local_size_x = 16, local_size_y = 16) in;

layout(set = 0, binding = 3, r8ui) uniform readonly uimage2D cur_img;
layout(set = 0, binding = 4, r8ui) uniform readonly uimage2D ref_img;
layout(std430, set = 0, binding = 0) readonly buffer Flow {
    uint flow[];  // per pixel: u (low 16 bits) and v (high), two's complement, 1/16 pixel
};
layout(std430, set = 0, binding = 1) readonly buffer Vectors {
    ivec4 vectors[];  // (dx, dy, sad, 0) per block
};
layout(std430, set = 0, binding = 2) writeonly buffer Epe {
    uvec4 epe[];
};

layout(push_constant) uniform Push {
    uint width;
    uint height;
    uint block;
    uint blocks_x;
} pc;

shared uint total;
shared uint total_sad;

uint ref_at(int x, int y) {
    ivec2 q = clamp(ivec2(x, y), ivec2(0), ivec2(int(pc.width) - 1, int(pc.height) - 1));
    return imageLoad(ref_img, q).r;
}

// The flow's prediction of pixel p, exactly as the warp's mode 2.
uint flow_pred(ivec2 p, int u, int v) {
    int ix = p.x + (u >> 4);
    int iy = p.y + (v >> 4);
    uint fx = uint(u & 15);
    uint fy = uint(v & 15);
    uint sum = (16u - fx) * (16u - fy) * ref_at(ix, iy) + fx * (16u - fy) * ref_at(ix + 1, iy)
        + (16u - fx) * fy * ref_at(ix, iy + 1) + fx * fy * ref_at(ix + 1, iy + 1);
    return (sum + 128u) >> 8;
}

uint isqrt(uint n) {
    uint s = uint(sqrt(float(n)));
    while (s > 0u && s * s > n) {
        s -= 1u;
    }
    while (s < 65535u && (s + 1u) * (s + 1u) <= n) {
        s += 1u;
    }
    return s;
}

void main() {
    if (gl_LocalInvocationIndex == 0u) {
        total = 0u;
        total_sad = 0u;
    }
    barrier();
    uint index = gl_WorkGroupID.y * pc.blocks_x + gl_WorkGroupID.x;
    uint x0 = gl_WorkGroupID.x * pc.block;
    uint y0 = gl_WorkGroupID.y * pc.block;
    uint w = min(pc.block, pc.width - x0);
    uint h = min(pc.block, pc.height - y0);
    ivec4 vector = vectors[index];
    ivec2 v = vector.xy * 16;
    uint acc = 0u;
    uint sad = 0u;
    for (uint y = gl_LocalInvocationID.y; y < h; y += 16u) {
        for (uint x = gl_LocalInvocationID.x; x < w; x += 16u) {
            uint word = flow[(y0 + y) * pc.width + x0 + x];
            int u = bitfieldExtract(int(word), 0, 16);
            int w = bitfieldExtract(int(word), 16, 16);
            ivec2 p = ivec2(x0 + x, y0 + y);
            sad += uint(abs(int(imageLoad(cur_img, p).r) - int(flow_pred(p, u, w))));
            int du = u - v.x;
            int dv = w - v.y;
            // |du|, |dv| < 2^15 + 16 * 64, so each square and their sum fit in 32 bits.
            uint e2 = min(uint(du * du) + uint(dv * dv), 0xFFFFFFu);
            acc += isqrt(e2 << 8);
        }
    }
    atomicAdd(total, acc);
    atomicAdd(total_sad, sad);
    barrier();
    if (gl_LocalInvocationIndex == 0u) {
        uint count = w * h;
        epe[index] = uvec4(floatBitsToUint(float(total) / float(256u * count)), total, total_sad, uint(vector.z));
    }
}
