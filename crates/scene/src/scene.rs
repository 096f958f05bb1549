//! What the composite shows, computed from the settings, the player and the view: the display pass's
//! inputs, the heatmap scale and the vector arrows. Shared by the window and headless `vidscope
//! record`, so a recording made either way has the same pixels.

use crate::arrow_field::{field, group_size, BlockMotion};
use crate::display::DisplayPush;
use crate::gpu::{DisplayInputs, GpuBuffer};
use crate::overlay::Arrow;
use crate::passes::motion_cost::MC_GAIN;
use crate::passes::outputs as out;
use crate::passes::subpel::QPEL;
use crate::passes::{metric_exports, MetricExport, MotionSource};
use crate::player::Player;
use crate::reference::dense_flow::FLOW_STEPS;
use crate::reference::symbols::HEADER_NONZERO;
use crate::reference::{psnr_from_sse, BlockRate, BlockRect, BlockStat};
use crate::settings::{Metric, Mode, Plane, Settings};
use crate::video::ColourMatrix;
use glam::Vec2;

/// View transform between window (pane) pixels and image pixels: output pixel o shows image pixel
/// floor(origin + (o + 0.5) / zoom), as shaders/display.comp samples it.
#[derive(Clone, Copy, Debug)]
pub struct View {
    pub zoom: f32,
    /// The image position at the pane's top-left corner.
    pub origin: Vec2,
    /// Follows the window size until the user zooms or pans.
    pub fit: bool,
}

impl View {
    /// The whole `image` centred in a `pane`, as large as fits.
    pub fn fit(image: Vec2, pane: Vec2) -> Option<View> {
        if pane.min_element() <= 0.0 || image.min_element() <= 0.0 {
            return None;
        }
        let zoom = (pane / image).min_element().max(1e-3);
        Some(View { zoom, origin: (image - pane / zoom) / 2.0, fit: true })
    }

    /// The pane the view maps into for an output of `(w, h)`: all of it, or each half in the split view.
    pub fn pane(mode: Mode, (w, h): (u32, u32)) -> Vec2 {
        let split = if mode == Mode::Split { 2 } else { 1 };
        Vec2::new((w / split) as f32, h as f32)
    }

    /// The image position (continuous) that the centre of window pixel `cursor` shows.
    pub fn image_from_window(&self, cursor: Vec2) -> Vec2 {
        self.origin + (cursor.floor() + 0.5) / self.zoom
    }

    /// The window position of image position `p`.
    pub fn window_from_image(&self, p: Vec2) -> Vec2 {
        (p - self.origin) * self.zoom
    }

    /// Zooms by `factor` keeping the image point under `anchor` (a window position) in place.
    pub fn zoom_about(&mut self, anchor: Vec2, factor: f32) {
        let before = self.origin + anchor / self.zoom;
        self.zoom = (self.zoom * factor).clamp(0.05, 256.0);
        self.origin = before - anchor / self.zoom;
        self.fit = false;
    }

    /// Moves the picture with a drag of `delta` window pixels.
    pub fn pan(&mut self, delta: Vec2) {
        self.origin -= delta / self.zoom;
        self.fit = false;
    }
}

/// The heatmap's (min, max) over the current blocks for the chosen metric (A/B PSNR: over the blocks
/// that differ, in dB).
pub fn metric_range(settings: &Settings, player: &Player) -> (f32, f32) {
    let (lo, hi) = block_values(settings.metric, player)
        .into_iter()
        .flatten()
        .fold((f32::MAX, 0f32), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        (0.0, 0.0)
    } else {
        (lo, hi)
    }
}

/// The shown frame's value of `metric` per block, row-major; `None` for the blocks the heatmap leaves
/// untinted and the auto scale skips (A/B PSNR: identical blocks; a pass metric: 0; the learner
/// metrics: no non-zero trits). Empty before the metric's pass ran.
pub fn block_values(metric: Metric, player: &Player) -> Vec<Option<f32>> {
    let grid = player.grid();
    if metric == Metric::AbPsnr {
        let psnr = |(s, rect): (&BlockStat, BlockRect)| psnr_from_sse(u64::from(s.sse), rect.count() as u64) as f32;
        return player.ab.stats.iter().zip(grid.rects()).map(psnr).map(|db| db.is_finite().then_some(db)).collect();
    }
    if let Some((m, _)) = metric.pass_export() {
        // Blocks whose value is 0 are untinted, as for SAD.
        return pass_values(player, m).iter().map(|&v| (v > 0.0 && v.is_finite()).then_some(v)).collect();
    }
    if metric.is_learner() {
        // Blocks without non-zero trits are untinted, so they do not count towards the range.
        let record_words = player.symbol_layout.record_words() as usize;
        let nonzero = |i: usize| player.symbols.get(i * record_words + HEADER_NONZERO as usize).copied();
        let value = |(i, rate): (usize, &BlockRate)| {
            let n = nonzero(i).unwrap_or(0);
            (n > 0).then(|| if metric == Metric::Rate { rate.total() as f32 } else { n as f32 })
        };
        return player.rates.iter().enumerate().map(value).collect();
    }
    let stats = if metric.is_motion_compensated() { &player.mc_stats } else { &player.stats };
    let value = |(s, rect): (&BlockStat, BlockRect)| match metric {
        Metric::Sad | Metric::McSad => s.sad as f32,
        Metric::Sse | Metric::McSse => s.sse as f32,
        Metric::Mean => BlockStat::mean(s.sum_a, rect.count()),
        Metric::Nonzero | Metric::Rate | Metric::AbPsnr | Metric::Pass(_) => 0.0,
    };
    stats.iter().zip(grid.rects()).map(|b| Some(value(b))).collect()
}

/// The shown frame's values of a pass metric (empty before its pass ran).
pub fn pass_values<'a>(player: &'a Player, m: &MetricExport) -> &'a [f32] {
    let k = metric_exports().position(|x| x == m);
    k.and_then(|k| player.pass_values.get(k)).map_or(&[], Vec::as_slice)
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
    let grid = player.grid();
    let mut flags = 0;
    let mut push_wipe = 0.0;
    if player.shown().is_some() {
        flags |= DisplayPush::FLAG_HAS_FRAME;
    }
    if settings.grid {
        flags |= DisplayPush::FLAG_GRID;
    }
    if settings.mode == Mode::Split {
        flags |= DisplayPush::FLAG_SPLIT;
    }
    let gpu = player.gpu_frame();
    // The A/B views need the reference; without one the picture stays on A (the UI says why).
    let compare = player.reference.is_some();
    let b = gpu.luma(1).filter(|_| compare);
    let ab_name = if settings.mode == Mode::AbSigned { out::AB_SIGNED } else { out::AB_DIFF };
    let ab = gpu.image(ab_name).filter(|_| compare);
    // Nothing may read B unless both of its images are bound.
    let compare = b.is_some() && ab.is_some();
    let (mode, metric) = shown_mode_and_metric(settings, player, compare);
    let (flow_vectors, flow_units) = flow_vectors(player);
    if let (Some(w), true) = (settings.wipe, compare) {
        flags |= DisplayPush::FLAG_WIPE;
        push_wipe = w;
    }
    let (scale_min, scale_max) = if metric == Metric::AbPsnr {
        if !settings.auto_scale {
            flags |= DisplayPush::FLAG_BANDS;
        }
        metric_range(settings, player)
    } else {
        (0.0, scale_max(settings, player))
    };
    let symbols = gpu.buffer(out::SYMBOLS).filter(|_| !player.symbols.is_empty());
    if symbols.is_some() {
        flags |= DisplayPush::FLAG_SYMBOLS;
    }
    let chroma = gpu.chroma().filter(|_| !settings.luma_only);
    let colour = &player.info.colour;
    let push = DisplayPush {
        // Gray unless chroma is bound.
        colour: colour_code(chroma.is_some(), colour.matrix),
        full_range: colour.full_range as u32,
        chroma_shift_x: chroma.map_or(0, |(_, _, (sx, _))| sx),
        chroma_shift_y: chroma.map_or(0, |(_, _, (_, sy))| sy),
        src_w: grid.width,
        src_h: grid.height,
        mode: mode.shader_index(),
        colormap: settings.colormap.shader_index(),
        metric: metric.shader_index(),
        block: grid.block,
        blocks_x: grid.blocks_x(),
        flags,
        opacity: settings.opacity,
        scale_max,
        scale_min,
        amplify: settings.amplify.clamp(1, 64),
        wipe: push_wipe,
        zoom: view.zoom,
        origin_x: view.origin.x,
        origin_y: view.origin.y,
        trit_plane: settings.shown_plane().min(player.symbol_layout.planes.saturating_sub(1)),
        planes: player.symbol_layout.planes,
        record_words: player.symbol_layout.record_words(),
        value_base: metric.pass_export().and_then(|(m, _)| metric_exports().position(|x| x == m)).unwrap_or(0) as u32
            * grid.len() as u32,
        flow_scale: settings.flow_scale_px(),
        flow_units,
        ..DisplayPush::default()
    };
    // Every image and buffer bound here exists from the pipeline's start (only "symbols" is made on demand).
    let luma = gpu.primary_luma();
    let image = |name: &str| gpu.image(name).unwrap_or(luma);
    DisplayInputs {
        luma: player.shown().map(|_| luma),
        diff: match settings.mode.plane() {
            Plane::Diff => image(out::DIFF),
            Plane::Predicted => image(out::PREDICTED),
            Plane::Residual => image(out::RESIDUAL),
        },
        right: image(out::RESIDUAL),
        chroma: chroma.map(|(cb, cr, _)| (cb, cr)),
        stats: if mode == Mode::Flow { flow_vectors } else { metric_buffer(metric, player, compare) },
        symbols,
        b,
        ab,
        push: push.bytes(),
    }
}

/// What can be shown of the asked mode and metric: the A/B ones need both of B's images bound
/// (`compare`), the flow view the shown frame's vectors on the GPU (motion search ran for it); raw and
/// SAD stand in otherwise (the UI says why).
fn shown_mode_and_metric(settings: &Settings, player: &Player, compare: bool) -> (Mode, Metric) {
    let (mut mode, mut metric) = (settings.mode, settings.metric);
    if !compare {
        if mode.needs_reference() {
            mode = Mode::Raw;
        }
        if metric.needs_reference() {
            metric = Metric::Sad;
        }
    }
    if mode == Mode::Flow && (player.motion.is_empty() || player.gpu_frame().buffer(out::VECTORS).is_none()) {
        mode = Mode::Raw;
    }
    (mode, metric)
}

/// The display pass's colour code: 0 gray (no chroma bound), else the matrix (1 BT.601, 2 BT.709,
/// 3 BT.2020).
fn colour_code(chroma_bound: bool, matrix: ColourMatrix) -> u32 {
    match (chroma_bound, matrix) {
        (false, _) => 0,
        (true, ColourMatrix::Bt601) => 1,
        (true, ColourMatrix::Bt709) => 2,
        (true, ColourMatrix::Bt2020) => 3,
    }
}

/// The vectors the flow view colours and their units per pixel: a driving dense flow's block medians
/// in 1/16 pixels, the refined ones in quarter pixels with `--subpel`, else the search's (any bound buffer when there are none: the flow view falls back
/// to raw until a searched frame is shown).
fn flow_vectors(player: &Player) -> (&GpuBuffer, f32) {
    if let Some(medians) = player.motion_sources().flow_view_vectors() {
        return (medians, FLOW_STEPS as f32);
    }
    let gpu = player.gpu_frame();
    match gpu.buffer(QPEL).filter(|_| !player.qpel.is_empty()) {
        Some(refined) => (refined, 4.0),
        None => (gpu.buffer(out::VECTORS).or(gpu.buffer(out::STATS)).unwrap_or(player.learner_buffer()), 1.0),
    }
}

/// The buffer the heatmap reads `metric` from: a pass's exported values, the learner's, the A/B
/// stats (with a reference bound), the motion-compensated stats, or the zero-motion stats.
fn metric_buffer(metric: Metric, player: &Player, compare: bool) -> &GpuBuffer {
    let gpu = player.gpu_frame();
    let stats = gpu.buffer(out::STATS).unwrap_or(player.learner_buffer());
    if metric.pass_export().is_some() {
        player.pass_values_buffer()
    } else if metric.is_learner() {
        player.learner_buffer()
    } else if metric.needs_reference() {
        gpu.buffer(out::AB_STATS).filter(|_| compare).unwrap_or(stats)
    } else if metric.is_motion_compensated() {
        gpu.buffer(out::MC_STATS).unwrap_or(stats)
    } else {
        stats
    }
}

/// The group side g (in blocks) the arrows are drawn with at this zoom: 1, or the smallest power of
/// two that puts arrows at least 12 points apart (`arrow_field::group_size`).
pub fn arrow_group(player: &Player, view: &View, ppp: f32) -> u32 {
    group_size(player.grid().block as f32 * view.zoom / ppp)
}

/// Motion-vector arrows in egui points (`ppp` pixels per point): one per block, or per group of
/// g×g blocks with the group's median vector where blocks are small on screen, hiding vectors whose
/// MC gain is below `min_gain` (docs/ARCHITECTURE.md, "Arrows"); none before motion search ran.
pub fn arrows(settings: &Settings, player: &Player, view: &View, ppp: f32) -> Vec<Arrow> {
    let (motion, mc) = (&player.motion, &player.mc_stats);
    if !settings.arrows || player.shown().is_none() || motion.len() != mc.len() {
        return Vec::new();
    }
    // The motion costs come with motion search, so the shown frame's gains are there whenever its vectors are.
    let gains = pass_values(player, &MC_GAIN);
    if settings.min_gain > 0 && gains.len() != motion.len() {
        return Vec::new();
    }
    // A driving dense flow's block medians in 1/16 pixels; with --subpel the refined vectors, in
    // quarter pixels (medians of groups stay in those units).
    let medians = &player.motion_sources().flow_medians;
    let flow_drives = player.motion_sources().source() == MotionSource::Flow && medians.len() == motion.len();
    let (vectors, units): (Vec<(i32, i32)>, f32) = match (flow_drives, player.qpel.len() == motion.len()) {
        (true, _) => (medians.clone(), FLOW_STEPS as f32),
        (false, true) => (player.qpel.iter().map(|q| (q.qx, q.qy)).collect(), 4.0),
        (false, false) => (motion.iter().map(|v| (v.dx, v.dy)).collect(), 1.0),
    };
    let blocks: Vec<BlockMotion> = vectors
        .iter()
        .zip(mc)
        .enumerate()
        .map(|(i, (&(dx, dy), m))| BlockMotion { dx, dy, mc_sad: m.sad, gain: gains.get(i).copied() })
        .collect();
    let to_points = |p: Vec2| (view.window_from_image(p) / ppp).into();
    // Coloured against the frame's largest MC-SAD, so a colour means the same with or without groups.
    let max_sad = mc.iter().map(|m| m.sad).max().unwrap_or(0).max(1) as f32;
    let group = arrow_group(player, view, ppp);
    field(&player.grid(), &blocks, settings.min_gain, group)
        .into_iter()
        .map(|a| {
            let centre = Vec2::from(a.centre);
            let tip = centre + Vec2::new(a.dx as f32, a.dy as f32) * settings.arrow_scale / units;
            Arrow { from: to_points(centre), to: to_points(tip), t: a.mc_sad as f32 / max_sad }
        })
        .collect()
}
