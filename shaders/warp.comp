#version 450
// warp: the predicted frame. mode 0: per-block integer motion vectors, pred(p) = ref(p + v) clamped.
// mode 1: per-block similarity params (a, b, tx, ty): pred(p) = bilinear(ref, c + M (p - c) + t),
// M = [[a, -b], [b, a]], c = block centre, clamp-to-edge, rounded to nearest with ties up.
// `precise` forbids FMA contraction so the f32 arithmetic follows the CPU reference op for op.
// mode 2: a dense flow per pixel, (u, v) in 1/16 pixel packed in one word (reference::dense_flow):
// integer bilinear weights, ((16-fx)(16-fy)a + fx(16-fy)b + (16-fx)fy c + fx fy d + 128) >> 8, exact.

layout(local_size_x = 16, local_size_y = 16) in;

layout(set = 0, binding = 0, r8ui) uniform readonly uimage2D ref_img;
layout(set = 0, binding = 1, r8ui) uniform writeonly uimage2D pred_img;
layout(std430, set = 0, binding = 2) readonly buffer Vectors {
    ivec4 vectors[];  // (dx, dy, sad, 0) per block
};
layout(std430, set = 0, binding = 3) readonly buffer Params {
    vec4 params[];  // (a, b, tx, ty) per block
};

layout(std430, set = 0, binding = 4) readonly buffer Flow {
    uint flow[];  // per pixel: u (low 16 bits) and v (high), two's complement, 1/16 pixel
};

layout(push_constant) uniform Push {
    uint width;
    uint height;
    uint block;
    uint blocks_x;
    uint mode;
} pc;

float ref_at(int x, int y) {
    ivec2 q = clamp(ivec2(x, y), ivec2(0), ivec2(int(pc.width) - 1, int(pc.height) - 1));
    return float(imageLoad(ref_img, q).r);
}

void main() {
    uvec2 p = gl_GlobalInvocationID.xy;
    if (p.x >= pc.width || p.y >= pc.height) {
        return;
    }
    uint bx = p.x / pc.block;
    uint by = p.y / pc.block;
    uint index = by * pc.blocks_x + bx;
    uint value;
    if (pc.mode == 2u) {
        uint word = flow[p.y * pc.width + p.x];
        int u = bitfieldExtract(int(word), 0, 16);
        int v = bitfieldExtract(int(word), 16, 16);
        int ix = int(p.x) + (u >> 4);
        int iy = int(p.y) + (v >> 4);
        uint fx = uint(u & 15);
        uint fy = uint(v & 15);
        uint sum = (16u - fx) * (16u - fy) * uint(ref_at(ix, iy)) + fx * (16u - fy) * uint(ref_at(ix + 1, iy))
            + (16u - fx) * fy * uint(ref_at(ix, iy + 1)) + fx * fy * uint(ref_at(ix + 1, iy + 1));
        value = (sum + 128u) >> 8;
    } else if (pc.mode == 0u) {
        ivec2 v = vectors[index].xy;
        value = uint(ref_at(int(p.x) + v.x, int(p.y) + v.y));
    } else {
        vec4 m = params[index];
        uint x0 = bx * pc.block;
        uint y0 = by * pc.block;
        uint w = min(pc.block, pc.width - x0);
        uint h = min(pc.block, pc.height - y0);
        precise float cx = float(x0) + (float(w) - 1.0) * 0.5;
        precise float cy = float(y0) + (float(h) - 1.0) * 0.5;
        precise float px = float(p.x) - cx;
        precise float py = float(p.y) - cy;
        precise float sx = (cx + (m.x * px - m.y * py)) + m.z;
        precise float sy = (cy + (m.y * px + m.x * py)) + m.w;
        precise float fx0 = floor(sx);
        precise float fy0 = floor(sy);
        precise float fx = sx - fx0;
        precise float fy = sy - fy0;
        int ix = int(fx0);
        int iy = int(fy0);
        float p00 = ref_at(ix, iy);
        float p10 = ref_at(ix + 1, iy);
        float p01 = ref_at(ix, iy + 1);
        float p11 = ref_at(ix + 1, iy + 1);
        precise float top = p00 + fx * (p10 - p00);
        precise float bottom = p01 + fx * (p11 - p01);
        precise float v = top + fy * (bottom - top);
        value = uint(clamp(floor(v + 0.5), 0.0, 255.0));
    }
    imageStore(pred_img, ivec2(p), uvec4(value));
}
