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
        let [r, g, b] = colormap::sample(map, a.t);
        let colour = egui::Color32::from_rgb(r, g, b);
        let from = egui::pos2(a.from.0, a.from.1);
        let vec = egui::vec2(a.to.0 - a.from.0, a.to.1 - a.from.1);
        if vec.length() < 0.5 {
            painter.circle_filled(from, 1.5, colour);
        } else {
            painter.arrow(from, vec, egui::Stroke::new(1.5, colour));
        }
    }
}

/// Paints the codec's vectors like [`draw_arrows`], each in its set's colour (`codec_arrows::kind_colour`).
pub fn draw_codec_arrows(ctx: &egui::Context, arrows: &[CodecArrow]) {
    let painter = ctx.layer_painter(egui::LayerId::background());
    for a in arrows {
        let [r, g, b] = kind_colour(a.kind);
        let colour = egui::Color32::from_rgb(r, g, b);
        let from = egui::pos2(a.from.0, a.from.1);
        let vec = egui::vec2(a.to.0 - a.from.0, a.to.1 - a.from.1);
        if vec.length() < 0.5 {
            painter.circle_filled(from, 1.0, colour);
        } else {
            painter.arrow(from, vec, egui::Stroke::new(1.0, colour));
        }
    }
}
