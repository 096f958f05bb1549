#version 450
// signed_diff: clamp(a - b + 128, 0, 255) per pixel of the 8-bit luma planes: FFmpeg's
// blend=all_mode=grainextract with a as the top input. 128 = equal, above 128 = a brighter.
layout(local_size_x = 16, local_size_y = 16) in;

layout(set = 0, binding = 0, r8ui) uniform readonly uimage2D a_img;
layout(set = 0, binding = 1, r8ui) uniform readonly uimage2D b_img;
layout(set = 0, binding = 2, r8ui) uniform writeonly uimage2D out_img;

layout(push_constant) uniform Push {
    uint width;
    uint height;
} pc;

void main() {
    uvec2 p = gl_GlobalInvocationID.xy;
    if (p.x >= pc.width || p.y >= pc.height) {
        return;
    }
    int a = int(imageLoad(a_img, ivec2(p)).r);
    int b = int(imageLoad(b_img, ivec2(p)).r);
    imageStore(out_img, ivec2(p), uvec4(uint(clamp(a - b + 128, 0, 255))));
}
