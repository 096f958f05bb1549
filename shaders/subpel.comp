#version 450
// subpel: sub-pixel refinement of the motion vectors, one workgroup per block. From the integer
// vector (in quarter pixels: 4 dx, 4 dy, with its raw SAD), stage 1 tries the 8 neighbours at step 2
// (half pel), stage 2 (precision 4) the 8 at step 1 (quarter pel), in the order (-s,-s), (0,-s),
// (s,-s), (-s,0), (s,0), (-s,s), (0,s), (s,s); a neighbour replaces the best only with a strictly
// smaller SAD. The prediction of pixel (x, y) by (qx, qy) is ((4-fx)(4-fy) a + fx(4-fy) b +
// (4-fx) fy c + fx fy d + 8) >> 4 of the reference at (x + (qx >> 2), y + (qy >> 2)) and its right,
// lower and lower-right neighbours (clamped), fx = qx & 3, fy = qy & 3: all integers, exact. Writes
// (qx, qy, sad, 0) and the translation warp (1, 0, qx / 4, qy / 4) that predicts the same pixels.
// Each thread sums its pixels' 8 SADs; the block's are gathered with shared atomics. Every candidate
// lies within 3 quarter pixels of the integer vector (dx, dy), so its four reads fall in the 3 x 3
// reference pixels from (x + dx - 1, y + dy - 1): a thread loads those 9 once per pixel and stage and
// forms the 8 predictions from them (a window staged in shared memory measured 2x slower on the H200:
// the 17 KiB per block cut occupancy). CPU reference: reference::subpel::subpel_refine.
layout(local_size_x = 64) in;

layout(set = 0, binding = 0, r8ui) uniform readonly uimage2D cur_img;
layout(set = 0, binding = 1, r8ui) uniform readonly uimage2D ref_img;
layout(std430, set = 0, binding = 2) readonly buffer Vectors {
    ivec4 vectors[];  // (dx, dy, sad, 0) per block
};
layout(std430, set = 0, binding = 3) writeonly buffer Qpel {
    ivec4 qpel[];  // (qx, qy, sad, 0) per block
};
layout(std430, set = 0, binding = 4) writeonly buffer Params {
    vec4 params[];  // (a, b, tx, ty) = (1, 0, qx / 4, qy / 4) per block
};

layout(push_constant) uniform Push {
    uint width;
    uint height;
    uint block;
    uint blocks_x;
    uint steps;  // 2 or 4: the precision (half or quarter pel)
} pc;

const ivec2 NEIGHBOURS[8] = ivec2[8](ivec2(-1, -1), ivec2(0, -1), ivec2(1, -1), ivec2(-1, 0), ivec2(1, 0),
                                     ivec2(-1, 1), ivec2(0, 1), ivec2(1, 1));

shared uint sads[8];

uint ref_at(int x, int y) {
    return imageLoad(ref_img, clamp(ivec2(x, y), ivec2(0), ivec2(int(pc.width) - 1, int(pc.height) - 1))).r;
}

// The prediction by q of the pixel whose 3 x 3 reference neighbourhood from (x + dx - 1, y + dy - 1)
// is n (rows), with d = (dx, dy) the integer vector: q >> 2 is d - 1 or d.
uint predict(uvec3 n[3], ivec2 d, ivec2 q) {
    ivec2 i = (q >> 2) - d + 1;  // 0 or 1
    uint fx = uint(q.x & 3);
    uint fy = uint(q.y & 3);
    uvec3 top = i.y == 0 ? n[0] : n[1];
    uvec3 bottom = i.y == 0 ? n[1] : n[2];
    uvec2 t = i.x == 0 ? top.xy : top.yz;
    uvec2 u = i.x == 0 ? bottom.xy : bottom.yz;
    uint sum = (4u - fx) * (4u - fy) * t.x + fx * (4u - fy) * t.y + (4u - fx) * fy * u.x + fx * fy * u.y;
    return (sum + 8u) >> 4;
}

void main() {
    uint t = gl_LocalInvocationIndex;
    uint b = gl_WorkGroupID.y * pc.blocks_x + gl_WorkGroupID.x;
    uint x0 = gl_WorkGroupID.x * pc.block;
    uint y0 = gl_WorkGroupID.y * pc.block;
    uint w = min(pc.block, pc.width - x0);
    uint h = min(pc.block, pc.height - y0);
    ivec4 v = vectors[b];
    ivec2 best = 4 * v.xy;
    uint best_sad = uint(v.z);
    uint stages = pc.steps == 4u ? 2u : 1u;
    for (uint stage = 0u; stage < stages; ++stage) {
        int s = stage == 0u ? 2 : 1;
        if (t < 8u) {
            sads[t] = 0u;
        }
        barrier();
        uint acc[8] = uint[8](0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u);
        for (uint p = t; p < w * h; p += 64u) {
            int x = int(x0 + p % w);
            int y = int(y0 + p / w);
            int c = int(imageLoad(cur_img, ivec2(x, y)).r);
            int sx = x + v.x - 1;
            int sy = y + v.y - 1;
            uvec3 n[3];
            for (int r = 0; r < 3; ++r) {
                n[r] = uvec3(ref_at(sx, sy + r), ref_at(sx + 1, sy + r), ref_at(sx + 2, sy + r));
            }
            for (uint k = 0u; k < 8u; ++k) {
                acc[k] += uint(abs(c - int(predict(n, v.xy, best + s * NEIGHBOURS[k]))));
            }
        }
        for (uint k = 0u; k < 8u; ++k) {
            atomicAdd(sads[k], acc[k]);
        }
        barrier();
        // Every thread takes the same decision from the same sums.
        ivec2 centre = best;
        for (uint k = 0u; k < 8u; ++k) {
            if (sads[k] < best_sad) {
                best_sad = sads[k];
                best = centre + s * NEIGHBOURS[k];
            }
        }
        barrier();
    }
    if (t == 0u) {
        qpel[b] = ivec4(best, int(best_sad), 0);
        params[b] = vec4(1.0, 0.0, float(best.x) * 0.25, float(best.y) * 0.25);
    }
}
