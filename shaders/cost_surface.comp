#version 450
// cost_surface: the SAD of every displacement |dx|, |dy| <= R for one block (bx, by), as the motion
// search scores them (reads of the reference clamped to the edge; an edge block counts its inside
// pixels), into surface[(dy + R) * (2R + 1) + dx + R]. One invocation per displacement. CPU
// reference: reference::motion_search::cost_surface.
layout(local_size_x = 64) in;

layout(set = 0, binding = 0, r8ui) uniform readonly uimage2D cur_img;
layout(set = 0, binding = 1, r8ui) uniform readonly uimage2D ref_img;
layout(std430, set = 0, binding = 2) writeonly buffer Surface {
    uint surface[];
};

layout(push_constant) uniform Push {
    uint width;
    uint height;
    uint block;
    uint bx;
    uint by;
    int range;
} pc;

void main() {
    uint n = uint(2 * pc.range + 1);
    uint i = gl_GlobalInvocationID.x;
    if (i >= n * n) {
        return;
    }
    int dx = int(i % n) - pc.range;
    int dy = int(i / n) - pc.range;
    uint x0 = pc.bx * pc.block;
    uint y0 = pc.by * pc.block;
    uint w = min(pc.block, pc.width - x0);
    uint h = min(pc.block, pc.height - y0);
    ivec2 hi = ivec2(int(pc.width) - 1, int(pc.height) - 1);
    uint sad = 0u;
    for (uint y = y0; y < y0 + h; ++y) {
        for (uint x = x0; x < x0 + w; ++x) {
            int c = int(imageLoad(cur_img, ivec2(x, y)).r);
            int r = int(imageLoad(ref_img, clamp(ivec2(int(x) + dx, int(y) + dy), ivec2(0), hi)).r);
            sad += uint(abs(c - r));
        }
    }
    surface[i] = sad;
}
