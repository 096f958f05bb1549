//! The pinned block's cost surface in the panel: the (2R + 1)² SADs of its search window (computed on
//! the GPU by the cost_surface pass) as a small heat image, with the chosen vector ringed and the
//! second best (Chebyshev distance ≥ 2, as `confidence`) crossed.

use super::colormap;
use super::model::{Colormap, SurfaceView};
use crate::reference::motion_search::surface_second_best;

/// Draws the surface; up to 198 points wide whatever R is.
pub fn show(ui: &mut egui::Ui, view: &SurfaceView, map: Colormap) {
    let r = view.range as i32;
    let n = 2 * view.range as usize + 1;
    if view.sads.len() != n * n {
        ui.label(egui::RichText::new("cost surface: computing…").weak());
        return;
    }
    let (lo, hi) = view.sads.iter().fold((u32::MAX, 0), |(lo, hi), &s| (lo.min(s), hi.max(s)));
    let cell = (198.0 / n as f32).clamp(1.0, 12.0);
    let (rect, response) = ui.allocate_exact_size(egui::vec2(cell * n as f32, cell * n as f32), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    let at = |dx: i32, dy: i32| rect.min + egui::vec2((dx + r) as f32 * cell, (dy + r) as f32 * cell);
    for (i, &sad) in view.sads.iter().enumerate() {
        let t = (sad - lo) as f32 / (hi - lo).max(1) as f32;
        let [red, green, blue] = colormap::sample(map, t);
        let min = at((i % n) as i32 - r, (i / n) as i32 - r);
        painter.rect_filled(
            egui::Rect::from_min_size(min, egui::vec2(cell, cell)),
            0.0,
            egui::Color32::from_rgb(red, green, blue),
        );
    }
    let centre = |dx: i32, dy: i32| at(dx, dy) + egui::vec2(cell, cell) / 2.0;
    let stroke = egui::Stroke::new(1.5, egui::Color32::WHITE);
    let sad_at = |dx: i32, dy: i32| view.sads[((dy + r) as usize) * n + (dx + r) as usize];
    let mut caption = format!("block ({}, {})  SAD {lo}…{hi}", view.block.1, view.block.0);
    if let Some((dx, dy)) = view.chosen {
        painter.circle_stroke(centre(dx, dy), (cell * 0.7).max(3.0), stroke);
        caption.push_str(&format!("\n○ chosen ({dx}, {dy}) SAD {}", sad_at(dx, dy)));
        if let Some(s) = surface_second_best(&view.sads, view.range, (dx, dy)) {
            let (c, d) = (centre(s.dx, s.dy), (cell * 0.6).max(3.0));
            painter.line_segment([c - egui::vec2(d, d), c + egui::vec2(d, d)], stroke);
            painter.line_segment([c - egui::vec2(d, -d), c + egui::vec2(d, -d)], stroke);
            caption.push_str(&format!(
                "\n× second ({}, {}) SAD {}  confidence {}",
                s.dx,
                s.dy,
                s.sad,
                s.sad.saturating_sub(sad_at(dx, dy))
            ));
        }
    }
    if let Some(p) = response.hover_pos() {
        let (dx, dy) = (((p.x - rect.min.x) / cell) as i32 - r, ((p.y - rect.min.y) / cell) as i32 - r);
        if dx.abs() <= r && dy.abs() <= r {
            caption.push_str(&format!("\npointer ({dx}, {dy}) SAD {}", sad_at(dx, dy)));
        }
    }
    ui.monospace(caption);
}
