#version 450
// ms_ssim_pool: the next MS-SSIM scale of a and b, 2x2 average pooling with a zero row (column)
// before an odd height (width), divisor 4 (F.avg_pool2d(kernel 2, padding = [s % 2]),
// count_include_pad). Exact in f32: every value is a multiple of 4^-s below 256.
layout(local_size_x = 16, local_size_y = 16) in;

layout(set = 0, binding = 0, r8ui) uniform readonly uimage2D a_img;
layout(set = 0, binding = 1, r8ui) uniform readonly uimage2D b_img;
layout(std430, set = 0, binding = 2) buffer Pyramid {
    float pyramid[];
};

layout(push_constant) uniform Push {
    uint src_w;
    uint src_h;
    uint from_image;  // 1: the source is scale 0, the luma images
    uint src_a;       // offsets in the pyramid (floats)
    uint src_b;
    uint dst_w;
    uint dst_h;
    uint dst_a;
    uint dst_b;
} pc;

float load(uint plane, int x, int y) {
    if (pc.from_image != 0u) {
        return float(plane == 0u ? imageLoad(a_img, ivec2(x, y)).r : imageLoad(b_img, ivec2(x, y)).r);
    }
    return pyramid[(plane == 0u ? pc.src_a : pc.src_b) + uint(y) * pc.src_w + uint(x)];
}

void main() {
    uvec2 d = gl_GlobalInvocationID.xy;
    if (d.x >= pc.dst_w || d.y >= pc.dst_h) {
        return;
    }
    int px = int(pc.src_w % 2u);
    int py = int(pc.src_h % 2u);
    for (uint plane = 0u; plane < 2u; ++plane) {
        precise float sum = 0.0;
        for (int dy = 0; dy < 2; ++dy) {
            for (int dx = 0; dx < 2; ++dx) {
                int sx = 2 * int(d.x) + dx - px;
                int sy = 2 * int(d.y) + dy - py;
                if (sx >= 0 && sy >= 0) {
                    sum = sum + load(plane, sx, sy);
                }
            }
        }
        pyramid[(plane == 0u ? pc.dst_a : pc.dst_b) + d.y * pc.dst_w + d.x] = sum * 0.25;
    }
}
