#version 450
// display: composes what the viewer shows into an RGBA8 storage image the size of the window:
// the raw frame (in colour when the source has chroma; gray luma under a heatmap) or the diff plane, optionally with a per-block heatmap of SAD / SSE / mean from the
// block-stats SSBO, with zoom and pan (nearest-neighbour sampling) and optional block grid lines.
// Mode 4 draws one digit plane of the residual symbol stream (docs/symbols.md) in three colours.
// With a reference B (`--ref`): mode 5 shows B, 6 |A − B| × amplify, 7 the signed difference A − B + 128,
// 8 marks every pixel where A ≠ B over gray A; metric 4 is the per-block A/B PSNR.
// Mode 9 (flow) colours every pixel by its block's motion vector on the Middlebury wheel, on the fixed
// scale flow_scale (binding 2 then holds the vectors, ivec4 (dx, dy, sad, _) per block). The wipe
// (FLAG_WIPE) shows B right of a vertical divider, in any mode (see `main`).
#include "colormap.glsl"
#include "symbols.glsl"

layout(local_size_x = 16, local_size_y = 16) in;

layout(set = 0, binding = 0, r8ui) uniform readonly uimage2D luma_img;
layout(set = 0, binding = 1, r8ui) uniform readonly uimage2D diff_img;
layout(std430, set = 0, binding = 2) readonly buffer Stats {
    uvec4 stats[];  // (sad, sse, sum_cur, sum_ref) per block, row-major over (by, bx)
};
layout(set = 0, binding = 3, rgba8) uniform writeonly image2D out_img;
layout(set = 0, binding = 4, r8ui) uniform readonly uimage2D right_img;  // right pane of the split view
layout(set = 0, binding = 5, r8ui) uniform readonly uimage2D cb_img;     // chroma, read when colour != 0
layout(set = 0, binding = 6, r8ui) uniform readonly uimage2D cr_img;
layout(std430, set = 0, binding = 7) readonly buffer Symbols {
    uint sym_words[];  // one record of record_words per block, read when FLAG_SYMBOLS is set
};
layout(set = 0, binding = 8, r8ui) uniform readonly uimage2D b_img;   // input 1 (B), read with a reference
layout(set = 0, binding = 9, r8ui) uniform readonly uimage2D ab_img;  // |A − B| (modes 6, 8) or A − B + 128 (7)

// Modes: 0 raw, 1 diff, 2 heatmap over raw, 3 heatmap over diff, 4 trit plane, 5 B, 6 |A − B| × amplify,
// 7 A − B + 128, 8 mark differences, 9 flow (colour wheel).
// Metrics: 0 SAD (.x), 1 SSE, 2 mean (of cur), 3 .y as float bits (rate; .x = non-zero trits),
// 4 PSNR from the SSE (.y) in dB: banded (FLAG_BANDS) or scaled from scale_max (worst) down to scale_min.
const uint FLAG_HAS_FRAME = 1u;
const uint FLAG_GRID = 2u;
const uint FLAG_SPLIT = 8u;
const uint FLAG_SYMBOLS = 16u;
const uint FLAG_WIPE = 32u;
const uint FLAG_BANDS = 64u;

// "Mark differences": the colour of a pixel where A ≠ B (sRGB bytes).
const vec3 MARK_RGB = vec3(255.0, 0.0, 255.0) / 255.0;
// The wipe's divider.
const vec3 WIPE_RGB = vec3(255.0, 220.0, 0.0) / 255.0;

// Trit colours (sRGB bytes): -1, 0, +1.
const vec3 TRIT_MINUS_RGB = vec3(70.0, 130.0, 230.0) / 255.0;
const vec3 TRIT_ZERO_RGB = vec3(40.0, 40.0, 40.0) / 255.0;
const vec3 TRIT_PLUS_RGB = vec3(240.0, 150.0, 40.0) / 255.0;

layout(push_constant) uniform Push {
    uint out_w;
    uint out_h;
    uint src_w;
    uint src_h;
    uint mode;
    uint colormap;
    uint metric;
    uint block;
    uint blocks_x;
    uint flags;
    float opacity;
    float scale_max;  // metric value mapped to the top of the colormap
    float zoom;       // output pixels per source pixel
    float origin_x;   // source coordinate at the output's left edge
    float origin_y;
    uint colour;  // 0 gray (no chroma), 1 BT.601, 2 BT.709, 3 BT.2020
    uint full_range;
    uint chroma_shift_x;
    uint chroma_shift_y;
    uint trit_plane;
    uint planes;
    uint record_words;
    uint amplify;     // |A − B| gain in mode 6 (1..64)
    float wipe;       // FLAG_WIPE: the divider at this fraction of the output width
    float scale_min;  // metric 4, auto scale: the lowest PSNR (top of the colormap); scale_max the highest
    uint value_base;  // the shown metric's first record in the block buffer (pass metrics share one)
    float flow_scale; // mode 9: vector length (pixels) at full saturation
    float flow_units; // mode 9: vector units per pixel (4: quarter-pel vectors)
} pc;

// The motion colour wheel, as core::reference::flow_colour (RAFT's flow_viz): colour k of 55, each
// segment one channel at 255 and another ramping floor(255 i / n) up or down.
vec3 wheel_colour(uint k) {
    const uint n[6] = uint[6](15u, 6u, 4u, 11u, 13u, 6u);
    uint seg = 0u;
    uint i = k;
    while (seg < 5u && i >= n[seg]) {
        i -= n[seg];
        seg += 1u;
    }
    float r = float((255u * i) / n[seg]);
    vec3 c = seg == 0u ? vec3(255.0, r, 0.0)
           : seg == 1u ? vec3(255.0 - r, 255.0, 0.0)
           : seg == 2u ? vec3(0.0, 255.0, r)
           : seg == 3u ? vec3(0.0, 255.0 - r, 255.0)
           : seg == 4u ? vec3(r, 0.0, 255.0)
           : vec3(255.0, 0.0, 255.0 - r);
    return c / 255.0;
}

// flow_viz.flow_uv_to_colors for a normalised flow (u, v); the content's motion is −vector.
vec3 flow_rgb(vec2 uv) {
    const float PI = 3.14159265358979;
    float rad = length(uv);
    // atan2(−0, −u) = −π for a purely rightward motion, whatever the driver does with signed zeros.
    float a = (uv.y == 0.0 && uv.x > 0.0) ? -1.0 : atan(-uv.y, -uv.x) / PI;
    float fk = (a + 1.0) / 2.0 * 54.0;
    uint k0 = min(uint(max(floor(fk), 0.0)), 54u);
    uint k1 = k0 == 54u ? 0u : k0 + 1u;
    vec3 col = mix(wheel_colour(k0), wheel_colour(k1), fk - float(k0));
    col = rad <= 1.0 ? 1.0 - rad * (1.0 - col) : col * 0.75;
    return floor(255.0 * col) / 255.0;
}

// The PSNR heatmap's fixed bands: < 20, 20–25, …, 45–50, ≥ 50 dB (band 0 at the top of the colormap).
float psnr_band_t(float db) {
    float k = clamp(floor((db - 15.0) / 5.0), 0.0, 7.0);
    return 1.0 - k / 7.0;
}

// Y'CbCr → R'G'B' for pixel p, nearest chroma sample, clamped to [0, 1].
vec3 ycbcr_to_rgb(ivec2 p, uint y8) {
    ivec2 cp = ivec2(uvec2(p) >> uvec2(pc.chroma_shift_x, pc.chroma_shift_y));
    vec3 ycc = vec3(float(y8), float(imageLoad(cb_img, cp).r), float(imageLoad(cr_img, cp).r));
    float y, cb, cr;
    if (pc.full_range != 0u) {
        y = ycc.x / 255.0;
        cb = (ycc.y - 128.0) / 255.0;
        cr = (ycc.z - 128.0) / 255.0;
    } else {
        y = (ycc.x - 16.0) / 219.0;
        cb = (ycc.y - 128.0) / 224.0;
        cr = (ycc.z - 128.0) / 224.0;
    }
    vec2 k = pc.colour == 1u ? vec2(0.299, 0.114) : (pc.colour == 2u ? vec2(0.2126, 0.0722) : vec2(0.2627, 0.0593));
    float kr = k.x, kb = k.y, kg = 1.0 - kr - kb;
    vec3 rgb = vec3(y + 2.0 * (1.0 - kr) * cr,
                    y - (2.0 * kb * (1.0 - kb) * cb + 2.0 * kr * (1.0 - kr) * cr) / kg,
                    y + 2.0 * (1.0 - kb) * cb);
    return clamp(rgb, 0.0, 1.0);
}

void main() {
    uvec2 o = gl_GlobalInvocationID.xy;
    if (o.x >= pc.out_w || o.y >= pc.out_h) {
        return;
    }
    vec3 background = vec3(0.08);
    // Split view: two panes of half the width, each with the same view of its own plane.
    bool split = (pc.flags & FLAG_SPLIT) != 0u;
    uint half_w = pc.out_w / 2u;
    bool right = split && o.x >= half_w;
    if (split && (o.x == half_w || o.x + 1u == half_w)) {
        imageStore(out_img, ivec2(o), vec4(vec3(0.6), 1.0));
        return;
    }
    uvec2 local = right ? uvec2(o.x - half_w, o.y) : o;
    vec2 s = vec2(pc.origin_x, pc.origin_y) + (vec2(local) + 0.5) / pc.zoom;
    if ((pc.flags & FLAG_HAS_FRAME) == 0u || s.x < 0.0 || s.y < 0.0 || s.x >= float(pc.src_w)
        || s.y >= float(pc.src_h)) {
        imageStore(out_img, ivec2(o), vec4(background, 1.0));
        return;
    }
    ivec2 p = ivec2(floor(s));
    // The wipe: B right of the divider. Modes that show input 0 (raw, heatmaps, mark) show input 1
    // there instead; the others show B's luma there. Colour is off with the wipe (B has no chroma here).
    bool wiped = false;
    if ((pc.flags & FLAG_WIPE) != 0u && !split) {
        uint wipe_x = uint(clamp(pc.wipe, 0.0, 1.0) * float(pc.out_w));
        if (o.x + 1u == wipe_x || o.x == wipe_x) {
            imageStore(out_img, ivec2(o), vec4(WIPE_RGB, 1.0));
            return;
        }
        wiped = o.x > wipe_x;
    }
    bool over_diff = pc.mode == 1u || pc.mode == 3u;
    uint mode = pc.mode;
    bool reads_a = mode == 0u || mode == 2u || mode == 8u;
    if (wiped && !reads_a) {
        mode = 5u;  // B's luma
    }
    uint v;
    if (mode == 5u || (wiped && reads_a)) {
        v = imageLoad(b_img, p).r;
    } else if (mode == 6u) {
        v = min(imageLoad(ab_img, p).r * max(pc.amplify, 1u), 255u);
    } else if (mode == 7u) {
        v = imageLoad(ab_img, p).r;
    } else if (over_diff) {
        v = right ? imageLoad(right_img, p).r : imageLoad(diff_img, p).r;
    } else {
        v = imageLoad(luma_img, p).r;
    }
    // Colour in raw mode only: under a heatmap, gray keeps the colormap readable.
    vec3 c = (mode == 0u && pc.colour != 0u && (pc.flags & FLAG_WIPE) == 0u) ? ycbcr_to_rgb(p, v) : vec3(float(v) / 255.0);
    if (mode == 8u && imageLoad(ab_img, p).r != 0u) {
        c = MARK_RGB;
    }
    uint bx = uint(p.x) / pc.block;
    uint by = uint(p.y) / pc.block;
    if (mode == 4u && (pc.flags & FLAG_SYMBOLS) != 0u) {
        uint i = (uint(p.y) % pc.block) * pc.block + uint(p.x) % pc.block;
        uint base = (by * pc.blocks_x + bx) * pc.record_words;
        int d = sym_trit(sym_words[base + sym_trit_word(pc.block, pc.trit_plane, i)], sym_trit_shift(i));
        c = d < 0 ? TRIT_MINUS_RGB : (d > 0 ? TRIT_PLUS_RGB : TRIT_ZERO_RGB);
    }
    if (mode == 9u) {
        uvec4 st = stats[by * pc.blocks_x + bx];
        c = flow_rgb(vec2(-ivec2(st.xy)) / max(pc.flow_scale * pc.flow_units, 1e-6));
    }
    if (mode == 2u || mode == 3u) {
        uvec4 st = stats[pc.value_base + by * pc.blocks_x + bx];
        float value = 0.0;
        if (pc.metric == 4u) {
            // Identical blocks (SSE 0, infinite PSNR) stay untinted.
            if (st.y > 0u) {
                uint w = min(pc.block, pc.src_w - bx * pc.block);
                uint h = min(pc.block, pc.src_h - by * pc.block);
                float db = 10.0 * log(255.0 * 255.0 * float(w * h) / float(st.y)) / log(10.0);
                float t = (pc.flags & FLAG_BANDS) != 0u
                    ? psnr_band_t(db)
                    : clamp((pc.scale_max - db) / max(pc.scale_max - pc.scale_min, 1e-6), 0.0, 1.0);
                c = mix(c, colormap(pc.colormap, t), pc.opacity);
            }
        } else if (pc.metric == 0u) {
            value = float(st.x);
        } else if (pc.metric == 1u) {
            value = float(st.y);
        } else if (pc.metric == 3u) {
            value = st.x > 0u ? uintBitsToFloat(st.y) : 0.0;
        } else if (pc.metric == 5u) {
            value = uintBitsToFloat(st.x);
        } else {
            uint w = min(pc.block, pc.src_w - bx * pc.block);
            uint h = min(pc.block, pc.src_h - by * pc.block);
            value = float(st.z) / float(w * h);
        }
        // Zero SAD/SSE means "nothing changed here": leave the picture untinted.
        if (pc.metric != 4u && (value > 0.0 || pc.metric == 2u)) {
            float t = clamp(value / max(pc.scale_max, 1e-6), 0.0, 1.0);
            c = mix(c, colormap(pc.colormap, t), pc.opacity);
        }
    }
    if (pc.mode >= 2u && pc.mode <= 4u) {
        if ((pc.flags & FLAG_GRID) != 0u) {
            // A line on the first output pixel of each block column / row.
            vec2 prev = vec2(pc.origin_x, pc.origin_y) + (vec2(local) - 0.5) / pc.zoom;
            ivec2 q = ivec2(floor(prev));
            bool edge_x = local.x > 0u && uint(p.x) / pc.block != uint(max(q.x, 0)) / pc.block;
            bool edge_y = local.y > 0u && uint(p.y) / pc.block != uint(max(q.y, 0)) / pc.block;
            if (edge_x || edge_y) {
                c = mix(c, vec3(1.0), 0.4);
            }
        }
    }
    imageStore(out_img, ivec2(o), vec4(c, 1.0));
}
