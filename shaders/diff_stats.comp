#version 450
// diff_stats: diff and block_stats fused, so each plane is read once. Writes |a - b| per pixel
// (like diff.comp) and one record per block (like block_stats.comp): SAD = sum|a-b|,
// SSE = sum (a-b)^2 and the plain sums of a and b, over each block's inside pixels. u32 cannot
// overflow: at b = 128, SSE <= 128*128*255^2 < 2^31.
//
// A workgroup of 256 invocations covers a tile of S x S pixels, S = max(64, b): 16 x 16 patches of
// 4 x 4 pixels (b = 128: four such patches 64 pixels apart). A patch lies inside one block, so each
// invocation sums its 16 (or 64) pixels in registers and adds them once into its block's shared
// counters; then one invocation per block of the tile writes the record. Few, large workgroups:
// lavapipe pays a fixed cost per workgroup (the one-workgroup-per-block shape of block_stats.comp
// made 8,160 of them per 1080p frame, this one 510).
//
// PACKED (CPU devices): lavapipe stores to an image, or to a buffer at addresses that differ between
// invocations, in a loop over the SIMD lanes with a branch per lane, and this store was half of the
// pass. So there the diff goes to a buffer, four pixels per word (rows `stride` bytes apart, tile
// rows past the frame included: no bounds test), and the host copies it into the image. Image loads
// are plain gathers there; out-of-frame pixels are read clamped and count for nothing.

#extension GL_EXT_control_flow_attributes : require

layout(local_size_x = 256) in;
layout(constant_id = 0) const bool PACKED = false;

layout(set = 0, binding = 0, r8ui) uniform readonly uimage2D a_img;
layout(set = 0, binding = 1, r8ui) uniform readonly uimage2D b_img;
layout(set = 0, binding = 2, r8ui) uniform writeonly uimage2D diff_img;
layout(std430, set = 0, binding = 3) writeonly buffer Stats {
    uvec4 stats[];  // (sad, sse, sum_a, sum_b) per block, row-major over (by, bx)
};
layout(std430, set = 0, binding = 4) writeonly buffer DiffWords {
    uint diff_words[];  // PACKED: the diff plane, 4 pixels per word, rows pc.stride bytes apart
};

layout(push_constant) uniform Push {
    uint width;
    uint height;
    uint block;
    uint blocks_x;
    uint stride;  // PACKED: bytes per row of diff_words (a multiple of 64)
} pc;

// One counter set per block of the tile: up to 16 x 16 blocks (b = 4).
shared uint sums[4][256];

void main() {
    uint t = gl_LocalInvocationIndex;
    uint side = max(64u, pc.block);        // tile side in pixels
    uint per_side = side / pc.block;       // blocks per tile side
    uint slots = per_side * per_side;
    if (t < slots) {
        sums[0][t] = 0u;
        sums[1][t] = 0u;
        sums[2][t] = 0u;
        sums[3][t] = 0u;
    }
    barrier();

    uvec2 tile = gl_WorkGroupID.xy * side;
    uvec2 patch_origin = tile + 4u * uvec2(t & 15u, t >> 4);
    ivec2 last = ivec2(pc.width, pc.height) - 1;
    uvec4 acc = uvec4(0u);
    uint copies = side == 64u ? 1u : 4u;  // b = 128: patches 64 pixels apart
    for (uint c = 0u; c < copies; ++c) {
        uvec2 o = patch_origin + 64u * uvec2(c & 1u, c >> 1);
        [[unroll]] for (uint y = 0u; y < 4u; ++y) {
            uint word = 0u;
            [[unroll]] for (uint x = 0u; x < 4u; ++x) {
                ivec2 q = ivec2(o + uvec2(x, y));
                bool inside = q.x <= last.x && q.y <= last.y;
                if (PACKED) {
                    ivec2 p = min(q, last);
                    uint a = imageLoad(a_img, p).r;
                    uint b = imageLoad(b_img, p).r;
                    uint d = uint(abs(int(a) - int(b)));
                    word |= d << (8u * x);
                    acc += inside ? uvec4(d, d * d, a, b) : uvec4(0u);
                } else if (inside) {
                    uint a = imageLoad(a_img, q).r;
                    uint b = imageLoad(b_img, q).r;
                    uint d = uint(abs(int(a) - int(b)));
                    imageStore(diff_img, q, uvec4(d));
                    acc += uvec4(d, d * d, a, b);
                }
            }
            if (PACKED) {
                diff_words[((o.y + y) * pc.stride + o.x) >> 2] = word;
            }
        }
    }
    uvec2 local = (patch_origin - tile) / pc.block;
    uint slot = local.y * per_side + local.x;
    atomicAdd(sums[0][slot], acc.x);
    atomicAdd(sums[1][slot], acc.y);
    atomicAdd(sums[2][slot], acc.z);
    atomicAdd(sums[3][slot], acc.w);
    barrier();
    if (t < slots) {
        uvec2 blk = gl_WorkGroupID.xy * per_side + uvec2(t % per_side, t / per_side);
        uint blocks_y = (pc.height + pc.block - 1u) / pc.block;
        if (blk.x < pc.blocks_x && blk.y < blocks_y) {
            stats[blk.y * pc.blocks_x + blk.x] = uvec4(sums[0][t], sums[1][t], sums[2][t], sums[3][t]);
        }
    }
}
