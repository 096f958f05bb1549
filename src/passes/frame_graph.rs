//! Runs the selected passes on each new luma frame against the previous one: upload into a ring of
//! two luma images, diff, block stats, motion search, warp (prediction), residual and its block
//! stats, the symbol stream, optional readbacks, with a GPU timestamp after each step. All resources
//! are made once per (size, block) or when a pass or readback is first asked for; nothing is
//! allocated per frame.

use super::{
    BlockStatsPass, DiffPass, DiffStatsPass, MotionSearchPass, SymbolSource, SymbolsPass, WarpPass, WarpSource,
};
use crate::gpu::{BufferKind, GpuBuffer, GpuContext, GpuError, LumaImage, Recorder, TimestampQueries};
use crate::reference::symbols::MAX_QUANT;
use crate::reference::{BlockGrid, BlockStat, MotionVector, SymbolLayout, WarpParams, MAX_RANGE};
use std::sync::Arc;

/// Which passes run on each frame. `motion` also runs warp (prediction) and the residual passes;
/// `symbols` writes the symbol stream of cur − pred (pred = the prediction when `motion` runs, else
/// ref: zero motion).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PassSelection {
    pub diff: bool,
    pub stats: bool,
    pub motion: bool,
    pub symbols: bool,
}

impl PassSelection {
    pub const ALL: Self = Self { diff: true, stats: true, motion: true, symbols: false };
    /// Zero-motion passes only (diff and block stats).
    pub const ZERO_MOTION: Self = Self { diff: true, stats: true, motion: false, symbols: false };
    /// Everything `analyze` exports: all passes and the symbol stream.
    pub const ANALYZE: Self = Self { diff: true, stats: true, motion: true, symbols: true };
}

/// Planes to read back to the host after each frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Readback {
    pub diff: bool,
    pub predicted: bool,
    pub residual: bool,
}

/// GPU milliseconds per step of one frame (0 where the step did not run or timestamps are missing).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PassTimings {
    pub upload_ms: f64,
    pub diff_ms: f64,
    pub stats_ms: f64,
    pub motion_ms: f64,
    pub warp_ms: f64,
    /// Residual plane and its block stats.
    pub residual_ms: f64,
    /// Symbol stream.
    pub symbols_ms: f64,
    pub readback_ms: f64,
}

/// What one frame produced. Frame 0 is paired with itself (so its stats carry its sums and zero
/// SAD/SSE, and its vectors are zero); every later frame t with frame t-1.
#[derive(Default)]
pub struct FrameOutputs {
    pub index: usize,
    /// Per-block stats of cur (a) against ref (b), when the stats pass ran.
    pub stats: Option<Vec<BlockStat>>,
    /// Motion search result per block, when the motion pass ran.
    pub motion: Option<Vec<MotionVector>>,
    /// Per-block stats of cur (a) against the prediction (b), when the motion pass ran.
    pub mc_stats: Option<Vec<BlockStat>>,
    pub diff: Option<Vec<u8>>,
    pub predicted: Option<Vec<u8>>,
    pub residual: Option<Vec<u8>>,
    /// The symbol stream of the pair (`grid().len()` records of `symbol_layout()`), when the symbols
    /// pass ran.
    pub symbols: Option<Vec<u32>>,
    pub timings: PassTimings,
}

// Timestamp slots, one after each step.
const TS_START: u32 = 0;
const TS_UPLOAD: u32 = 1;
const TS_DIFF: u32 = 2;
const TS_STATS: u32 = 3;
const TS_MOTION: u32 = 4;
const TS_WARP: u32 = 5;
const TS_RESIDUAL: u32 = 6;
const TS_SYMBOLS: u32 = 7;
const TS_READBACK: u32 = 8;
const TS_COUNT: u32 = 9;

/// A plane image plus its host readback buffer, made when first asked for.
struct Plane {
    image: LumaImage,
    readback: Option<GpuBuffer>,
}

pub struct FrameGraph {
    ctx: Arc<GpuContext>,
    rec: Recorder,
    diff_pass: DiffPass,
    stats_pass: BlockStatsPass,
    diff_stats_pass: DiffStatsPass,
    motion_pass: MotionSearchPass,
    warp_pass: WarpPass,
    symbols_pass: SymbolsPass,
    luma: [LumaImage; 2],
    diff: Plane,
    predicted: Plane,
    residual: Plane,
    staging: GpuBuffer,
    stats: GpuBuffer,
    vectors: GpuBuffer,
    params: GpuBuffer,
    mc_stats: GpuBuffer,
    /// The symbol stream, sized for every quantiser; made when the symbols pass is first selected.
    symbols: Option<GpuBuffer>,
    queries: Option<TimestampQueries>,
    grid: BlockGrid,
    range: u32,
    quant: u32,
    selection: PassSelection,
    frames_seen: usize,
    /// Runs of the passes per frame (`bench --repeat`); timings are per run.
    repeat: u32,
}

impl FrameGraph {
    /// `read_diff`: read the diff plane back after each frame (see also `set_readback`).
    pub fn new(
        ctx: &Arc<GpuContext>,
        grid: BlockGrid,
        selection: PassSelection,
        read_diff: bool,
    ) -> Result<Self, GpuError> {
        let (w, h) = (grid.width, grid.height);
        let plane = w as u64 * h as u64;
        let new_plane = |name: &str| -> Result<Plane, GpuError> {
            Ok(Plane { image: LumaImage::new(ctx, name, w, h)?, readback: None })
        };
        let luma = [LumaImage::new(ctx, "luma[0]", w, h)?, LumaImage::new(ctx, "luma[1]", w, h)?];
        let (diff, predicted, residual) = (new_plane("diff")?, new_plane("predicted")?, new_plane("residual")?);
        let mut rec = Recorder::new(ctx, "frame graph")?;
        rec.begin()?;
        for image in luma.iter().chain([&diff.image, &predicted.image, &residual.image]) {
            rec.init_image(image)?;
        }
        rec.submit_and_wait()?;
        let per_block = |name: &str, kind| GpuBuffer::new(ctx, name, grid.len() as u64 * 16, kind);
        let mut graph = Self {
            ctx: ctx.clone(),
            diff_pass: DiffPass::new(ctx)?,
            stats_pass: BlockStatsPass::new(ctx)?,
            diff_stats_pass: DiffStatsPass::new(ctx)?,
            motion_pass: MotionSearchPass::new(ctx)?,
            warp_pass: WarpPass::new(ctx)?,
            symbols_pass: SymbolsPass::new(ctx)?,
            staging: GpuBuffer::new(ctx, "luma staging", plane, BufferKind::Upload)?,
            stats: per_block("block stats", BufferKind::Readback)?,
            vectors: per_block("motion vectors", BufferKind::Readback)?,
            params: per_block("warp params", BufferKind::Upload)?,
            mc_stats: per_block("mc block stats", BufferKind::Readback)?,
            symbols: None,
            queries: TimestampQueries::new(ctx, TS_COUNT)?,
            luma,
            diff,
            predicted,
            residual,
            rec,
            grid,
            range: 16,
            quant: 1,
            selection,
            frames_seen: 0,
            repeat: 1,
        };
        graph.set_readback(Readback { diff: read_diff, ..Readback::default() })?;
        graph.ensure_symbols_buffer()?;
        Ok(graph)
    }

    pub fn grid(&self) -> BlockGrid {
        self.grid
    }

    pub fn range(&self) -> u32 {
        self.range
    }

    /// Motion search range R (|dx|, |dy| <= R), 0..=64. Default 16.
    pub fn set_range(&mut self, range: u32) -> Result<(), GpuError> {
        if range > MAX_RANGE {
            return Err(GpuError::Other(format!("--range {range}: must be at most {MAX_RANGE}")));
        }
        self.range = range;
        Ok(())
    }

    /// Runs every selected pass `n` times per frame (at least once), so that GPU timings can be
    /// taken at full clock when frames arrive slowly; `PassTimings` are then per run.
    pub fn set_repeat(&mut self, n: u32) {
        self.repeat = n.max(1);
    }

    pub fn set_selection(&mut self, selection: PassSelection) {
        self.selection = selection;
    }

    /// Quantiser step Q of the symbol stream, 1..=255 (1 = lossless). Default 1.
    pub fn set_quant(&mut self, quant: u32) -> Result<(), GpuError> {
        if !(1..=MAX_QUANT).contains(&quant) {
            return Err(GpuError::Other(format!("--quant {quant}: must be 1..={MAX_QUANT}")));
        }
        self.quant = quant;
        Ok(())
    }

    pub fn quant(&self) -> u32 {
        self.quant
    }

    /// The record layout of the symbol stream (block size, quantiser, planes, words per record).
    pub fn symbol_layout(&self) -> SymbolLayout {
        SymbolLayout::new(self.grid.block, self.quant)
    }

    /// The symbol-stream SSBO of the most recent pair, once the symbols pass has been selected:
    /// `grid().len()` records of `symbol_layout().record_words()` u32 words (docs/symbols.md). Sized
    /// for 6 planes, so it serves every quantiser; only the first `grid().len() · record_words`
    /// words are meaningful.
    pub fn symbols_buffer(&self) -> Option<&GpuBuffer> {
        self.symbols.as_ref()
    }

    fn ensure_symbols_buffer(&mut self) -> Result<(), GpuError> {
        if self.selection.symbols && self.symbols.is_none() {
            let size = SymbolsPass::max_buffer_size(&self.grid);
            self.symbols = Some(GpuBuffer::new(&self.ctx, "symbol stream", size, BufferKind::Readback)?);
        }
        Ok(())
    }

    /// Chooses which planes are read back after each frame; buffers are made on first use.
    pub fn set_readback(&mut self, readback: Readback) -> Result<(), GpuError> {
        let bytes = self.luma[0].byte_len();
        for (wanted, plane, name) in [
            (readback.diff, &mut self.diff, "diff readback"),
            (readback.predicted, &mut self.predicted, "predicted readback"),
            (readback.residual, &mut self.residual, "residual readback"),
        ] {
            if wanted && plane.readback.is_none() {
                plane.readback = Some(GpuBuffer::new(&self.ctx, name, bytes, BufferKind::Readback)?);
            } else if !wanted {
                plane.readback = None;
            }
        }
        Ok(())
    }

    /// The luma image holding the most recently pushed frame (for display passes).
    pub fn current_luma(&self) -> Option<&LumaImage> {
        (self.frames_seen > 0).then(|| &self.luma[(self.frames_seen - 1) % 2])
    }

    /// The diff image of the most recent pair (all zero after frame 0).
    pub fn diff_image(&self) -> &LumaImage {
        &self.diff.image
    }

    /// The predicted frame of the most recent pair (motion selected).
    pub fn predicted_image(&self) -> &LumaImage {
        &self.predicted.image
    }

    /// |cur - predicted| of the most recent pair (motion selected).
    pub fn residual_image(&self) -> &LumaImage {
        &self.residual.image
    }

    /// The block-stats SSBO of the most recent pair: `grid().len()` records of (sad, sse, sum_a, sum_b) u32.
    pub fn stats_buffer(&self) -> &GpuBuffer {
        &self.stats
    }

    /// Motion vectors of the most recent pair: `grid().len()` records of (dx, dy, sad, 0) i32.
    pub fn vectors_buffer(&self) -> &GpuBuffer {
        &self.vectors
    }

    /// Block stats of cur against the prediction, same layout as `stats_buffer`.
    pub fn mc_stats_buffer(&self) -> &GpuBuffer {
        &self.mc_stats
    }

    /// Forgets the previous frame, so the next push is treated as frame 0 (after a seek).
    pub fn reset_sequence(&mut self) {
        self.frames_seen = 0;
    }

    /// Whether `PassTimings` carry real GPU timestamps (the queue supports them).
    pub fn has_timestamps(&self) -> bool {
        self.queries.is_some()
    }

    /// Runs the passes on the next frame (`width * height` luma bytes), predicting from motion search.
    pub fn push_frame(&mut self, luma: &[u8]) -> Result<FrameOutputs, GpuError> {
        self.push_frame_with(luma, None)
    }

    /// Like `push_frame`; with `warp` (one set per block) the prediction uses those parameters
    /// instead of the motion-search vectors (which are still computed).
    pub fn push_frame_with(&mut self, luma: &[u8], warp: Option<&[WarpParams]>) -> Result<FrameOutputs, GpuError> {
        if luma.len() as u64 != self.luma[0].byte_len() {
            return Err(GpuError::Other(format!(
                "frame has {} bytes, expected {}x{}",
                luma.len(),
                self.grid.width,
                self.grid.height
            )));
        }
        if let Some(params) = warp {
            if params.len() != self.grid.len() {
                return Err(GpuError::Other(format!(
                    "{} warp parameter sets for {} blocks",
                    params.len(),
                    self.grid.len()
                )));
            }
            WarpPass::write_params(&mut self.params, params)?;
        }
        self.ensure_symbols_buffer()?;
        self.staging.bytes_mut()[..luma.len()].copy_from_slice(luma);
        let t = self.frames_seen;
        let (cur, prev) = (t % 2, (t + 1) % 2);
        // Frame 0 has no predecessor: pair it with itself.
        let ref_index = if t == 0 { cur } else { prev };
        let (cur_img, ref_img) = (&self.luma[cur], &self.luma[ref_index]);
        let sel = self.selection;
        let repeat = self.repeat;
        // `bench --repeat`: every step runs `repeat` times, each run after a barrier.
        let rerun = |rec: &mut Recorder, i: u32| if i > 0 { rec.barrier() } else { Ok(()) };
        let queries = self.queries.as_ref();
        let rec = &mut self.rec;
        let stamp = |rec: &mut Recorder, slot: u32| -> Result<(), GpuError> {
            match queries {
                Some(q) => rec.timestamp(q, slot),
                None => Ok(()),
            }
        };

        rec.begin()?;
        if let Some(q) = queries {
            rec.reset_queries(q)?;
        }
        stamp(rec, TS_START)?;
        rec.upload(&self.staging, 0, cur_img)?;
        rec.barrier()?;
        stamp(rec, TS_UPLOAD)?;
        // Both diff and stats: one fused pass (its time is reported as diff's, stats' is then 0).
        for i in 0..repeat {
            rerun(rec, i)?;
            if sel.diff && sel.stats {
                self.diff_stats_pass.record(rec, cur_img, ref_img, &self.diff.image, &self.stats, &self.grid)?;
            } else if sel.diff {
                self.diff_pass.record(rec, cur_img, ref_img, &self.diff.image)?;
            }
        }
        stamp(rec, TS_DIFF)?;
        for i in 0..repeat {
            rerun(rec, i)?;
            if sel.stats && !sel.diff {
                self.stats_pass.record(rec, cur_img, ref_img, &self.stats, &self.grid)?;
            }
        }
        stamp(rec, TS_STATS)?;
        for _ in 0..repeat {
            if sel.motion {
                self.motion_pass.record(rec, cur_img, ref_img, &self.vectors, &self.grid, self.range)?;
                rec.barrier()?;
            }
        }
        stamp(rec, TS_MOTION)?;
        for _ in 0..repeat {
            if sel.motion {
                let source = if warp.is_some() { WarpSource::Params } else { WarpSource::MotionVectors };
                let pred = &self.predicted.image;
                self.warp_pass.record(rec, ref_img, pred, &self.vectors, &self.params, &self.grid, source)?;
                rec.barrier()?;
            }
        }
        stamp(rec, TS_WARP)?;
        for i in 0..repeat {
            rerun(rec, i)?;
            if sel.motion {
                let (pred, residual) = (&self.predicted.image, &self.residual.image);
                self.diff_stats_pass.record(rec, cur_img, pred, residual, &self.mc_stats, &self.grid)?;
            }
        }
        stamp(rec, TS_RESIDUAL)?;
        let layout = SymbolLayout::new(self.grid.block, self.quant);
        for i in 0..repeat {
            rerun(rec, i)?;
            let Some(out) = self.symbols.as_ref().filter(|_| sel.symbols) else { continue };
            let (pred, source) = match (sel.motion, warp.is_some()) {
                (false, _) => (ref_img, SymbolSource::ZeroMotion),
                (true, false) => (&self.predicted.image, SymbolSource::MotionVectors),
                (true, true) => (&self.predicted.image, SymbolSource::Params),
            };
            let (vectors, params) = (&self.vectors, &self.params);
            self.symbols_pass.record(rec, cur_img, pred, vectors, params, out, &self.grid, &layout, source)?;
        }
        stamp(rec, TS_SYMBOLS)?;
        rec.barrier()?;
        let planes = [(sel.diff, &self.diff), (sel.motion, &self.predicted), (sel.motion, &self.residual)];
        for (ran, plane) in planes {
            if let (true, Some(buffer)) = (ran, &plane.readback) {
                rec.download(&plane.image, buffer, 0)?;
            }
        }
        stamp(rec, TS_READBACK)?;
        rec.submit_and_wait()?;
        self.frames_seen += 1;

        let timings = match &self.queries {
            Some(q) => {
                let ticks = q.ticks()?;
                let ms = |a, b| q.elapsed_ms(&ticks, a, b);
                let run = |a, b| ms(a, b) / repeat as f64;
                PassTimings {
                    upload_ms: ms(TS_START, TS_UPLOAD),
                    diff_ms: run(TS_UPLOAD, TS_DIFF),
                    stats_ms: run(TS_DIFF, TS_STATS),
                    motion_ms: run(TS_STATS, TS_MOTION),
                    warp_ms: run(TS_MOTION, TS_WARP),
                    residual_ms: run(TS_WARP, TS_RESIDUAL),
                    symbols_ms: run(TS_RESIDUAL, TS_SYMBOLS),
                    readback_ms: ms(TS_SYMBOLS, TS_READBACK),
                }
            }
            None => PassTimings::default(),
        };
        let read_plane = |ran: bool, plane: &Plane| match (ran, &plane.readback) {
            (true, Some(b)) => Some(b.bytes()[..luma.len()].to_vec()),
            _ => None,
        };
        Ok(FrameOutputs {
            index: t,
            stats: sel.stats.then(|| BlockStatsPass::read(&self.stats, &self.grid)),
            motion: sel.motion.then(|| MotionSearchPass::read(&self.vectors, &self.grid)),
            mc_stats: sel.motion.then(|| BlockStatsPass::read(&self.mc_stats, &self.grid)),
            diff: read_plane(sel.diff, &self.diff),
            predicted: read_plane(sel.motion, &self.predicted),
            residual: read_plane(sel.motion, &self.residual),
            symbols: match (sel.symbols, &self.symbols) {
                (true, Some(b)) => Some(SymbolsPass::read(b, &self.grid, &layout)),
                _ => None,
            },
            timings,
        })
    }
}
