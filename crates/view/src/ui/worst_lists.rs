//! The worst-N lists under the plots: the N worst frames of a chosen curve (click seeks) and the N
//! worst blocks of the shown frame for the heatmap's metric (click pins the block for the readout).
//! Which entries and their order are `vidscope_scene::worst::worst_n`'s rule.

use super::plots::{Curve, FrameHistory};
use vidscope_scene::worst::{worst_n, DEFAULT_WORST};

/// What the lists are set to (kept by the viewer between frames).
#[derive(Clone, Copy, Debug)]
pub struct WorstLists {
    pub curve: Curve,
    pub n: usize,
}

impl Default for WorstLists {
    fn default() -> Self {
        Self { curve: Curve::default(), n: DEFAULT_WORST }
    }
}

/// The shown frame's per-block values of the heatmap's metric (`scene::block_values`).
pub struct ShownBlocks {
    pub metric_label: &'static str,
    /// Whether a lower value is worse (A/B PSNR).
    pub lower_is_worse: bool,
    pub frame: Option<usize>,
    pub blocks_x: u32,
    pub values: Vec<Option<f32>>,
}

/// A click on a list entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pick {
    Frame(usize),
    Block { by: u32, bx: u32 },
}

/// The `n` worst of (index, value) pairs where `lower_is_worse` flips the order, with their values.
fn ranked(values: impl Iterator<Item = (usize, f64)>, lower_is_worse: bool, n: usize) -> Vec<(usize, f64)> {
    let sign = if lower_is_worse { -1.0 } else { 1.0 };
    worst_n(values.map(|(i, v)| (i, sign * v)), n).into_iter().map(|(i, v)| (i, sign * v)).collect()
}

/// Draws the lists in a bottom panel; returns the entry clicked, if any.
pub fn show(ui: &mut egui::Ui, lists: &mut WorstLists, history: &FrameHistory, blocks: &ShownBlocks) -> Option<Pick> {
    let mut pick = None;
    egui::Panel::bottom("worst lists").show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            ui.label("worst frames of");
            egui::ComboBox::from_id_salt("worst curve").selected_text(lists.curve.label()).show_ui(ui, |ui| {
                for c in Curve::ALL {
                    ui.selectable_value(&mut lists.curve, c, c.label());
                }
            });
            ui.add(egui::DragValue::new(&mut lists.n).range(1..=50).prefix("N "));
            let frames = ranked(history.curve(lists.curve).into_iter(), lists.curve.lower_is_worse(), lists.n);
            if frames.is_empty() {
                ui.label(egui::RichText::new("(no frame has this curve yet)").weak());
            }
            for (f, v) in frames {
                if ui.button(format!("frame {f}: {}", format_number(v))).on_hover_text("seek to it").clicked() {
                    pick = Some(Pick::Frame(f));
                }
            }
        });
        ui.horizontal_wrapped(|ui| {
            let frame = blocks.frame.map_or("-".to_string(), |f| f.to_string());
            ui.label(format!("worst blocks of frame {frame} by {}:", blocks.metric_label));
            let values = blocks.values.iter().enumerate().filter_map(|(i, v)| v.map(|v| (i, f64::from(v))));
            let worst = ranked(values, blocks.lower_is_worse, lists.n);
            if worst.is_empty() {
                ui.label(egui::RichText::new("(no block has a value for this metric)").weak());
            }
            for (i, v) in worst {
                let (by, bx) = (i as u32 / blocks.blocks_x.max(1), i as u32 % blocks.blocks_x.max(1));
                let button = ui.button(format!("(by {by}, bx {bx}): {}", format_number(v)));
                if button.on_hover_text("pin it for the readout (again: unpin)").clicked() {
                    pick = Some(Pick::Block { by, bx });
                }
            }
        });
    });
    pick
}

fn format_number(v: f64) -> String {
    if !v.is_finite() {
        format!("{v}")
    } else if v.abs() >= 1.0e6 {
        format!("{v:.3e}")
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_is_worse_lists_the_lowest_first_with_their_own_values() {
        let values = [(0, 30.0), (1, 25.0), (2, f64::INFINITY), (3, 25.0)];
        assert_eq!(ranked(values.into_iter(), true, 3), vec![(1, 25.0), (3, 25.0), (0, 30.0)]);
        assert_eq!(ranked(values.into_iter(), false, 2), vec![(2, f64::INFINITY), (0, 30.0)]);
    }
}
