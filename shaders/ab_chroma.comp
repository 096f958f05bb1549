#version 450
// ab_chroma: the exact SSE of A's Cb and Cr planes against B's, per 16x16 tile of chroma samples
// (one workgroup each, one invocation per sample), into an SSBO the host adds (reference::tile_sse).
// u32 cannot overflow: a tile's sum is at most 256 * 255^2 < 2^24. The first workgroup writes the
// header (1, chroma width, chroma height, tiles per row); the pass zeroes it when it cannot run.
layout(local_size_x = 16, local_size_y = 16) in;

layout(set = 0, binding = 0, r8ui) uniform readonly uimage2D a_cb;
layout(set = 0, binding = 1, r8ui) uniform readonly uimage2D a_cr;
layout(set = 0, binding = 2, r8ui) uniform readonly uimage2D b_cb;
layout(set = 0, binding = 3, r8ui) uniform readonly uimage2D b_cr;
layout(std430, set = 0, binding = 4) writeonly buffer Sums {
    uvec4 header;
    uvec2 tiles[];  // row-major over (tile y, tile x): (SSE Cb, SSE Cr)
};

layout(push_constant) uniform Push {
    uint width;
    uint height;
} pc;

shared uint sum_cb;
shared uint sum_cr;

void main() {
    uvec2 p = gl_GlobalInvocationID.xy;
    if (gl_LocalInvocationIndex == 0u) {
        sum_cb = 0u;
        sum_cr = 0u;
    }
    barrier();
    if (p.x < pc.width && p.y < pc.height) {
        ivec2 at = ivec2(p);
        int dcb = int(imageLoad(a_cb, at).r) - int(imageLoad(b_cb, at).r);
        int dcr = int(imageLoad(a_cr, at).r) - int(imageLoad(b_cr, at).r);
        atomicAdd(sum_cb, uint(dcb * dcb));
        atomicAdd(sum_cr, uint(dcr * dcr));
    }
    barrier();
    if (gl_LocalInvocationIndex == 0u) {
        tiles[gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x] = uvec2(sum_cb, sum_cr);
        if (gl_WorkGroupID.xy == uvec2(0u)) {
            header = uvec4(1u, pc.width, pc.height, gl_NumWorkGroups.x);
        }
    }
}
