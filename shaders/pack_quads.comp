#version 450
// pack_quads: an r8ui plane into "quads" for the direct motion search (motion_search.glsl): texel
// (x, y) of the rgba8ui output holds pixels x - margin .. x - margin + 3 of row y, each clamped to
// the plane, so a search reads 4 pixels with one load and needs no clamp along x.
layout(local_size_x = 64, local_size_y = 1) in;

layout(set = 0, binding = 0, r8ui) uniform readonly uimage2D src;
layout(set = 0, binding = 1, rgba8ui) uniform writeonly uimage2D quads;

layout(push_constant) uniform Push {
    uint width;   // of src
    uint height;
    uint quads_width;
    int margin;
} pc;

void main() {
    ivec2 q = ivec2(gl_GlobalInvocationID.xy);
    if (q.x >= int(pc.quads_width) || q.y >= int(pc.height)) {
        return;
    }
    int last = int(pc.width) - 1;
    int x = q.x - pc.margin;
    uvec4 v;
    v.x = imageLoad(src, ivec2(clamp(x, 0, last), q.y)).r;
    v.y = imageLoad(src, ivec2(clamp(x + 1, 0, last), q.y)).r;
    v.z = imageLoad(src, ivec2(clamp(x + 2, 0, last), q.y)).r;
    v.w = imageLoad(src, ivec2(clamp(x + 3, 0, last), q.y)).r;
    imageStore(quads, q, v);
}
