//! The flow view's legend, drawn with egui (no window needed; the panel and `record` use it): the
//! colour wheel, where a point's offset from the centre is a motion in image directions (x right,
//! y down), full saturation on the ring at the flow scale and dimmed beyond it, with the scale in
//! pixels. Its colours come from the CPU reference (`reference::flow_colour`).

use crate::reference::flow_colour::flow_colour;

/// Rings and spokes of the wheel's mesh (vertex colours are interpolated between them).
const RINGS: usize = 16;
const SPOKES: usize = 72;
/// The wheel shows motions up to this multiple of the scale (the part past 1 is dimmed).
const OUTER: f32 = 1.25;

/// Paints the wheel centred at `centre`, with the scale's ring at `radius` points, and its caption.
pub fn paint_flow_legend(painter: &egui::Painter, centre: egui::Pos2, radius: f32, scale_px: f32) {
    let mut mesh = egui::Mesh::default();
    let colour = |u: f32, v: f32| {
        let [r, g, b] = flow_colour(f64::from(u), f64::from(v));
        egui::Color32::from_rgb(r, g, b)
    };
    mesh.colored_vertex(centre, colour(0.0, 0.0));
    for ring in 1..=RINGS {
        let t = OUTER * ring as f32 / RINGS as f32;
        for spoke in 0..SPOKES {
            let a = std::f32::consts::TAU * spoke as f32 / SPOKES as f32;
            let (u, v) = (t * a.cos(), t * a.sin());
            mesh.colored_vertex(centre + egui::vec2(u, v) * radius, colour(u, v));
        }
    }
    let at = |ring: usize, spoke: usize| (1 + (ring - 1) * SPOKES + spoke % SPOKES) as u32;
    for spoke in 0..SPOKES {
        mesh.add_triangle(0, at(1, spoke), at(1, spoke + 1));
        for ring in 1..RINGS {
            let (a, b, c, d) = (at(ring, spoke), at(ring, spoke + 1), at(ring + 1, spoke), at(ring + 1, spoke + 1));
            mesh.add_triangle(a, b, c);
            mesh.add_triangle(b, d, c);
        }
    }
    painter.add(egui::Shape::mesh(mesh));
    let ring = egui::Stroke::new(1.0, egui::Color32::from_gray(40));
    painter.circle_stroke(centre, radius, ring);
    painter.text(
        centre + egui::vec2(0.0, radius * OUTER + 3.0),
        egui::Align2::CENTER_TOP,
        format!("ring = {} px", format_px(scale_px)),
        egui::FontId::proportional(12.0),
        egui::Color32::WHITE,
    );
}

/// Space the legend takes below its centre, past the wheel (for the caption).
pub fn legend_height(radius: f32) -> f32 {
    2.0 * radius * OUTER + 18.0
}

fn format_px(v: f32) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The legend in the bottom-right corner of a `size` picture (what `record` writes in the flow view),
/// on a dark backing so it reads over any colour.
pub fn draw_corner_flow_legend(ctx: &egui::Context, size: (u32, u32), scale_px: f32) {
    let radius = (size.0.min(size.1) as f32 / 10.0).clamp(16.0, 48.0);
    let (w, h) = (2.0 * radius * OUTER + 24.0, legend_height(radius) + 8.0);
    let max = egui::pos2(size.0 as f32 - 6.0, size.1 as f32 - 6.0);
    let backing = egui::Rect::from_min_max(max - egui::vec2(w, h), max);
    let painter = ctx.layer_painter(egui::LayerId::background());
    painter.rect_filled(backing, 4.0, egui::Color32::from_black_alpha(180));
    let centre = egui::pos2(backing.center().x, backing.top() + 4.0 + radius * OUTER);
    paint_flow_legend(&painter, centre, radius, scale_px);
}
