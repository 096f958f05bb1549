// motion_search: exact full search. Every displacement (dx, dy) with |dx|, |dy| <= R is scored by the
// cost SAD + lambda (|dx| + |dy|) of the cur block against ref at (x + dx, y + dy), clamped to the edge
// (lambda = 0: the plain SAD). The winner minimises the key (cost, |dx|+|dy|, dy, dx) - the
// tie-breaking of docs/ARCHITECTURE.md - so the result is identical to the CPU reference whatever
// order the threads run in. The record keeps the winner's raw SAD.
//
// Layout (chosen on the host, src/passes/motion_search.rs `SearchPlan`):
// - A workgroup takes a rectangle of nbx x nby blocks and stages their pixels and the whole search
//   window around them in shared memory as floats (once; or, when that does not fit, the rows each
//   step needs).
// - The (2R+1)^2 candidates of a block are cut into items of K consecutive dx times KY consecutive
//   dy ("register tiling"); `p` threads serve a block and take its items in rounds. A thread walks
//   the window rows once per item: each row of K+3 reference pixels it loads serves K candidates
//   and KY rows of the block, so there are few shared-memory loads per absolute difference.
// - Sums are in f32: every partial sum is an integer below 2^24 (at most 128*128*255), so every
//   operation is exact, and |a - b| + acc is two float instructions on a GPU (the abs is free),
//   where integers need three.
// - Items padded past R (when 2R+1 is not a multiple of K or KY) are computed and ignored.
// - Each thread keeps its best key; the block's winner is taken with two shared atomicMin rounds
//   (cost first, then the tie key among the threads holding that cost).
// - Motion costs (pc.costs != 0; the host sets it only for staged plans with one round, where every
//   thread still holds its item's SADs in registers when the winner is known): the zero vector's SAD
//   and the second-best SAD at Chebyshev distance >= 2 from the winner are taken from those registers
//   with one more atomicMin round, so confidence costs a few compares per candidate instead of a
//   second search (the motion_cost kernel, which the host runs otherwise). CPU reference:
//   reference::motion_search::motion_costs.
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require

layout(local_size_x_id = 0) in;
// K (dx per item, a multiple of 4) is #defined by the including motion_search_k*.comp, so that
// every accumulator index is a compile-time constant and the arrays become registers.
layout(constant_id = 1) const uint KY = 4;            // dy per item, at most 4
layout(constant_id = 2) const uint WIN_VEC4 = 1024;   // window capacity, in vec4
layout(constant_id = 3) const uint CUR_VEC4 = 64;     // cur tile capacity, in vec4
layout(constant_id = 4) const uint MAX_BLOCKS = 1;    // blocks per workgroup
// CPU devices (lavapipe): the motion_search_direct_k*.comp variants (DIRECT_QUADS defined), no staging.
// There (Mesa 22) a shared-memory or storage-buffer load inside a loop costs a loop over the SIMD
// lanes with a branch per lane, while an image load is a plain gather, and gathers are most of the
// cost: so ref and cur are read as "quads", rgba8ui images whose texel x holds the 4 pixels x..x+3
// (shaders/pack_quads.comp), one gather per 4 pixels. The ref quads are border-extended by R columns
// on the left (texel x holds pixels x - R ..), so no clamp is needed along x. The workgroup is one
// subgroup (one block); the winner is taken with subgroupMin, with no barrier (lavapipe runs
// barriers as coroutines).
#ifdef DIRECT_QUADS
const bool DIRECT = true;
layout(set = 0, binding = 0, rgba8ui) uniform readonly uimage2D cur_img;
layout(set = 0, binding = 1, rgba8ui) uniform readonly uimage2D ref_img;
#else
const bool DIRECT = false;
layout(set = 0, binding = 0, r8ui) uniform readonly uimage2D cur_img;
layout(set = 0, binding = 1, r8ui) uniform readonly uimage2D ref_img;
#endif
layout(std430, set = 0, binding = 2) writeonly buffer Vectors {
    ivec4 vectors[];  // (dx, dy, sad, 0) per block, row-major over (by, bx)
};
layout(std430, set = 0, binding = 3) writeonly buffer Costs {
    uvec4 costs[];  // (best SAD, zero-vector SAD, second-best SAD, 0) per block, when pc.costs != 0
};

layout(push_constant) uniform Push {
    uint width;
    uint height;
    uint block;
    uint blocks_x;
    uint blocks_y;
    int range;
    uint nbx;      // blocks per workgroup in x
    uint nby;      // and in y
    uint p;        // threads per block
    uint g;        // item columns: g * K >= 2R + 1
    uint gy;       // item rows: gy * KY >= 2R + 1
    uint ww;       // window row stride in floats: nbx * block + g * K (a multiple of 4)
    uint wh;       // window rows: nby * block + gy * KY - 1
    uint chunk;    // block rows per step (block when everything fits)
    uint lambda;   // regularisation weight (--lambda): cost = SAD + lambda (|dx| + |dy|)
    uint costs;    // 1: also write the motion costs (staged plans with one round only)
} pc;

const uint KV = (K + 3u + 3u) / 4u;  // vec4 of window read per 4 block pixels

shared vec4 win[WIN_VEC4];
shared vec4 cur[CUR_VEC4];
shared uint red_cost[MAX_BLOCKS];
shared uint red_tie[MAX_BLOCKS];
shared uint red_zero[MAX_BLOCKS];
shared uint red_second[MAX_BLOCKS];

// Stages window rows [lo, hi) (region rows: 0 = R rows above the region) from ref, clamped.
void load_window(uint lo, uint hi, uint x0, uint y0) {
    uint n = (hi - lo) * pc.ww;
    uint T = gl_WorkGroupSize.x;
    uint t = gl_LocalInvocationIndex;
    uint r = t / pc.ww;
    uint c = t - r * pc.ww;
    uint dr = T / pc.ww;
    uint dc = T - dr * pc.ww;
    ivec2 hi_xy = ivec2(int(pc.width) - 1, int(pc.height) - 1);
    for (uint k = t; k < n; k += T) {
        ivec2 q = ivec2(int(x0 + c) - pc.range, int(y0 + lo + r) - pc.range);
        float v = float(imageLoad(ref_img, clamp(q, ivec2(0), hi_xy)).r);
        win[k >> 2][k & 3u] = v;
        c += dc;
        r += dr;
        if (c >= pc.ww) {
            c -= pc.ww;
            r += 1u;
        }
    }
}

// Stages cur rows [lo, hi) of the region (all its block columns), clamped (pixels outside the
// frame are never used unmasked).
void load_cur(uint lo, uint hi, uint x0, uint y0) {
    uint cw = pc.nbx * pc.block;
    uint n = (hi - lo) * cw;
    uint T = gl_WorkGroupSize.x;
    ivec2 hi_xy = ivec2(int(pc.width) - 1, int(pc.height) - 1);
    for (uint k = gl_LocalInvocationIndex; k < n; k += T) {
        uint r = k / cw;
        ivec2 q = ivec2(x0 + k - r * cw, y0 + lo + r);
        cur[k >> 2][k & 3u] = float(imageLoad(cur_img, min(q, hi_xy)).r);
    }
}

float ref_at(vec4 r[KV], uint i) {
    return r[i >> 2][i & 3u];
}

// DIRECT: the 4 cur pixels from (x, y) on (x < width; pixels past the frame are masked), one quad.
vec4 cur_direct(uint x, uint y) {
    return vec4(imageLoad(cur_img, ivec2(x, y)));
}


// One window row against block row s - KYI for the K candidates of dy row KYI (KYI < KY; the
// condition folds away for larger KYI). XOFF: column of the 4 block pixels; MASK: 1 per pixel used.
// Written as macros over KYI so every accumulator index is a constant (a loop over KYI is not
// always unrolled, and a runtime-indexed accumulator array lives in memory).
const vec4 ONE4 = vec4(1.0);
#define SAD_ROW(KYI, XOFF, MASK)                                                                  \
    if (KYI < KY && s >= ya + KYI && s < yend + KYI) {                                            \
        vec4 c = DIRECT ? cur_direct(x0 + ox + (XOFF), y0 + oy + s - KYI)                         \
                        : cur[((oy + s - KYI - cur_lo) * cw + ox + (XOFF)) >> 2];                 \
        [[unroll]] for (uint kx = 0u; kx < K; ++kx) {                                             \
            acc[KYI * K + kx] += MASK.x * abs(c.x - ref_at(r, kx)) + MASK.y * abs(c.y - ref_at(r, kx + 1u)) + \
                                 MASK.z * abs(c.z - ref_at(r, kx + 2u)) + MASK.w * abs(c.w - ref_at(r, kx + 3u)); \
        }                                                                                         \
    }

// The K + 3 window pixels from block column XOFF on, for the item's dx, at window row s.
#define LOAD_REF(XOFF)                                                                            \
    if (DIRECT) {                                                                                 \
        int qx = int(x0 + ox + (XOFF) + ix * K); /* quad of pixel x - R: the border is built in */ \
        int ry = clamp(int(y0 + oy + iy * KY + s) - R, 0, int(pc.height) - 1);                    \
        [[unroll]] for (uint q = 0u; q < KV; ++q) {                                               \
            r[q] = vec4(imageLoad(ref_img, ivec2(qx + 4 * int(q), ry)));                          \
        }                                                                                         \
    } else {                                                                                      \
        [[unroll]] for (uint q = 0u; q < KV; ++q) {                                               \
            r[q] = win[wv + ((XOFF) >> 2) + q];                                                   \
        }                                                                                         \
    }

// The best key of dy row KYI of an item, into the thread's best.
// Motion costs: the SADs of dy row KYI of the thread's item, against the winner (gdx, gdy): the zero
// vector's, and the least at Chebyshev distance >= 2 from the winner into `second`.
#define COST_ROW(KYI)                                                                             \
    if (KYI < KY) {                                                                               \
        [[unroll]] for (uint kx = 0u; kx < K; ++kx) {                                             \
            int dx = int(ix * K + kx) - R;                                                        \
            int dy = int(iy * KY + KYI) - R;                                                      \
            uint sad = uint(acc[KYI * K + kx]);                                                   \
            if (dx <= R && dy <= R) {                                                             \
                if (max(abs(dx - gdx), abs(dy - gdy)) >= 2) {                                     \
                    second = min(second, sad);                                                    \
                }                                                                                 \
                if (dx == 0 && dy == 0) {                                                         \
                    red_zero[j] = sad;                                                            \
                }                                                                                 \
            }                                                                                     \
        }                                                                                         \
    }

#define FINAL_ROW(KYI)                                                                            \
    if (KYI < KY) {                                                                               \
        [[unroll]] for (uint kx = 0u; kx < K; ++kx) {                                             \
            int dx = int(ix * K + kx) - R;                                                        \
            int dy = int(iy * KY + KYI) - R;                                                      \
            uint l1 = uint(abs(dx) + abs(dy));                                                    \
            uint cost = uint(acc[KYI * K + kx]) + pc.lambda * l1;                                 \
            uint tie = (l1 << 16) | (uint(dy + R) << 8) | uint(dx + R);                           \
            bool inside = dx <= R && dy <= R;                                                     \
            if (inside && (cost < best_cost || (cost == best_cost && tie < best_tie))) {          \
                best_cost = cost;                                                                 \
                best_tie = tie;                                                                   \
            }                                                                                     \
        }                                                                                         \
    }

void main() {
    uint T = gl_WorkGroupSize.x;
    uint t = gl_LocalInvocationIndex;
    uint b = pc.block;
    int R = pc.range;
    uint j = MAX_BLOCKS == 1u ? 0u : t / pc.p;  // a constant for one block (uniform addresses)
    uint lane = t - j * pc.p;
    uint jx = j % pc.nbx;
    uint jy = j / pc.nbx;
    uint bx = gl_WorkGroupID.x * pc.nbx + jx;
    uint by = gl_WorkGroupID.y * pc.nby + jy;
    bool in_grid = j < pc.nbx * pc.nby && bx < pc.blocks_x && by < pc.blocks_y;
    uint x0 = gl_WorkGroupID.x * pc.nbx * b;  // region origin
    uint y0 = gl_WorkGroupID.y * pc.nby * b;
    uint ox = jx * b;  // block origin in the region
    uint oy = jy * b;
    uint w = in_grid ? min(b, pc.width - (x0 + ox)) : 0u;
    uint h = in_grid ? min(b, pc.height - (y0 + oy)) : 0u;
    uint w4 = w & ~3u;
    uint cw = pc.nbx * b;
    if (!DIRECT && lane == 0u && j < MAX_BLOCKS) {
        red_cost[j] = 0xFFFFFFFFu;
        red_tie[j] = 0xFFFFFFFFu;
        red_zero[j] = 0xFFFFFFFFu;
        red_second[j] = 0xFFFFFFFFu;
    }

    // Resident rows, [lo, hi), the same in every thread.
    uint win_lo = 0u, win_hi = 0u, cur_lo = 0u, cur_hi = 0u;
    uint win_cap = (WIN_VEC4 * 4u) / pc.ww;
    uint cur_cap = (CUR_VEC4 * 4u) / cw;
    uint best_cost = 0xFFFFFFFFu;
    uint best_tie = 0xFFFFFFFFu;
    uint items = pc.g * pc.gy;
    uint rounds = (items + pc.p - 1u) / pc.p;
    // Outside the loop: with pc.costs the one round's SADs are read again once the winner is known.
    float acc[K * 4u];
    for (uint round = 0u; round < rounds; ++round) {
        uint item = lane + round * pc.p;
        bool live = in_grid && item < items;
        uint iy = item / pc.g;
        uint ix = item - iy * pc.g;
        uint iy_lo = (round * pc.p) / pc.g;
        uint iy_hi = min((round * pc.p + pc.p - 1u) / pc.g, pc.gy - 1u);
        [[unroll]] for (uint k = 0u; k < K * 4u; ++k) {
            acc[k] = 0.0;
        }
        for (uint ya = 0u; ya < b; ya += pc.chunk) {
            uint yb = min(ya + pc.chunk, b);
            uint need_cur_hi = (pc.nby - 1u) * b + yb;
            uint need_lo = iy_lo * KY + ya;
            uint need_hi = min((pc.nby - 1u) * b + iy_hi * KY + KY - 1u + yb, pc.wh);
            bool cur_ok = ya >= cur_lo && need_cur_hi <= cur_hi;
            bool win_ok = need_lo >= win_lo && need_hi <= win_hi;
            if (!DIRECT && (!cur_ok || !win_ok)) {
                barrier();
                if (!win_ok) {
                    win_lo = need_lo;
                    win_hi = min(need_lo + win_cap, pc.wh);
                    load_window(win_lo, win_hi, x0, y0);
                }
                if (!cur_ok) {
                    cur_lo = ya;
                    cur_hi = min(ya + cur_cap, pc.nby * b);
                    load_cur(cur_lo, cur_hi, x0, y0);
                }
                barrier();
            }
            // (An if rather than a continue: the loop counters stay uniform.)
            if (live || DIRECT) {  // DIRECT: the extra items are computed and ignored below
                // s = y + ky walks the window rows of this item once; each row serves KY block rows.
                uint yend = min(yb, h);
                uint wbase = (oy + iy * KY - win_lo) * pc.ww + ox + ix * K;  // a multiple of 4
                for (uint s = ya; s < yend + KY - 1u; ++s) {
                    uint wv = (wbase + s * pc.ww) >> 2;
                    for (uint x = 0u; x < w4; x += 4u) {
                        vec4 r[KV];
                        LOAD_REF(x);
                        SAD_ROW(0u, x, ONE4) SAD_ROW(1u, x, ONE4) SAD_ROW(2u, x, ONE4) SAD_ROW(3u, x, ONE4)
                    }
                    if (w4 < w) {
                        // Edge block whose width is not a multiple of 4: mask the pixels past w.
                        vec4 m = vec4(lessThan(uvec4(w4) + uvec4(0u, 1u, 2u, 3u), uvec4(w)));
                        vec4 r[KV];
                        LOAD_REF(w4);
                        SAD_ROW(0u, w4, m) SAD_ROW(1u, w4, m) SAD_ROW(2u, w4, m) SAD_ROW(3u, w4, m)
                    }
                }
            }
        }
        if (live) {
            FINAL_ROW(0u) FINAL_ROW(1u) FINAL_ROW(2u) FINAL_ROW(3u)
        }
    }

    if (DIRECT) {
        // One subgroup, one block.
        uint cost = subgroupMin(best_cost);
        uint tie = subgroupMin(best_cost == cost ? best_tie : 0xFFFFFFFFu);
        if (in_grid && subgroupElect()) {
            int dy = int((tie >> 8) & 0xFFu) - R;
            int dx = int(tie & 0xFFu) - R;
            vectors[by * pc.blocks_x + bx] = ivec4(dx, dy, int(cost - pc.lambda * (tie >> 16)), 0);
        }
        return;
    }
    barrier();
    if (in_grid) {
        atomicMin(red_cost[j], best_cost);
    }
    barrier();
    if (in_grid && best_cost == red_cost[j]) {
        atomicMin(red_tie[j], best_tie);
    }
    barrier();
    uint tie = red_tie[j];
    int gdy = int((tie >> 8) & 0xFFu) - R;
    int gdx = int(tie & 0xFFu) - R;
    uint best = red_cost[j] - pc.lambda * (tie >> 16);
    if (pc.costs != 0u) {
        // One round (the host's condition): the thread's item is `lane`, its SADs still in acc.
        uint iy = lane / pc.g;
        uint ix = lane - iy * pc.g;
        uint second = 0xFFFFFFFFu;
        if (in_grid && lane < items) {
            COST_ROW(0u) COST_ROW(1u) COST_ROW(2u) COST_ROW(3u)
        }
        if (in_grid) {
            atomicMin(red_second[j], second);
        }
        barrier();
        if (in_grid && lane == 0u) {
            uint s = red_second[j];
            costs[by * pc.blocks_x + bx] = uvec4(best, red_zero[j], s == 0xFFFFFFFFu ? best : s, 0u);
        }
    }
    if (in_grid && lane == 0u) {
        vectors[by * pc.blocks_x + bx] = ivec4(gdx, gdy, int(best), 0);
    }
}
