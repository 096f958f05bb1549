#version 450
// symbols: the per-block symbol stream (docs/symbols.md). Each block's record: header (index, mode,
// parameters, non-zero count) and the residual r = cur - pred quantised with step Q,
// q = sign(r) * floor((|r| + floor(Q/2)) / Q), as N balanced-ternary digit planes. Digits are the
// base-3 digits of u = q + (3^N - 1)/2 minus 1 (integers only, so exact). Edge-block pixels outside
// the frame are q = 0. pred is the prediction (warp pass) or ref itself for zero motion.
//
// One invocation per packed word (16 trits) of a block, in every plane: a workgroup of 64 takes
// 64 / words-per-plane blocks (b <= 32: 64, 16, 4 or 1 blocks) or loops over the words of one
// block (b >= 64), so no invocation idles and the digit loop is unrolled with constant indices
// (a runtime-indexed accumulator array would live in local memory). The 1D workgroup index is
// spread over x and y of the dispatch (x at most 65535).
#extension GL_EXT_control_flow_attributes : require
#include "symbols.glsl"

layout(local_size_x = 64) in;

layout(set = 0, binding = 0, r8ui) uniform readonly uimage2D cur_img;
layout(set = 0, binding = 1, r8ui) uniform readonly uimage2D pred_img;
layout(std430, set = 0, binding = 2) readonly buffer Vectors {
    ivec4 vectors[];  // (dx, dy, sad, 0) per block
};
layout(std430, set = 0, binding = 3) readonly buffer Params {
    vec4 params[];  // (a, b, tx, ty) per block
};
layout(std430, set = 0, binding = 4) writeonly buffer Symbols {
    uint words[];  // one record per block
};

layout(push_constant) uniform Push {
    uint width;
    uint height;
    uint block;
    uint blocks_x;
    uint quant;
    uint planes;
    uint source;  // 0: zero motion, 1: motion vectors, 2: warp params
} pc;

const uint WG = 64u;
shared uint nonzero_of[WG];

void main() {
    uint wpp = sym_words_per_plane(pc.block);
    uint per_wg = max(WG / wpp, 1u);  // blocks per workgroup
    uint threads = min(wpp, WG);      // invocations per block
    uint t = gl_LocalInvocationID.x;
    uint slot = t / threads;
    uint wg = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    uint blocks_y = (pc.height + pc.block - 1u) / pc.block;
    uint index = wg * per_wg + slot;
    bool in_grid = index < pc.blocks_x * blocks_y;
    uint by = index / pc.blocks_x;
    uint bx = index - by * pc.blocks_x;
    uint x0 = bx * pc.block;
    uint y0 = by * pc.block;
    uint w = in_grid ? min(pc.block, pc.width - x0) : 0u;
    uint h = in_grid ? min(pc.block, pc.height - y0) : 0u;
    uint shift = findLSB(pc.block);
    uint base = index * sym_record_words(pc.block, pc.planes);
    uint offset = 0u;
    for (uint k = 0u; k < pc.planes; ++k) {
        offset = offset * 3u + 1u;  // (3^N - 1)/2
    }
    uint half_q = pc.quant / 2u;

    if (t < per_wg) {
        nonzero_of[t] = 0u;
    }
    barrier();

    uint nonzero = 0u;
    for (uint word = t - slot * threads; in_grid && word < wpp; word += threads) {
        // acc[k]: digit k from the least significant, i.e. plane N - 1 - k.
        uint acc[SYM_MAX_PLANES];
        [[unroll]] for (uint k = 0u; k < SYM_MAX_PLANES; ++k) {
            acc[k] = 0u;
        }
        [[unroll]] for (uint j = 0u; j < SYM_TRITS_PER_WORD; ++j) {
            uint i = word * SYM_TRITS_PER_WORD + j;
            uint lx = i & (pc.block - 1u);
            uint ly = i >> shift;
            int q = 0;
            if (lx < w && ly < h) {
                ivec2 p = ivec2(x0 + lx, y0 + ly);
                int r = int(imageLoad(cur_img, p).r) - int(imageLoad(pred_img, p).r);
                int m = int((uint(abs(r)) + half_q) / pc.quant);
                q = r < 0 ? -m : m;
            }
            uint u = uint(q + int(offset));
            [[unroll]] for (uint k = 0u; k < SYM_MAX_PLANES; ++k) {
                uint d = u % 3u;
                u /= 3u;
                bool used = k < pc.planes;
                acc[k] |= used ? (uint(int(d) - 1) & 3u) << (SYM_BITS_PER_TRIT * j) : 0u;
                nonzero += used && d != 1u ? 1u : 0u;
            }
        }
        uint plane0 = base + SYM_HEADER_WORDS + word;
        [[unroll]] for (uint k = 0u; k < SYM_MAX_PLANES; ++k) {
            if (k < pc.planes) {
                words[plane0 + (pc.planes - 1u - k) * wpp] = acc[k];
            }
        }
    }
    if (in_grid) {
        atomicAdd(nonzero_of[slot], nonzero);
    }
    barrier();
    if (in_grid && t == slot * threads) {
        uint mode = SYM_MODE_ZERO_MOTION;
        uvec4 p = uvec4(0u);
        if (pc.source == 1u) {
            mode = SYM_MODE_MOTION_VECTOR;
            p = uvec4(uvec2(vectors[index].xy), 0u, 0u);
        } else if (pc.source == 3u) {
            mode = SYM_MODE_DENSE_FLOW;
        } else if (pc.source == 2u) {
            p = floatBitsToUint(params[index]);
            // Bit-exact test, as on the CPU: a == 1.0 and b == +-0.0.
            bool translation = p.x == 0x3F800000u && (p.y & 0x7FFFFFFFu) == 0u;
            mode = translation ? SYM_MODE_WARP_TRANSLATION : SYM_MODE_WARP_SIMILARITY;
        }
        words[base + SYM_HEADER_INDEX] = index;
        words[base + SYM_HEADER_MODE] = mode;
        words[base + SYM_HEADER_PARAMS + 0u] = p.x;
        words[base + SYM_HEADER_PARAMS + 1u] = p.y;
        words[base + SYM_HEADER_PARAMS + 2u] = p.z;
        words[base + SYM_HEADER_PARAMS + 3u] = p.w;
        words[base + SYM_HEADER_NONZERO] = nonzero_of[slot];
        words[base + SYM_HEADER_RESERVED] = 0u;
    }
}
