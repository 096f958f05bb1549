#version 450
// ms_ssim: one scale of MS-SSIM (reference::ms_ssim_partials, pytorch_msssim's ms_ssim): for each
// pixel of the valid map, the 11x11 separable Gaussian sums of a, b, a^2, b^2, ab (vertical first,
// terms added in order from 0), then cs and SSIM; each workgroup sums 64 pixels of one map row with
// a shared-memory tree and writes (Σ ssim, Σ cs). Every operation is `precise` (no fused
// multiply-add), so only the two divisions may differ from the CPU's correctly rounded ones.
layout(local_size_x = 64) in;

layout(set = 0, binding = 0, r8ui) uniform readonly uimage2D a_img;
layout(set = 0, binding = 1, r8ui) uniform readonly uimage2D b_img;
layout(std430, set = 0, binding = 2) readonly buffer Pyramid {
    float pyramid[];
};
layout(std430, set = 0, binding = 3) writeonly buffer Sums {
    vec2 sums[];  // per scale, row-major over (map row, segment)
};

layout(push_constant) uniform Push {
    uint width;       // this scale's size
    uint height;
    uint from_image;  // 1 at scale 0: read the luma images, else the pyramid
    uint src_a;       // offsets of this scale's planes in the pyramid (floats)
    uint src_b;
    uint map_w;       // valid map width (width - 10)
    uint segs;        // segments per map row
    uint out_base;    // this scale's first record
    float g[11];      // the Gaussian window
} pc;

const float C1 = 6.5025;
const float C2 = 58.5225;

shared float part_ssim[64];
shared float part_cs[64];

float load_a(int x, int y) {
    return pc.from_image != 0u ? float(imageLoad(a_img, ivec2(x, y)).r) : pyramid[pc.src_a + uint(y) * pc.width + uint(x)];
}

float load_b(int x, int y) {
    return pc.from_image != 0u ? float(imageLoad(b_img, ivec2(x, y)).r) : pyramid[pc.src_b + uint(y) * pc.width + uint(x)];
}

// (ssim, cs) of the window whose top-left corner is (x, y).
vec2 window_ssim_cs(int x, int y) {
    precise float m0 = 0.0, m1 = 0.0, m2 = 0.0, m3 = 0.0, m4 = 0.0;
    for (int j = 0; j < 11; ++j) {
        precise float v0 = 0.0, v1 = 0.0, v2 = 0.0, v3 = 0.0, v4 = 0.0;
        for (int i = 0; i < 11; ++i) {
            float p = load_a(x + j, y + i);
            float q = load_b(x + j, y + i);
            float gi = pc.g[i];
            v0 = v0 + gi * p;
            v1 = v1 + gi * q;
            v2 = v2 + gi * (p * p);
            v3 = v3 + gi * (q * q);
            v4 = v4 + gi * (p * q);
        }
        float gj = pc.g[j];
        m0 = m0 + gj * v0;
        m1 = m1 + gj * v1;
        m2 = m2 + gj * v2;
        m3 = m3 + gj * v3;
        m4 = m4 + gj * v4;
    }
    precise float mu1_sq = m0 * m0;
    precise float mu2_sq = m1 * m1;
    precise float mu1_mu2 = m0 * m1;
    precise float s1 = m2 - mu1_sq;
    precise float s2 = m3 - mu2_sq;
    precise float s12 = m4 - mu1_mu2;
    precise float cs = (2.0 * s12 + C2) / ((s1 + s2) + C2);
    precise float ssim = ((2.0 * mu1_mu2 + C1) / ((mu1_sq + mu2_sq) + C1)) * cs;
    return vec2(ssim, cs);
}

void main() {
    uint lane = gl_LocalInvocationID.x;
    uint seg = gl_WorkGroupID.x;
    uint row = gl_WorkGroupID.y;
    uint x = seg * 64u + lane;
    vec2 v = x < pc.map_w ? window_ssim_cs(int(x), int(row)) : vec2(0.0);
    part_ssim[lane] = v.x;
    part_cs[lane] = v.y;
    barrier();
    for (uint stride = 32u; stride > 0u; stride >>= 1u) {
        if (lane < stride) {
            precise float s = part_ssim[lane] + part_ssim[lane + stride];
            precise float c = part_cs[lane] + part_cs[lane + stride];
            part_ssim[lane] = s;
            part_cs[lane] = c;
        }
        barrier();
    }
    if (lane == 0u) {
        sums[pc.out_base + row * pc.segs + seg] = vec2(part_ssim[0], part_cs[0]);
    }
}
