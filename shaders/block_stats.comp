#version 450
// block_stats: one workgroup per block of the grid; one record per block:
// SAD = sum|a-b|, SSE = sum (a-b)^2, and the plain sums of a and b (means are sum / count, taken on
// the host so they are exact). Edge blocks that stick out of the frame count only inside pixels.
// u32 cannot overflow: at b = 128, SSE <= 128*128*255^2 < 2^31.
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require

layout(local_size_x = 16, local_size_y = 16) in;

layout(set = 0, binding = 0, r8ui) uniform readonly uimage2D a_img;
layout(set = 0, binding = 1, r8ui) uniform readonly uimage2D b_img;
layout(std430, set = 0, binding = 2) writeonly buffer Stats {
    uvec4 stats[];  // (sad, sse, sum_a, sum_b) per block, row-major over (by, bx)
};

layout(push_constant) uniform Push {
    uint width;
    uint height;
    uint block;
    uint blocks_x;
} pc;

// One slot per subgroup; 256 covers any subgroup size down to 1.
shared uvec4 partial[256];

void main() {
    uint x0 = gl_WorkGroupID.x * pc.block;
    uint y0 = gl_WorkGroupID.y * pc.block;
    uint w = min(pc.block, pc.width - x0);
    uint h = min(pc.block, pc.height - y0);

    uvec4 acc = uvec4(0);
    for (uint y = gl_LocalInvocationID.y; y < h; y += 16) {
        for (uint x = gl_LocalInvocationID.x; x < w; x += 16) {
            ivec2 p = ivec2(x0 + x, y0 + y);
            uint a = imageLoad(a_img, p).r;
            uint b = imageLoad(b_img, p).r;
            uint d = uint(abs(int(a) - int(b)));
            acc += uvec4(d, d * d, a, b);
        }
    }
    acc = subgroupAdd(acc);
    if (subgroupElect()) {
        partial[gl_SubgroupID] = acc;
    }
    barrier();
    if (gl_LocalInvocationIndex == 0) {
        uvec4 total = uvec4(0);
        for (uint s = 0; s < gl_NumSubgroups; ++s) {
            total += partial[s];
        }
        stats[gl_WorkGroupID.y * pc.blocks_x + gl_WorkGroupID.x] = total;
    }
}
