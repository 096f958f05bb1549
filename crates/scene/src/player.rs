//! The viewer's frame source: the shared [`FrameDriver`] (decode threads → frame pipeline, K frames
//! in flight) paced by a [`Playhead`]. It keeps what the shown frame produced — stats, vectors,
//! symbols, luma and chroma on the host, images on the GPU (the pipeline's held slot) — for the
//! display pass, the heatmaps and the hover readout. Seeking restarts the driver, so every shown
//! frame is exactly frame N of the file. With a reference (B, `--ref`) the A/B passes run too: the
//! shown frame's B luma, A/B block stats, frame MSE/PSNR and SSIM are kept for the A/B views, the
//! hover readout and the plots.

use crate::formats::WarpParamsFile;
use crate::gpu::{BufferKind, GpuBuffer, GpuContext, GpuError};
use crate::motion_sources::MotionSources;
use crate::passes::cost_surface::{CostSurfacePass, SURFACE};
use crate::passes::subpel::{SubpelPass, QPEL};
use crate::passes::{
    metric_exports, DriveOptions, FrameDriver, FrameResults, HeldFrame, MotionInputs, MotionSource, PassSelection,
    PassTimings,
};
use crate::playhead::{AtEnd, Fetch, Playhead};
use crate::reference::subpel::QpelVector;
use crate::reference::{
    stream_rates, BlockGrid, BlockRate, BlockSize, BlockStat, FrameError, Lambda, MotionVector, QuantStep, SearchRange,
    Subpel, SymbolLayout, YuvError,
};
use crate::video::{stream_meta, ChromaPlanes, FormatChange, StreamInfo};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;
use vidscope_core::codec_mv::CodecVectors;

/// Frames the viewer keeps in flight on the GPU ahead of the one on screen.
const FRAMES_IN_FLIGHT: usize = 2;

pub use crate::video::Reference;

/// The shown frame's A/B comparison on the host.
#[derive(Clone, Debug, Default)]
pub struct AbFrame {
    pub luma_b: Vec<u8>,
    pub stats: Vec<BlockStat>,
    pub error: Option<FrameError>,
    pub ssim: Option<f64>,
    /// Chroma and weighted YUV PSNRs (both inputs with chroma of one size; the viewer uploads both).
    pub yuv: Option<YuvError>,
    /// Luma MS-SSIM (sides of 161 and more).
    pub ms_ssim: Option<f64>,
}

/// One open clip.
pub struct Player {
    pub info: StreamInfo,
    /// The reference (B) and its stream, when comparing.
    pub reference: Option<(Reference, StreamInfo)>,
    /// The shown frame's A/B results (empty without a reference).
    pub ab: AbFrame,
    driver: FrameDriver,
    playhead: Playhead,
    pub stats: Vec<BlockStat>,
    /// Motion vectors and residual block stats of the shown frame; empty when motion search is off.
    pub motion: Vec<MotionVector>,
    pub mc_stats: Vec<BlockStat>,
    /// The refined vectors of the shown frame (`--subpel`, quarter pixels); empty without.
    pub qpel: Vec<QpelVector>,
    /// The codec's motion vectors of the shown frame and its picture type, while `--codec-mvs` is on.
    pub codec_mvs: Option<CodecVectors>,
    /// Whether the decoder exports them (it costs decode time, so only while they are drawn).
    codec_mvs_on: bool,
    /// The cost surface of `surface_block` in the shown frame ((2R + 1)² SADs, row-major over
    /// (dy + R, dx + R)); empty when no block is chosen.
    pub surface: Vec<u32>,
    /// The block (by, bx) whose cost surface is computed, and the range `surface` has.
    surface_block: Option<(u32, u32)>,
    pub surface_range: u32,
    /// Whether motion search (and warp, residual) runs, and its range.
    motion_on: bool,
    /// The backward search and forward–backward check run (`--fb`; with motion only).
    backward_on: bool,
    /// Sub-pixel refinement of the vectors (with motion only).
    subpel: Subpel,
    range: SearchRange,
    lambda: Lambda,
    /// Whether the symbols pass runs (a view needs it), and its quantiser.
    symbols_on: bool,
    quant: QuantStep,
    /// The shown frame's symbol stream and its layout; empty when the symbols pass did not run.
    pub symbols: Vec<u32>,
    pub symbol_layout: SymbolLayout,
    /// MDL bits per block of `symbols` (empty with it).
    pub rates: Vec<BlockRate>,
    /// Per block (non-zero trits, total rate as f32 bits, mv rate as f32 bits, 0): what the non-zero
    /// and rate heatmaps read, in the layout of the block-stats SSBO.
    learner_buffer: GpuBuffer,
    /// The values of every pass metric (`Metric::all()`'s `Pass` ones, in `metric_exports()` order)
    /// for the shown frame: host copies, and on the GPU metric k's block i as f32 bits in `.x` of
    /// record k · blocks + i (what the display reads from `value_base`).
    pub pass_values: Vec<Vec<f32>>,
    pass_values_buffer: GpuBuffer,
    /// What drives the prediction, the motion inputs, and the shown frame's flow medians.
    motion_sources: MotionSources,
    pub luma: Vec<u8>,
    /// The shown frame's chroma (for the hover readout).
    pub chroma: Option<ChromaPlanes>,
    pub timings: PassTimings,
    pub error: Option<String>,
    /// Decoder errors per frame index, for the frames that had any (see `LumaFrame::decode_errors`).
    pub decode_errors: std::collections::BTreeMap<usize, u32>,
    /// The same for the reference, by the reference's own frame index.
    pub ref_decode_errors: std::collections::BTreeMap<usize, u32>,
    /// Frames lost just before each frame that follows a loss (see `LumaFrame::frames_lost_before`):
    /// from there the stream is misaligned.
    pub frames_lost: std::collections::BTreeMap<usize, u32>,
    /// The same for the reference, by the reference's own frame index.
    pub ref_frames_lost: std::collections::BTreeMap<usize, u32>,
    /// Pixel-format changes seen so far, by the first frame in the new format.
    pub format_changes: std::collections::BTreeMap<usize, FormatChange>,
    /// Set when playback reached the end (without looping); taken by `take_just_ended`.
    just_ended: bool,
}

/// The (frame, count) pairs of a per-frame map (`Player::decode_errors` and the like) in `frames`,
/// as the warnings and the manifest list them.
pub fn listed(
    map: &std::collections::BTreeMap<usize, u32>,
    frames: impl std::ops::RangeBounds<usize>,
) -> Vec<(u64, u32)> {
    map.range(frames).map(|(&f, &n)| (f as u64, n)).collect()
}

impl Player {
    /// Opens `input` (checked here, so a bad file fails at once) and starts at frame `start`; with
    /// `reference` (same size, checked here too) the A/B passes run on every frame. `stream` is the
    /// input's video stream (`--stream N`), `None` for FFmpeg's best.
    pub fn open(
        ctx: &Arc<GpuContext>,
        input: &str,
        stream: Option<usize>,
        reference: Option<&Reference>,
        block: BlockSize,
        start: usize,
    ) -> anyhow::Result<Player> {
        let selection = PassSelection { compare: reference.is_some(), ..PassSelection::ZERO_MOTION };
        let driver = Self::open_driver(ctx, input, stream, reference, block, selection, start)?;
        let info = driver.info().clone();
        let reference = reference.cloned().zip(driver.infos().get(1).cloned());
        let grid = driver.pipeline().grid();
        let total = info.frame_count.map(|n| n as usize);
        Ok(Player {
            playhead: Playhead::new(info.fps, total, start, Instant::now()),
            info,
            reference,
            ab: AbFrame::default(),
            driver,
            stats: Vec::new(),
            motion: Vec::new(),
            mc_stats: Vec::new(),
            qpel: Vec::new(),
            codec_mvs: None,
            codec_mvs_on: false,
            surface: Vec::new(),
            surface_block: None,
            surface_range: 0,
            motion_on: false,
            backward_on: false,
            subpel: Subpel::default(),
            range: SearchRange::default(),
            lambda: Lambda::default(),
            symbols_on: false,
            quant: QuantStep::default(),
            symbols: Vec::new(),
            symbol_layout: SymbolLayout::new(block.get(), 1),
            rates: Vec::new(),
            learner_buffer: Self::new_learner_buffer(ctx, &grid)?,
            pass_values: Vec::new(),
            pass_values_buffer: Self::new_pass_values_buffer(ctx, &grid)?,
            motion_sources: MotionSources::new(ctx, &grid)?,
            luma: Vec::new(),
            chroma: None,
            timings: PassTimings::default(),
            error: None,
            decode_errors: std::collections::BTreeMap::new(),
            ref_decode_errors: std::collections::BTreeMap::new(),
            frames_lost: std::collections::BTreeMap::new(),
            ref_frames_lost: std::collections::BTreeMap::new(),
            format_changes: std::collections::BTreeMap::new(),
            just_ended: false,
        })
    }

    fn open_driver(
        ctx: &Arc<GpuContext>,
        input: &str,
        stream: Option<usize>,
        reference: Option<&Reference>,
        block: BlockSize,
        selection: PassSelection,
        start: usize,
    ) -> anyhow::Result<FrameDriver> {
        let opts = DriveOptions {
            frames_in_flight: FRAMES_IN_FLIGHT,
            chroma: true,
            start,
            offsets: reference.map(|r| r.start).into_iter().collect(),
            stream,
            ..DriveOptions::new(block, selection)
        };
        let inputs: Vec<String> =
            std::iter::once(input.to_string()).chain(reference.map(|r| r.input.clone())).collect();
        FrameDriver::open(ctx, &inputs, opts)
    }

    /// How the reference differs from the input beyond its pixels (frame rate, pixel format): one
    /// line each, empty when it does not or there is no reference.
    pub fn reference_differences(&self) -> Vec<String> {
        self.reference.as_ref().map_or_else(Vec::new, |(_, b)| crate::video::reference_differences(&self.info, b))
    }

    /// The stream's notices (which of several streams, an ignored rotation, interlacing) and one
    /// line per pixel-format change seen so far: what the CLI prints, for the HUD.
    pub fn notices(&self) -> Vec<String> {
        let mut lines = stream_meta::stream_notices(&self.info.input, &self.info.meta);
        let mut previous = (self.info.pixel_format.as_str(), self.info.bit_depth);
        for c in self.format_changes.values() {
            lines.push(format!(
                "frame {}: pixel format {} ({}-bit) -> {} ({}-bit, luma {}) mid-stream",
                c.frame,
                previous.0,
                previous.1,
                c.pix_fmt,
                c.bit_depth,
                FormatChange::luma_reduction(c.bit_depth)
            ));
            previous = (c.pix_fmt.as_str(), c.bit_depth);
        }
        lines
    }

    fn new_learner_buffer(ctx: &Arc<GpuContext>, grid: &BlockGrid) -> Result<GpuBuffer, GpuError> {
        GpuBuffer::new(ctx, "learner block values", grid.len() as u64 * 16, BufferKind::Upload)
    }

    fn new_pass_values_buffer(ctx: &Arc<GpuContext>, grid: &BlockGrid) -> Result<GpuBuffer, GpuError> {
        let metrics = metric_exports().count().max(1) as u64;
        GpuBuffer::new(ctx, "pass metric values", metrics * grid.len() as u64 * 16, BufferKind::Upload)
    }

    /// The per-block values of the pass metrics (see `pass_values`).
    pub fn pass_values_buffer(&self) -> &GpuBuffer {
        &self.pass_values_buffer
    }

    pub fn grid(&self) -> BlockGrid {
        self.driver.pipeline().grid()
    }

    /// The shown frame's images and buffers on the GPU (before the first frame: bindable, unwritten ones).
    pub fn gpu_frame(&self) -> HeldFrame<'_> {
        self.driver.pipeline().display_frame()
    }

    pub fn has_timestamps(&self) -> bool {
        self.driver.pipeline().has_timestamps()
    }

    /// Where playback is headed: a seek or step still under way, else the frame on screen. Steps
    /// count from here, so two quick presses move two frames even before the first arrived.
    pub fn position(&self) -> Option<usize> {
        self.playhead.target().or(self.playhead.shown())
    }

    pub fn shown(&self) -> Option<usize> {
        self.playhead.shown()
    }

    pub fn behind(&self) -> Option<String> {
        self.playhead.behind().map(str::to_string)
    }

    pub fn decode_fps(&self) -> f64 {
        self.driver.decode_fps()
    }

    /// The stream's frame count: from the container when it says, else known once the end was seen.
    pub fn frames_total(&self) -> Option<usize> {
        self.playhead.total()
    }

    /// Whether playback stopped at the end of the stream.
    pub fn ended(&self) -> bool {
        self.playhead.ended()
    }

    /// Whether playback stopped at the end since the last call.
    pub fn take_just_ended(&mut self) -> bool {
        std::mem::take(&mut self.just_ended)
    }

    /// The per-block (non-zero trits, rate f32 bits, mv f32 bits, 0) SSBO of the shown frame
    /// (zeros before the symbols pass ran).
    pub fn learner_buffer(&self) -> &GpuBuffer {
        &self.learner_buffer
    }

    /// Shows frame `n` next: restarts the driver at `n` unless `n` is the next frame anyway.
    pub fn seek(&mut self, n: usize) {
        if let Some(restart) = self.playhead.seek(n) {
            self.restart(restart);
        }
    }

    fn restart(&mut self, n: usize) {
        match self.driver.seek(n) {
            Ok(()) => {}
            Err(e) => {
                self.error = Some(format!("{e:#}"));
                self.playhead.failed();
            }
        }
    }

    /// Recomputes the frame on screen (after the passes or their settings changed).
    fn recompute(&mut self) {
        // A seek still under way (e.g. to --start) keeps its target.
        let n = self.playhead.target().or(self.playhead.shown()).unwrap_or(0);
        self.restart(n);
        self.playhead.seek(n);
    }

    fn selection(&self) -> PassSelection {
        let base = if self.motion_on { PassSelection::ALL } else { PassSelection::ZERO_MOTION };
        PassSelection {
            symbols: self.symbols_on,
            compare: self.reference.is_some(),
            backward: self.backward_on && self.motion_on,
            flow: self.motion_on && self.driver.flow().is_some(),
            subpel: self.subpel.refines() && self.motion_on,
            surface: self.surface_block.is_some(),
            ..base
        }
    }

    /// Hands the pipeline the passes the settings now need and recomputes the current frame (what
    /// every setter below ends with once something changed).
    fn reselect(&mut self) -> Result<(), GpuError> {
        let selection = self.selection();
        self.driver.pipeline_mut().set_selection(selection)?;
        self.recompute();
        Ok(())
    }

    /// Chooses the block whose cost surface is computed (`None`: none, and the pass does not run);
    /// the current frame is recomputed when that changed.
    pub fn set_surface_block(&mut self, block: Option<(u32, u32)>) -> Result<(), GpuError> {
        if block == self.surface_block {
            return Ok(());
        }
        self.surface_block = block;
        self.driver.pipeline_mut().set_surface_block(block);
        self.reselect()
    }

    /// Sets the sub-pixel precision of the vectors (the subpel pass runs with motion when it is 2 or 4);
    /// the current frame is recomputed when that changed.
    pub fn set_subpel(&mut self, subpel: Subpel) -> Result<(), GpuError> {
        if subpel == self.subpel {
            return Ok(());
        }
        self.subpel = subpel;
        self.driver.pipeline_mut().set_subpel(subpel.get());
        self.reselect()
    }

    /// Turns the export of the codec's motion vectors on or off (the inputs are reopened at the current
    /// frame when that changed).
    pub fn set_codec_mvs(&mut self, on: bool) {
        // Predicting from them needs them whether or not they are drawn.
        let on = on || self.motion_sources.source() == MotionSource::Codec;
        if on == self.codec_mvs_on {
            return;
        }
        self.codec_mvs_on = on;
        self.driver.set_codec_mvs(on);
        self.codec_mvs = None;
        self.recompute();
    }

    /// Turns the backward search and forward–backward check (`--fb`) on or off (they run only with
    /// motion search); the current frame is recomputed when that changed.
    pub fn set_backward(&mut self, on: bool) -> Result<(), GpuError> {
        if on == self.backward_on {
            return Ok(());
        }
        self.backward_on = on;
        self.reselect()
    }

    /// Turns the symbols pass on or off and sets its quantiser (1..=255); the current frame is
    /// recomputed when anything changed. The symbols pass runs only while a view needs it.
    pub fn set_symbols(&mut self, on: bool, quant: QuantStep) -> Result<(), GpuError> {
        if on == self.symbols_on && quant == self.quant {
            return Ok(());
        }
        self.driver.pipeline_mut().set_quant(quant);
        self.symbols_on = on;
        self.quant = quant;
        self.reselect()
    }

    /// Turns motion search (with warp and residual) on or off and sets its range and weight λ; the
    /// current frame is recomputed when anything changed. Motion search runs only while a view needs it.
    pub fn set_motion(&mut self, on: bool, range: SearchRange, lambda: Lambda) -> Result<(), GpuError> {
        if on == self.motion_on && range == self.range && lambda == self.lambda {
            return Ok(());
        }
        self.driver.pipeline_mut().set_range(range);
        self.driver.pipeline_mut().set_lambda(lambda);
        self.motion_on = on;
        self.range = range;
        self.lambda = lambda;
        self.reselect()
    }

    /// Rebuilds the driver for a new block size and recomputes the current frame. The caller waits
    /// for draws that still read the old images first.
    pub fn set_block(&mut self, ctx: &Arc<GpuContext>, block: BlockSize) -> anyhow::Result<()> {
        let n = self.playhead.target().or(self.playhead.shown()).unwrap_or(0);
        // Warp parameters are per grid: the caller reloads them (`set_warp_params`); so is the
        // chosen block of the cost surface.
        self.surface_block = None;
        let reference = self.reference.as_ref().map(|(r, _)| r.clone());
        let stream = self.info.meta.choice.by_user.then_some(self.info.meta.choice.video_stream);
        let mut driver =
            Self::open_driver(ctx, &self.info.input, stream, reference.as_ref(), block, self.selection(), n)?;
        driver.pipeline_mut().set_range(self.range);
        driver.pipeline_mut().set_lambda(self.lambda);
        driver.pipeline_mut().set_subpel(self.subpel.get());
        driver.pipeline_mut().set_quant(self.quant);
        self.learner_buffer = Self::new_learner_buffer(ctx, &driver.pipeline().grid())?;
        self.pass_values_buffer = Self::new_pass_values_buffer(ctx, &driver.pipeline().grid())?;
        self.pass_values.clear();
        self.motion_sources.regrid(ctx, &driver.pipeline().grid())?;
        self.motion_sources.apply(&mut driver)?;
        self.driver = driver;
        self.take_symbols(None);
        self.playhead.seek(n);
        Ok(())
    }

    /// Loads learner warp parameters for the current grid (or drops them with `None`) and recomputes
    /// the frame on screen. On error the player keeps predicting from motion search.
    pub fn set_warp_params(&mut self, path: Option<&Path>) -> anyhow::Result<()> {
        let warp = path.map(|path| WarpParamsFile::load(path, &self.grid(), None)).transpose();
        self.motion_sources.set_warp(warp.as_ref().ok().and_then(Option::clone));
        self.motion_sources.apply(&mut self.driver)?;
        self.reselect()?;
        warp.map(drop).map_err(anyhow::Error::from)
    }

    /// The warp parameters, when they drive the prediction.
    pub fn warp_params(&self) -> Option<&WarpParamsFile> {
        self.motion_sources.driving_warp()
    }

    /// `--flow` and `--motion`: attaches the flow (compared with the search: the epe metric) and
    /// drives the prediction from the source they name.
    pub fn set_motion_inputs(&mut self, inputs: MotionInputs) -> anyhow::Result<()> {
        self.motion_sources.set_inputs(&self.info.input, inputs)?;
        self.apply_motion_source()
    }

    /// Drives the prediction from `source` (one of `motion_sources().available()`).
    pub fn set_motion_source(&mut self, source: MotionSource) -> anyhow::Result<()> {
        self.motion_sources.choose(source)?;
        self.apply_motion_source()
    }

    /// Hands the driver what the source needs (the codec's vectors need the decoder's export on).
    fn apply_motion_source(&mut self) -> anyhow::Result<()> {
        self.motion_sources.apply(&mut self.driver)?;
        self.set_codec_mvs(self.codec_mvs_on);
        Ok(self.reselect()?)
    }

    pub fn motion_sources(&self) -> &MotionSources {
        &self.motion_sources
    }

    /// Whether a frame is wanted now (a seek in progress, or playing and due).
    pub fn wants_frame(&self, playing: bool) -> bool {
        self.playhead.fetch(Instant::now(), playing) == Fetch::Next
    }

    /// Takes the next frame when one is due and finished, never blocking. Returns the index of the
    /// frame that came on screen, if any. `wait_gpu` is called before buffers that in-flight draws
    /// read are rewritten.
    pub fn tick(
        &mut self,
        playing: bool,
        speed: f32,
        looping: bool,
        wait_gpu: &mut dyn FnMut() -> Result<(), GpuError>,
    ) -> Result<Option<usize>, GpuError> {
        let now = Instant::now();
        self.playhead.tick(now, playing);
        if self.playhead.fetch(now, playing) == Fetch::Wait {
            return Ok(None);
        }
        match self.driver.next(false) {
            Ok(Some(results)) => {
                wait_gpu()?;
                let index = results.index;
                self.take(results);
                self.playhead.arrived(index, now, speed);
                Ok(Some(index))
            }
            Ok(None) if self.driver.ended() => {
                let frames = self.driver.frames_decoded();
                match self.playhead.reached_end(frames, playing, looping) {
                    AtEnd::SeekTo(n) => self.restart(n),
                    AtEnd::Stop => self.just_ended = self.playhead.ended(),
                }
                Ok(None)
            }
            Ok(None) => {
                self.playhead.starved(now, playing, speed);
                Ok(None)
            }
            Err(e) => {
                self.error = Some(format!("{e:#}"));
                self.playhead.failed();
                self.just_ended = true;
                Ok(None)
            }
        }
    }

    /// Shows the next frame in order, blocking until it is decoded and computed (headless
    /// rendering). `None` at the end of the stream; a decoding error is returned.
    pub fn advance(&mut self) -> anyhow::Result<Option<usize>> {
        let Some(results) = self.driver.next(true)? else {
            return Ok(None);
        };
        let index = results.index;
        self.take(results);
        self.playhead.arrived(index, Instant::now(), 1.0);
        Ok(Some(index))
    }

    /// Keeps what the shown frame produced.
    fn take(&mut self, results: FrameResults) {
        if let Some(stats) = results.stats() {
            self.stats = stats;
        }
        self.motion = results.motion().unwrap_or_default();
        self.mc_stats = results.mc_stats().unwrap_or_default();
        self.qpel = match results.buffers.get(QPEL) {
            Some(bytes) if self.subpel.refines() => SubpelPass::decode(bytes, results.grid()),
            _ => Vec::new(),
        };
        self.surface = match (self.surface_block, results.buffers.get(SURFACE)) {
            (Some(_), Some(bytes)) => CostSurfacePass::decode(bytes, self.range.get()),
            _ => Vec::new(),
        };
        self.surface_range = self.range.get();
        self.take_symbols(results.symbols());
        self.take_pass_values(&results);
        self.motion_sources.take(&results.flow_medians);
        self.symbol_layout = results.symbol_layout();
        self.timings = results.timings.clone();
        if let Some(b) = results.frame(1).filter(|f| f.decode_errors > 0) {
            self.ref_decode_errors.insert(b.index, b.decode_errors);
            if b.frames_lost_before > 0 {
                self.ref_frames_lost.insert(b.index, b.frames_lost_before);
            }
        }
        if self.reference.is_some() {
            let stats = results.ab_stats().unwrap_or_default();
            let error = (!stats.is_empty()).then(|| FrameError::from_block_stats(&stats, results.grid()));
            self.ab = AbFrame {
                yuv: error.zip(results.chroma_sse()).map(|(e, sse)| YuvError::new(e.psnr, sse)),
                ms_ssim: results.ms_ssim_partials().map(|p| p.ms_ssim()),
                error,
                ssim: results.ssim_cells().and_then(|c| c.ssim()),
                stats,
                luma_b: results.frame(1).map(|f| f.data.clone()).unwrap_or_default(),
            };
        }
        if let Some(frame) = results.frames.into_iter().next().flatten() {
            if frame.decode_errors > 0 {
                self.decode_errors.insert(frame.index, frame.decode_errors);
            }
            if frame.frames_lost_before > 0 {
                self.frames_lost.insert(frame.index, frame.frames_lost_before);
            }
            if let Some(change) = frame.format_change.clone() {
                self.format_changes.insert(frame.index, change);
            }
            self.luma = frame.data;
            self.chroma = frame.chroma;
            self.codec_mvs = frame.codec_mvs;
        }
    }

    /// Keeps the pass metrics' values of a new frame (none for a pass that did not run).
    fn take_pass_values(&mut self, results: &FrameResults) {
        let grid = results.grid();
        self.pass_values = metric_exports()
            .map(|m| results.buffer_bytes(m.buffer).map(|bytes| m.values(bytes, grid)).unwrap_or_default())
            .collect();
        let bytes = self.pass_values_buffer.bytes_mut();
        bytes.fill(0);
        for (k, values) in self.pass_values.iter().enumerate() {
            for (i, v) in values.iter().enumerate() {
                let at = (k * grid.len() + i) * 16;
                bytes[at..at + 4].copy_from_slice(&v.to_bits().to_le_bytes());
            }
        }
    }

    /// Keeps the symbol stream of a new frame, its rates and the heatmap's per-block values.
    fn take_symbols(&mut self, stream: Option<Vec<u32>>) {
        let grid = self.grid();
        self.symbol_layout = SymbolLayout::new(grid.block, self.quant.get());
        self.symbols = stream.unwrap_or_default();
        // No stream when the symbols pass is off: nothing to rate.
        self.rates = match (!self.symbols.is_empty()).then(|| stream_rates(&self.symbols, &grid, &self.symbol_layout)) {
            None => Vec::new(),
            Some(Ok(rates)) => rates,
            Some(Err(e)) => {
                self.error = Some(format!("symbol stream: {e}"));
                Vec::new()
            }
        };
        let record_words = self.symbol_layout.record_words() as usize;
        let bytes = self.learner_buffer.bytes_mut();
        bytes.fill(0);
        for (i, rate) in self.rates.iter().enumerate() {
            let nonzero = self.symbols[i * record_words + crate::reference::symbols::HEADER_NONZERO as usize];
            let words = [nonzero, (rate.total() as f32).to_bits(), (rate.mv_bits as f32).to_bits(), 0];
            bytes[i * 16..i * 16 + 16].copy_from_slice(bytemuck::cast_slice(&words));
        }
    }
}
