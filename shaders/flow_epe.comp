#version 450
// flow_epe: per block, the end-point error of a dense flow against the block's search vector
// (reference::dense_flow::flow_epe): one workgroup per block; per inside pixel
// floor(sqrt(256 * min(e2, 2^24 - 1))) with e2 the squared distance in 1/16 pixel units (an exact
// integer square root: a float guess, corrected), summed exactly in u32 (at b = 128: 16384 * 65535
// < 2^31) with shared-memory atomics, portable to every driver. Record: (mean px as f32 bits, sum,
// count, 0); mean = f32(sum) / f32(256 * count).
layout(local_size_x = 16, local_size_y = 16) in;

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
    }
    barrier();
    uint index = gl_WorkGroupID.y * pc.blocks_x + gl_WorkGroupID.x;
    uint x0 = gl_WorkGroupID.x * pc.block;
    uint y0 = gl_WorkGroupID.y * pc.block;
    uint w = min(pc.block, pc.width - x0);
    uint h = min(pc.block, pc.height - y0);
    ivec2 v = vectors[index].xy * 16;
    uint acc = 0u;
    for (uint y = gl_LocalInvocationID.y; y < h; y += 16u) {
        for (uint x = gl_LocalInvocationID.x; x < w; x += 16u) {
            uint word = flow[(y0 + y) * pc.width + x0 + x];
            int du = bitfieldExtract(int(word), 0, 16) - v.x;
            int dv = bitfieldExtract(int(word), 16, 16) - v.y;
            // |du|, |dv| < 2^15 + 16 * 64, so each square and their sum fit in 32 bits.
            uint e2 = min(uint(du * du) + uint(dv * dv), 0xFFFFFFu);
            acc += isqrt(e2 << 8);
        }
    }
    atomicAdd(total, acc);
    barrier();
    if (gl_LocalInvocationIndex == 0u) {
        uint count = w * h;
        epe[index] = uvec4(floatBitsToUint(float(total) / float(256u * count)), total, count, 0u);
    }
}
