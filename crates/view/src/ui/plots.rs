//! The plots panel (egui_plot): per-frame totals of SAD and SSE (and MC-SAD / MC-SSE once motion
//! search ran on a frame), a cursor at the frame on screen, click to seek, and the SAD curve of the
//! block under the pointer; with a reference (`--ref`), per-frame A/B PSNR (Y, and U, V and the 6:1:1
//! YUV PSNR where both inputs have chroma) and SSIM and MS-SSIM of luma. The history
//! fills in as frames go through the passes.

use crate::reference::{BlockStat, YuvError};
use egui_plot::{Legend, Line, Plot, PlotPoints, VLine};
use std::collections::BTreeMap;

/// Frames whose per-block SADs are kept for the block curve (older ones are dropped first).
const BLOCK_HISTORY_FRAMES: usize = 2000;

#[derive(Clone, Debug, Default)]
struct FrameTotals {
    sad: u64,
    sse: u64,
    mc: Option<(u64, u64)>,
    /// Per-block SAD and (when motion ran) MC-SAD, for the block curve.
    block_sad: Vec<u32>,
    block_mc_sad: Vec<u32>,
    /// The A/B metrics, with a reference.
    ab: Option<AbPoint>,
}

/// One frame's A/B metrics as the plots keep them (PSNRs infinite for identical planes).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AbPoint {
    pub psnr: f64,
    pub ssim: Option<f64>,
    pub yuv: Option<YuvError>,
    pub ms_ssim: Option<f64>,
}

/// A per-frame curve of the plots, as the worst-frames list ranks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Curve {
    #[default]
    Sad,
    Sse,
    McSad,
    McSse,
    /// A/B luma PSNR (with `--ref`); identical frames are ∞.
    Psnr,
    Ssim,
}

impl Curve {
    pub const ALL: [Curve; 6] = [Curve::Sad, Curve::Sse, Curve::McSad, Curve::McSse, Curve::Psnr, Curve::Ssim];

    pub fn label(self) -> &'static str {
        match self {
            Curve::Sad => "SAD",
            Curve::Sse => "SSE",
            Curve::McSad => "MC-SAD",
            Curve::McSse => "MC-SSE",
            Curve::Psnr => "A/B PSNR",
            Curve::Ssim => "A/B SSIM",
        }
    }

    /// Whether a lower value is worse (the A/B quality curves).
    pub fn lower_is_worse(self) -> bool {
        matches!(self, Curve::Psnr | Curve::Ssim)
    }

    fn value(self, f: &FrameTotals) -> Option<f64> {
        match self {
            Curve::Sad => Some(f.sad as f64),
            Curve::Sse => Some(f.sse as f64),
            Curve::McSad => f.mc.map(|m| m.0 as f64),
            Curve::McSse => f.mc.map(|m| m.1 as f64),
            Curve::Psnr => f.ab.map(|a| a.psnr),
            Curve::Ssim => f.ab.and_then(|a| a.ssim),
        }
    }
}

/// What the plots show: totals per frame index, for the current file and block size.
#[derive(Clone, Debug, Default)]
pub struct FrameHistory {
    frames: BTreeMap<usize, FrameTotals>,
}

impl FrameHistory {
    /// Adds (or replaces) frame `index`'s results; `mc` is empty when motion search did not run.
    pub fn record(&mut self, index: usize, stats: &[BlockStat], mc: &[BlockStat]) {
        let sum = |s: &[BlockStat]| {
            (s.iter().map(|b| u64::from(b.sad)).sum::<u64>(), s.iter().map(|b| u64::from(b.sse)).sum::<u64>())
        };
        let (sad, sse) = sum(stats);
        let entry = FrameTotals {
            sad,
            sse,
            mc: (!mc.is_empty()).then(|| sum(mc)),
            block_sad: stats.iter().map(|b| b.sad).collect(),
            block_mc_sad: mc.iter().map(|b| b.sad).collect(),
            ab: self.frames.get(&index).and_then(|f| f.ab),
        };
        // A frame recomputed without motion keeps the MC totals it had.
        let keep_mc = self.frames.get(&index).and_then(|f| f.mc.zip(Some(f.block_mc_sad.clone())));
        let mut entry = entry;
        if let (None, Some((mc, blocks))) = (entry.mc, keep_mc) {
            entry.mc = Some(mc);
            entry.block_mc_sad = blocks;
        }
        self.frames.insert(index, entry);
        if self.frames.len() > BLOCK_HISTORY_FRAMES {
            // Keep the totals, drop the per-block values of the frame farthest from this one.
            let far = self
                .frames
                .iter()
                .filter(|(_, f)| !f.block_sad.is_empty())
                .max_by_key(|(&i, _)| i.abs_diff(index))
                .map(|(&i, _)| i);
            if let Some(f) = far.and_then(|i| self.frames.get_mut(&i)) {
                f.block_sad = Vec::new();
                f.block_mc_sad = Vec::new();
            }
        }
    }

    /// Adds frame `index`'s A/B metrics (after `record`).
    pub fn record_ab(&mut self, index: usize, ab: AbPoint) {
        if let Some(f) = self.frames.get_mut(&index) {
            f.ab = Some(ab);
        }
    }

    pub fn has_ab(&self) -> bool {
        self.frames.values().any(|f| f.ab.is_some())
    }

    pub fn clear(&mut self) {
        self.frames.clear();
    }

    pub fn len(&self) -> usize {
        self.frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// (frame, value) of `curve` for the frames that have it, in frame order.
    pub fn curve(&self, curve: Curve) -> Vec<(usize, f64)> {
        self.frames.iter().filter_map(|(&i, f)| curve.value(f).map(|v| (i, v))).collect()
    }

    /// (frame, total SAD) in frame order.
    pub fn sad_series(&self) -> Vec<[f64; 2]> {
        self.frames.iter().map(|(&i, f)| [i as f64, f.sad as f64]).collect()
    }

    fn series(&self, pick: impl Fn(&FrameTotals) -> Option<f64>) -> Vec<[f64; 2]> {
        self.frames.iter().filter_map(|(&i, f)| pick(f).map(|v| [i as f64, v])).collect()
    }
}

/// Draws the plots panel; returns a frame to seek to when a plot was clicked.
pub fn show(
    ui: &mut egui::Ui,
    history: &FrameHistory,
    block: Option<(u32, u32, u32)>,
    shown: Option<usize>,
) -> Option<usize> {
    let mut seek = None;
    let cursor = shown.map(|f| VLine::new("frame", f as f64).color(egui::Color32::from_rgb(255, 90, 90)));
    let plot = |ui: &mut egui::Ui, id: &str, title: &str, lines: Vec<(String, Vec<[f64; 2]>)>| {
        ui.label(title);
        let response = Plot::new(id)
            .height(110.0)
            .legend(Legend::default())
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .allow_boxed_zoom(false)
            .include_y(0.0)
            .show(ui, |p| {
                for (name, points) in lines {
                    p.line(Line::new(name, PlotPoints::from(points)));
                }
                if let Some(c) = cursor.clone() {
                    p.vline(c);
                }
                p.pointer_coordinate()
            });
        if response.response.clicked() {
            response.inner.map(|pt| pt.x.round().max(0.0) as usize)
        } else {
            None
        }
    };
    egui::Panel::bottom("plots").show(ui, |ui| {
        if history.has_ab() {
            ui.columns(2, |cols| {
                let title = "per-frame A/B PSNR, dB (click to seek; identical frames not drawn)";
                seek = seek.or(plot(&mut cols[0], "plot psnr", title, psnr_lines(history)));
                let ssim = vec![
                    ("SSIM Y".to_string(), history.series(|f| f.ab.and_then(|a| a.ssim))),
                    ("MS-SSIM Y".to_string(), history.series(|f| f.ab.and_then(|a| a.ms_ssim))),
                ];
                seek = seek.or(plot(&mut cols[1], "plot ssim", "per-frame A/B SSIM and MS-SSIM", ssim));
            });
        }
        ui.columns(3, |cols| {
            let sad = vec![
                ("SAD".to_string(), history.sad_series()),
                ("MC-SAD".to_string(), history.series(|f| f.mc.map(|m| m.0 as f64))),
            ];
            seek = seek.or(plot(&mut cols[0], "plot sad", "per-frame SAD (click to seek)", sad));
            let sse = vec![
                ("SSE".to_string(), history.series(|f| Some(f.sse as f64))),
                ("MC-SSE".to_string(), history.series(|f| f.mc.map(|m| m.1 as f64))),
            ];
            seek = seek.or(plot(&mut cols[1], "plot sse", "per-frame SSE", sse));
            let (title, lines) = match block {
                Some((by, bx, i)) => {
                    let i = i as usize;
                    let pick = |v: &Vec<u32>| v.get(i).map(|&x| x as f64);
                    (
                        format!("block (by {by}, bx {bx})"),
                        vec![
                            ("SAD".to_string(), history.series(|f| pick(&f.block_sad))),
                            ("MC-SAD".to_string(), history.series(|f| pick(&f.block_mc_sad))),
                        ],
                    )
                }
                None => ("block under the pointer (hover one)".to_string(), Vec::new()),
            };
            seek = seek.or(plot(&mut cols[2], "plot block", &title, lines));
        });
    });
    seek
}

/// The PSNR plot's lines: Y, and U, V and YUV 6:1:1 where frames had chroma; identical planes
/// (PSNR ∞) leave gaps.
fn psnr_lines(history: &FrameHistory) -> Vec<(String, Vec<[f64; 2]>)> {
    let finite = |v: f64| v.is_finite().then_some(v);
    let yuv =
        |pick: fn(&YuvError) -> f64| history.series(move |f| f.ab.and_then(|a| a.yuv).and_then(|e| finite(pick(&e))));
    let mut lines = vec![("PSNR Y".to_string(), history.series(|f| f.ab.and_then(|a| finite(a.psnr))))];
    let chroma =
        [("PSNR U", yuv(|e| e.psnr_u)), ("PSNR V", yuv(|e| e.psnr_v)), ("PSNR YUV 6:1:1", yuv(|e| e.psnr_yuv_611))];
    lines.extend(chroma.into_iter().filter(|(_, points)| !points.is_empty()).map(|(n, p)| (n.to_string(), p)));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(sad: u32) -> BlockStat {
        BlockStat { sad, sse: sad * 2, sum_a: 0, sum_b: 0 }
    }

    #[test]
    fn totals_and_block_series_follow_the_frames() {
        let mut h = FrameHistory::default();
        h.record(2, &[stat(1), stat(2)], &[]);
        h.record(1, &[stat(5), stat(5)], &[stat(1), stat(0)]);
        assert_eq!(h.sad_series(), vec![[1.0, 10.0], [2.0, 3.0]]);
        assert_eq!(h.series(|f| Some(f.sse as f64)), vec![[1.0, 20.0], [2.0, 6.0]]);
        assert_eq!(h.series(|f| f.mc.map(|m| m.0 as f64)), vec![[1.0, 1.0]]);
        assert_eq!(h.series(|f| f.block_sad.get(1).map(|&x| x as f64)), vec![[1.0, 5.0], [2.0, 2.0]]);
        // Recomputed without motion: the MC totals stay.
        h.record(1, &[stat(5), stat(5)], &[]);
        assert_eq!(h.series(|f| f.mc.map(|m| m.0 as f64)), vec![[1.0, 1.0]]);
    }

    #[test]
    fn curves_list_only_the_frames_that_have_them() {
        let mut h = FrameHistory::default();
        h.record(3, &[stat(4)], &[stat(1)]);
        h.record(1, &[stat(7)], &[]);
        assert_eq!(h.curve(Curve::Sad), vec![(1, 7.0), (3, 4.0)]);
        assert_eq!(h.curve(Curve::McSse), vec![(3, 2.0)]);
        assert!(h.curve(Curve::Psnr).is_empty());
    }

    #[test]
    fn ab_psnr_and_ssim_are_kept_per_frame_and_survive_a_recompute() {
        let mut h = FrameHistory::default();
        assert!(!h.has_ab());
        h.record(0, &[stat(1)], &[]);
        let point = |psnr, ssim| AbPoint { psnr, ssim: Some(ssim), yuv: None, ms_ssim: None };
        h.record_ab(0, point(f64::INFINITY, 1.0));
        h.record(1, &[stat(1)], &[]);
        h.record_ab(1, point(31.5, 0.9));
        assert!(h.has_ab());
        assert_eq!(h.series(|f| f.ab.map(|a| a.psnr).filter(|v| v.is_finite())), vec![[1.0, 31.5]]);
        h.record(1, &[stat(2)], &[]);
        assert_eq!(h.series(|f| f.ab.and_then(|a| a.ssim)), vec![[0.0, 1.0], [1.0, 0.9]]);
    }
}
