//! What `record` and the window draw over the picture with egui (no window needed): the motion
//! vector arrows and the codec's vectors.

use crate::codec_arrows::{kind_colour, CodecArrow};
use crate::colormap;
use crate::settings::Colormap;

/// One motion-vector arrow in egui points: from the block centre towards where the block came from
/// in the previous frame (pred(x, y) = ref(x + dx, y + dy)); `t` in 0..1 picks its colour.
#[derive(Clone, Copy, Debug)]
pub struct Arrow {
    pub from: (f32, f32),
    pub to: (f32, f32),
    pub t: f32,
}

/// Paints the arrows on the background layer: over the picture, under the panels, also with the UI hidden.
pub fn draw_arrows(ctx: &egui::Context, arrows: &[Arrow], map: Colormap) {
    let painter = ctx.layer_painter(egui::LayerId::background());
    for a in arrows {
        paint_arrow(&painter, a.from, a.to, colormap::sample(map, a.t), 1.5);
    }
}

/// One arrow from `from` to `to` (points), a dot where it is shorter than half a point.
fn paint_arrow(painter: &egui::Painter, from: (f32, f32), to: (f32, f32), [r, g, b]: [u8; 3], width: f32) {
    let colour = egui::Color32::from_rgb(r, g, b);
    let (from, vec) = (egui::pos2(from.0, from.1), egui::vec2(to.0 - from.0, to.1 - from.1));
    if vec.length() < 0.5 {
        painter.circle_filled(from, width, colour);
    } else {
        painter.arrow(from, vec, egui::Stroke::new(width, colour));
    }
}

/// Paints the codec's vectors like [`draw_arrows`], each in its set's colour (`codec_arrows::kind_colour`).
pub fn draw_codec_arrows(ctx: &egui::Context, arrows: &[CodecArrow]) {
    let painter = ctx.layer_painter(egui::LayerId::background());
    for a in arrows {
        paint_arrow(&painter, a.from, a.to, kind_colour(a.kind), 1.0);
    }
}
