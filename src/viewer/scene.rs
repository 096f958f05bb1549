//! What the composite shows, computed from the settings, the player and the view: the display pass's
//! inputs, the heatmap scale and the vector arrows. Shared by the window and headless `vidscope
//! record`, so a recording made either way has the same pixels.

use super::player::Player;
use crate::gpu::{DisplayInputs, DisplayPush};
use crate::reference::symbols::HEADER_NONZERO;
use crate::reference::BlockStat;
use crate::ui::{self, Metric, Mode, Settings};
use crate::video::ColourMatrix;

/// View transform: output pixel o shows source pixel floor(origin + (o + 0.5) / zoom).
#[derive(Clone, Copy, Debug)]
pub struct View {
    pub zoom: f32,
    pub origin: (f32, f32),
    /// Follows the window size until the user zooms or pans.
    pub fit: bool,
}

impl View {
    /// The whole `src` picture centred in a `pane`, as large as fits.
    pub fn fit((sw, sh): (f32, f32), (pw, ph): (f32, f32)) -> Option<View> {
        if pw <= 0.0 || ph <= 0.0 || sw <= 0.0 || sh <= 0.0 {
            return None;
        }
        let zoom = (pw / sw).min(ph / sh).max(1e-3);
        Some(View { zoom, origin: ((sw - pw / zoom) / 2.0, (sh - ph / zoom) / 2.0), fit: true })
    }

    /// The pane the view maps into for an output of `(w, h)`: all of it, or each half in the split view.
    pub fn pane(mode: Mode, (w, h): (u32, u32)) -> (f32, f32) {
        let split = if mode == Mode::Split { 2 } else { 1 };
        ((w / split) as f32, h as f32)
    }
}

/// The heatmap's (min, max) over the current blocks for the chosen metric.
pub fn metric_range(settings: &Settings, player: &Player) -> (f32, f32) {
    let grid = player.graph().grid();
    let mut lo = f32::MAX;
    let mut hi = 0f32;
    let metric = settings.metric;
    if metric.is_learner() {
        // Blocks without non-zero trits are untinted, so they do not count towards the range.
        let record_words = player.symbol_layout.record_words() as usize;
        let nonzero = |i: usize| player.symbols.get(i * record_words + HEADER_NONZERO as usize).copied();
        for (i, rate) in player.rates.iter().enumerate() {
            let n = nonzero(i).unwrap_or(0);
            let v = if metric == Metric::Rate { rate.total() as f32 } else { n as f32 };
            if n > 0 {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
        return if lo > hi { (0.0, 0.0) } else { (lo, hi) };
    }
    let stats = if metric.is_motion_compensated() { &player.mc_stats } else { &player.stats };
    for (s, rect) in stats.iter().zip(grid.rects()) {
        let v = match metric {
            Metric::Sad | Metric::McSad => s.sad as f32,
            Metric::Sse | Metric::McSse => s.sse as f32,
            Metric::Mean => BlockStat::mean(s.sum_a, rect.count()),
            Metric::Nonzero | Metric::Rate => 0.0,
        };
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        (0.0, 0.0)
    } else {
        (lo, hi)
    }
}

/// The metric value at the top of the colormap.
pub fn scale_max(settings: &Settings, player: &Player) -> f32 {
    if settings.auto_scale {
        metric_range(settings, player).1.max(1.0)
    } else {
        settings.fixed_scale
    }
}

/// The display pass's inputs for the frame on screen.
pub fn display_inputs<'a>(settings: &Settings, player: &'a Player, view: &View) -> DisplayInputs<'a> {
    let grid = player.graph().grid();
    let mut flags = 0;
    if player.shown().is_some() {
        flags |= DisplayPush::FLAG_HAS_FRAME;
    }
    if settings.grid {
        flags |= DisplayPush::FLAG_GRID;
    }
    if settings.mode == Mode::Split {
        flags |= DisplayPush::FLAG_SPLIT;
    }
    let graph = player.graph();
    let symbols = graph.symbols_buffer().filter(|_| !player.symbols.is_empty());
    if symbols.is_some() {
        flags |= DisplayPush::FLAG_SYMBOLS;
    }
    let chroma = player.chroma_images().filter(|_| !settings.luma_only);
    let colour = &player.info.colour;
    let push = DisplayPush {
        colour: match colour.matrix {
            ColourMatrix::Bt601 => 1,
            ColourMatrix::Bt709 => 2,
            ColourMatrix::Bt2020 => 3,
        },
        full_range: colour.full_range as u32,
        chroma_shift_x: chroma.map_or(0, |(_, _, (sx, _))| sx),
        chroma_shift_y: chroma.map_or(0, |(_, _, (_, sy))| sy),
        src_w: grid.width,
        src_h: grid.height,
        mode: settings.mode.shader_index(),
        colormap: settings.colormap.shader_index(),
        metric: settings.metric.shader_index(),
        block: grid.block,
        blocks_x: grid.blocks_x(),
        flags,
        opacity: settings.opacity,
        scale_max: scale_max(settings, player),
        zoom: view.zoom,
        origin_x: view.origin.0,
        origin_y: view.origin.1,
        trit_plane: settings.shown_plane().min(player.symbol_layout.planes.saturating_sub(1)),
        planes: player.symbol_layout.planes,
        record_words: player.symbol_layout.record_words(),
        ..DisplayPush::default()
    };
    DisplayInputs {
        luma: player.shown().and(graph.current_luma()),
        diff: match settings.mode.plane() {
            ui::Plane::Diff => graph.diff_image(),
            ui::Plane::Predicted => graph.predicted_image(),
            ui::Plane::Residual => graph.residual_image(),
        },
        right: graph.residual_image(),
        chroma: chroma.map(|(cb, cr, _)| (cb, cr)),
        stats: if settings.metric.is_learner() {
            player.learner_buffer()
        } else if settings.metric.is_motion_compensated() {
            graph.mc_stats_buffer()
        } else {
            graph.stats_buffer()
        },
        symbols,
        push,
    }
}

/// Motion-vector arrows for the blocks on screen, in egui points (`ppp` pixels per point); none when
/// blocks are too small on screen to read (under 6 points) or motion search has not run.
pub fn arrows(settings: &Settings, player: &Player, view: &View, ppp: f32) -> Vec<ui::Arrow> {
    let (motion, mc) = (&player.motion, &player.mc_stats);
    if !settings.arrows || player.shown().is_none() || motion.len() != mc.len() {
        return Vec::new();
    }
    let grid = player.graph().grid();
    let to_points = |x: f32, y: f32| ((x - view.origin.0) * view.zoom / ppp, (y - view.origin.1) * view.zoom / ppp);
    if grid.block as f32 * view.zoom / ppp < 6.0 {
        return Vec::new();
    }
    let max_sad = mc.iter().map(|m| m.sad).max().unwrap_or(0).max(1) as f32;
    grid.rects()
        .zip(motion.iter().zip(mc))
        .map(|(r, (v, m))| {
            let (cx, cy) = (r.x0 as f32 + r.w as f32 / 2.0, r.y0 as f32 + r.h as f32 / 2.0);
            let (ex, ey) = (cx + v.dx as f32 * settings.arrow_scale, cy + v.dy as f32 * settings.arrow_scale);
            ui::Arrow { from: to_points(cx, cy), to: to_points(ex, ey), t: m.sad as f32 / max_sad }
        })
        .collect()
}
