//! Playback: a feed thread (owning a `video::DecodeThread`) hands frames over a bounded channel; the
//! render thread takes them without blocking, at the file's frame rate times the speed, and runs the
//! `FrameGraph` on each. Seeking (and stepping back) reopens the source and decodes forward, so every
//! shown frame is exactly frame N of the file.

use crate::analysis::WarpParamsFile;
use crate::gpu::{BufferKind, GpuBuffer, GpuContext, GpuError, LumaImage};
use crate::passes::{ChromaUpload, FrameGraph, PassSelection, PassTimings};
use crate::reference::{stream_rates, BlockGrid, BlockRate, BlockStat, MotionVector, SymbolLayout};
use crate::ui::plots::FrameHistory;
use crate::video::{self, ChromaPlanes, DecodeThread, FrameSource, LumaFrame, StreamInfo};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Frames the feed may hold ready (on top of the decode thread's own queue).
const FEED_CAPACITY: usize = 4;
const DECODE_QUEUE: usize = 4;

enum Msg {
    Frame(LumaFrame),
    End,
    Error(String),
}

/// The feed thread's end of things: frames from `first` on, in order.
struct Feed {
    rx: Receiver<Msg>,
    stop: Arc<AtomicBool>,
    decode_fps_bits: Arc<AtomicU64>,
}

impl Feed {
    /// Decodes `source` (or, when `None`, reopens `input`) on its own thread, dropping frames before `first`.
    fn spawn(input: String, source: Option<Box<dyn FrameSource>>, first: usize) -> Feed {
        let (tx, rx) = mpsc::sync_channel(FEED_CAPACITY);
        let stop = Arc::new(AtomicBool::new(false));
        let decode_fps_bits = Arc::new(AtomicU64::new(0f64.to_bits()));
        let (stop2, fps2) = (stop.clone(), decode_fps_bits.clone());
        let spawned = std::thread::Builder::new().name("vidscope-feed".into()).spawn(move || {
            let source = match source.map(Ok).unwrap_or_else(|| video::open(&input)) {
                Ok(s) => s,
                Err(e) => {
                    let _ = tx.send(Msg::Error(e.to_string()));
                    return;
                }
            };
            let mut decode = DecodeThread::spawn(source, DECODE_QUEUE, None);
            let mut decoded = 0usize;
            while !stop2.load(Ordering::Relaxed) {
                let msg = match decode.recv() {
                    Ok(Some(frame)) => {
                        decoded += 1;
                        let secs = decode.decode_seconds();
                        if secs > 0.0 {
                            fps2.store((decoded as f64 / secs).to_bits(), Ordering::Relaxed);
                        }
                        if frame.index < first {
                            continue;
                        }
                        Msg::Frame(frame)
                    }
                    Ok(None) => Msg::End,
                    Err(e) => Msg::Error(e.to_string()),
                };
                let last = !matches!(msg, Msg::Frame(_));
                if tx.send(msg).is_err() || last {
                    return;
                }
            }
        });
        if let Err(e) = spawned {
            tracing::error!("cannot start the feed thread: {e}");
        }
        Feed { rx, stop, decode_fps_bits }
    }

    fn decode_fps(&self) -> f64 {
        f64::from_bits(self.decode_fps_bits.load(Ordering::Relaxed))
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        // The thread stops at its next frame (or its next send, which fails once rx is gone).
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// One open clip and its frame graph.
pub struct Player {
    pub info: StreamInfo,
    graph: FrameGraph,
    feed: Feed,
    /// The frame whose luma/diff/stats the graph holds as "current".
    shown: Option<usize>,
    /// After a seek: frames before this are pushed (to prime the diff) but not shown.
    seek_target: Option<usize>,
    /// Show the next frame regardless of time (step forward).
    step_pending: bool,
    /// When the next frame is due.
    next_due: Instant,
    pub ended: bool,
    /// Set when playback reached the end (without looping); taken by `take_just_ended`.
    just_ended: bool,
    pub frames_seen: usize,
    pub stats: Vec<BlockStat>,
    /// Motion vectors and residual block stats of the shown frame; empty when motion search is off.
    pub motion: Vec<MotionVector>,
    pub mc_stats: Vec<BlockStat>,
    /// Learner warp parameters: when loaded, the prediction uses them instead of the vectors.
    warp: Option<WarpParamsFile>,
    /// Whether motion search (and warp, residual) runs, and its range.
    motion_on: bool,
    range: u32,
    /// Whether the symbols pass runs (a view needs it), and its quantiser.
    symbols_on: bool,
    quant: u32,
    /// The shown frame's symbol stream and its layout; empty when the symbols pass did not run.
    pub symbols: Vec<u32>,
    pub symbol_layout: SymbolLayout,
    /// MDL bits per block of `symbols` (empty with it).
    pub rates: Vec<BlockRate>,
    /// Per block (non-zero trits, total rate as f32 bits, mv rate as f32 bits, 0): what the non-zero
    /// and rate heatmaps read, in the layout of the block-stats SSBO.
    learner_buffer: GpuBuffer,
    pub luma: Vec<u8>,
    /// The shown frame's chroma (for the hover readout) and its copy on the GPU (for display).
    pub chroma: Option<ChromaPlanes>,
    chroma_upload: ChromaUpload,
    pub timings: PassTimings,
    /// Per-frame totals for the plots.
    pub history: FrameHistory,
    late_frames: u32,
    late_since: Instant,
    pub behind: Option<String>,
    pub error: Option<String>,
    /// Decoder errors per frame index, for the frames that had any (see `LumaFrame::decode_errors`).
    pub decode_errors: BTreeMap<usize, u32>,
}

impl Player {
    /// Opens `input` (checked here, so a bad file fails at once) and starts decoding at frame `start`.
    pub fn open(ctx: &Arc<GpuContext>, input: &str, block: u32, start: usize) -> anyhow::Result<Player> {
        let source = video::open(input)?;
        let info = source.info().clone();
        let grid = BlockGrid::new(info.width, info.height, block);
        let graph = FrameGraph::new(ctx, grid, PassSelection::ZERO_MOTION, false)?;
        let learner_buffer = Self::new_learner_buffer(ctx, &grid)?;
        let feed = Feed::spawn(input.to_string(), Some(source), start.saturating_sub(1));
        let frames_total = info.frame_count.map(|n| n as usize).unwrap_or(0);
        Ok(Player {
            info,
            graph,
            feed,
            shown: None,
            seek_target: Some(start),
            step_pending: false,
            next_due: Instant::now(),
            ended: false,
            just_ended: false,
            frames_seen: frames_total,
            stats: Vec::new(),
            motion: Vec::new(),
            mc_stats: Vec::new(),
            warp: None,
            motion_on: false,
            range: 16,
            symbols_on: false,
            quant: 1,
            symbols: Vec::new(),
            symbol_layout: SymbolLayout::new(block, 1),
            rates: Vec::new(),
            learner_buffer,
            luma: Vec::new(),
            chroma: None,
            chroma_upload: ChromaUpload::new(ctx)?,
            timings: PassTimings::default(),
            history: FrameHistory::default(),
            late_frames: 0,
            late_since: Instant::now(),
            behind: None,
            error: None,
            decode_errors: BTreeMap::new(),
        })
    }

    /// Whether playback stopped at the end since the last call.
    pub fn take_just_ended(&mut self) -> bool {
        std::mem::take(&mut self.just_ended)
    }

    pub fn graph(&self) -> &FrameGraph {
        &self.graph
    }

    /// The shown frame's (Cb, Cr) images and subsampling shifts, when it has colour.
    pub fn chroma_images(&self) -> Option<(&LumaImage, &LumaImage, (u32, u32))> {
        self.chroma_upload.planes()
    }

    pub fn shown(&self) -> Option<usize> {
        self.shown
    }

    pub fn decode_fps(&self) -> f64 {
        self.feed.decode_fps()
    }

    pub fn frames_total(&self) -> Option<usize> {
        self.info.frame_count.map(|n| n as usize).or((self.frames_seen > 0).then_some(self.frames_seen))
    }

    fn frame_duration(&self, speed: f32) -> Duration {
        let fps = if self.info.fps > 0.0 { self.info.fps } else { 25.0 };
        Duration::from_secs_f64(1.0 / (fps * speed.max(0.01) as f64))
    }

    /// Shows frame `n` next: restarts decoding at `n - 1` (to prime the diff) unless `n` is next anyway.
    pub fn seek(&mut self, n: usize) {
        let n = match self.frames_total() {
            Some(total) if total > 0 => n.min(total - 1),
            _ => n,
        };
        if self.shown.is_some_and(|s| s + 1 == n) && !self.ended && self.seek_target.is_none() {
            self.step_pending = true;
            return;
        }
        self.feed = Feed::spawn(self.info.input.clone(), None, n.saturating_sub(1));
        self.graph.reset_sequence();
        self.seek_target = Some(n);
        self.ended = false;
        self.step_pending = false;
    }

    fn selection(&self) -> PassSelection {
        let base = if self.motion_on { PassSelection::ALL } else { PassSelection::ZERO_MOTION };
        PassSelection { symbols: self.symbols_on, ..base }
    }

    fn new_learner_buffer(ctx: &Arc<GpuContext>, grid: &BlockGrid) -> Result<GpuBuffer, GpuError> {
        GpuBuffer::new(ctx, "learner block values", grid.len() as u64 * 16, BufferKind::Upload)
    }

    /// The per-block (non-zero trits, rate f32 bits, mv f32 bits, 0) SSBO of the shown frame
    /// (zeros before the symbols pass ran).
    pub fn learner_buffer(&self) -> &GpuBuffer {
        &self.learner_buffer
    }

    /// Turns the symbols pass on or off and sets its quantiser (1..=255); the current frame is
    /// recomputed when anything changed. The symbols pass runs only while a view needs it.
    pub fn set_symbols(&mut self, on: bool, quant: u32) -> Result<(), GpuError> {
        if on == self.symbols_on && quant == self.quant {
            return Ok(());
        }
        self.graph.set_quant(quant)?;
        self.symbols_on = on;
        self.quant = quant;
        self.graph.set_selection(self.selection());
        self.recompute();
        Ok(())
    }

    /// Keeps the symbol stream of a new frame, its rates and the heatmap's per-block values.
    fn take_symbols(&mut self, stream: Option<Vec<u32>>) {
        let grid = self.graph.grid();
        self.symbol_layout = self.graph.symbol_layout();
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

    /// Recomputes the frame on screen (after the passes or their settings changed).
    fn recompute(&mut self) {
        // A seek still under way (e.g. to --start) keeps its target.
        let n = self.seek_target.or(self.shown).unwrap_or(0);
        self.shown = None;
        self.seek(n);
    }

    /// Rebuilds the frame graph for a new block size and recomputes the current frame.
    pub fn set_block(&mut self, ctx: &Arc<GpuContext>, block: u32) -> Result<(), GpuError> {
        let grid = BlockGrid::new(self.info.width, self.info.height, block);
        self.graph = FrameGraph::new(ctx, grid, self.selection(), false)?;
        self.graph.set_range(self.range)?;
        self.history.clear();
        self.graph.set_quant(self.quant)?;
        self.learner_buffer = Self::new_learner_buffer(ctx, &grid)?;
        self.take_symbols(None);
        self.recompute();
        Ok(())
    }

    /// Loads learner warp parameters for the current grid (or drops them with `None`) and recomputes
    /// the frame on screen. On error the player keeps predicting from motion search.
    pub fn set_warp_params(&mut self, path: Option<&Path>) -> anyhow::Result<()> {
        self.warp = None;
        self.recompute();
        if let Some(path) = path {
            self.warp = Some(WarpParamsFile::load(path, &self.graph.grid(), None)?);
        }
        Ok(())
    }

    pub fn warp_params(&self) -> Option<&WarpParamsFile> {
        self.warp.as_ref()
    }

    /// Turns motion search (with warp and residual) on or off and sets its range; the current frame
    /// is recomputed when anything changed. Motion search runs only while a view needs it.
    pub fn set_motion(&mut self, on: bool, range: u32) -> Result<(), GpuError> {
        if on == self.motion_on && range == self.range {
            return Ok(());
        }
        self.graph.set_range(range)?;
        self.motion_on = on;
        self.range = range;
        self.graph.set_selection(self.selection());
        self.recompute();
        Ok(())
    }

    /// Whether a new frame may be taken now; `wait_gpu` is called before the graph's images change.
    pub fn wants_frame(&self, playing: bool) -> bool {
        self.seek_target.is_some() || self.step_pending || (playing && !self.ended && Instant::now() >= self.next_due)
    }

    /// Takes frames that are ready and due, pushing them through the frame graph. Returns whether the
    /// picture changed. `wait_gpu` waits for in-flight frames that read the graph's images.
    pub fn tick(
        &mut self,
        playing: bool,
        speed: f32,
        looping: bool,
        wait_gpu: &mut dyn FnMut() -> Result<(), GpuError>,
    ) -> Result<bool, GpuError> {
        let mut changed = false;
        let now = Instant::now();
        if now.duration_since(self.late_since) > Duration::from_secs(1) {
            self.behind = (self.late_frames > 0)
                .then(|| format!("cannot keep up: {} frame(s) late in the last second", self.late_frames));
            self.late_frames = 0;
            self.late_since = now;
        }
        // Several frames may be needed after a seek (frame n-1, then n): take at most a few per tick.
        for _ in 0..4 {
            if !self.wants_frame(playing) {
                break;
            }
            let frame = match self.feed.rx.try_recv() {
                Ok(Msg::Frame(f)) => f,
                Ok(Msg::End) | Err(TryRecvError::Disconnected) => {
                    self.frames_seen = self.frames_seen.max(self.shown.map(|s| s + 1).unwrap_or(0));
                    if self.seek_target.is_some() {
                        // Seeking past the end: show the last frame instead.
                        let last = self.frames_seen.saturating_sub(1);
                        if self.shown != Some(last) && self.frames_seen > 0 {
                            self.seek(last);
                        } else {
                            self.seek_target = None;
                        }
                        break;
                    }
                    self.step_pending = false;
                    if looping && playing && self.frames_seen > 0 {
                        self.seek(0);
                    } else {
                        self.ended = true;
                        self.just_ended = true;
                    }
                    break;
                }
                Ok(Msg::Error(e)) => {
                    self.error = Some(e);
                    self.ended = true;
                    self.just_ended = true;
                    self.seek_target = None;
                    break;
                }
                Err(TryRecvError::Empty) => {
                    if playing && self.seek_target.is_none() && now > self.next_due + self.frame_duration(speed) {
                        // Due more than a frame ago and the decoder has nothing: decoding is too slow.
                        self.late_frames += 1;
                        self.next_due = now;
                    }
                    break;
                }
            };
            wait_gpu()?;
            // Pair p = index - 1 predicts this frame from the previous one.
            let params = match (&self.warp, frame.index.checked_sub(1)) {
                (Some(w), Some(p)) => match w.for_pair(p as u64) {
                    Ok(params) => Some(params),
                    Err(e) => {
                        self.error = Some(e.to_string());
                        None
                    }
                },
                _ => None,
            };
            let out = self.graph.push_frame_with(&frame.data, params)?;
            self.timings = out.timings;
            if let Some(stats) = out.stats {
                self.stats = stats;
            }
            self.motion = out.motion.unwrap_or_default();
            self.mc_stats = out.mc_stats.unwrap_or_default();
            self.history.record(frame.index, &self.stats, &self.mc_stats);
            self.take_symbols(out.symbols);
            self.luma = frame.data;
            self.chroma_upload.upload(frame.chroma.as_ref())?;
            self.chroma = frame.chroma;
            self.frames_seen = self.frames_seen.max(frame.index + 1);
            if frame.decode_errors > 0 {
                self.decode_errors.insert(frame.index, frame.decode_errors);
            }
            let target = self.seek_target.unwrap_or(0);
            if frame.index >= target {
                let jumped = self.seek_target.is_some() || self.step_pending;
                self.seek_target = None;
                self.step_pending = false;
                self.shown = Some(frame.index);
                changed = true;
                let dur = self.frame_duration(speed);
                self.next_due += dur;
                if jumped {
                    // A seek or step: the clock starts again from here.
                    self.next_due = now + dur;
                } else if self.next_due + dur < now {
                    // The render loop fell behind by more than a frame.
                    self.late_frames += 1;
                    self.next_due = now + dur;
                } else if self.next_due < now {
                    self.next_due = now;
                }
                break;
            }
        }
        if !playing && self.seek_target.is_none() {
            self.next_due = Instant::now();
        }
        Ok(changed)
    }
}
