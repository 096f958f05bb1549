#version 450
// ssim: the exact integer sums of FFmpeg's SSIM (vf_ssim.c) per 4x4 cell of the frame pair, one
// invocation per cell: (sum a, sum b, sum a^2 + b^2, sum ab). Cells cover floor(W/4) x floor(H/4);
// the remainder columns and rows are not read, as in FFmpeg. The host combines 2x2 cells into the
// 8x8 windows (stride 4) and reduces them (reference::SsimCells::ssim), so the sums are bit-exact.
// u32 cannot overflow: a cell's sum of squares is at most 16 * 2 * 255^2 < 2^21.
layout(local_size_x = 16, local_size_y = 16) in;

layout(set = 0, binding = 0, r8ui) uniform readonly uimage2D a_img;
layout(set = 0, binding = 1, r8ui) uniform readonly uimage2D b_img;
layout(std430, set = 0, binding = 2) writeonly buffer Cells {
    uvec4 cells[];  // row-major over (cy, cx)
};

layout(push_constant) uniform Push {
    uint cells_x;
    uint cells_y;
} pc;

void main() {
    uvec2 c = gl_GlobalInvocationID.xy;
    if (c.x >= pc.cells_x || c.y >= pc.cells_y) {
        return;
    }
    ivec2 origin = ivec2(c * 4u);
    uvec4 acc = uvec4(0);
    for (int y = 0; y < 4; ++y) {
        for (int x = 0; x < 4; ++x) {
            uint a = imageLoad(a_img, origin + ivec2(x, y)).r;
            uint b = imageLoad(b_img, origin + ivec2(x, y)).r;
            acc += uvec4(a, b, a * a + b * b, a * b);
        }
    }
    cells[c.y * pc.cells_x + c.x] = acc;
}
