#version 450
// diff: |cur - ref| per pixel of the 8-bit luma planes.
layout(local_size_x = 16, local_size_y = 16) in;

layout(set = 0, binding = 0, r8ui) uniform readonly uimage2D cur_img;
layout(set = 0, binding = 1, r8ui) uniform readonly uimage2D ref_img;
layout(set = 0, binding = 2, r8ui) uniform writeonly uimage2D diff_img;

layout(push_constant) uniform Push {
    uint width;
    uint height;
} pc;

void main() {
    uvec2 p = gl_GlobalInvocationID.xy;
    if (p.x >= pc.width || p.y >= pc.height) {
        return;
    }
    int a = int(imageLoad(cur_img, ivec2(p)).r);
    int b = int(imageLoad(ref_img, ivec2(p)).r);
    imageStore(diff_img, ivec2(p), uvec4(uint(abs(a - b))));
}
