//! The one frame driver behind `analyze`, `bench`, `record` and the viewer: decode threads (one per
//! input) → [`FramePipeline`] (K frames in flight) → results in frame order. Callers either block for
//! each result (headless) or poll without blocking (the viewer's render loop).
//!
//! With `DriveOptions::staged` the decoders write each frame's luma straight into a ring of staging
//! buffers that the upload reads (no copy on the driver's thread; a `.y4m` goes from the file into
//! them); the results then carry the frames' descriptions but not their pixels.

use super::motion_source::{MotionInputs, MotionSource};
use super::pipeline::{FlowInput, FrameInput, FramePipeline, InputPlanes, PipelineConfig};
use super::registry::PassSelection;
use super::results::FrameResults;
use super::staging::{staging_ring, StagingBuffer};
use crate::formats::{FlowFile, WarpParamsFile};
use crate::gpu::GpuContext;
use crate::reference::codec_translations;
use crate::reference::{BlockGrid, BlockSize};
use crate::video::{self, DecodeThread, FlowReader, FrameSource, StagedDecodeThread, StreamInfo, VideoError};
use std::sync::Arc;
use std::time::Instant;

/// Frames each decode thread may decode ahead.
const DECODE_QUEUE: usize = 4;

/// Staging buffers per input beyond the K frames in flight and the one waiting to be submitted: how
/// far a staged decoder may run ahead.
const STAGING_AHEAD: usize = 3;

/// One input's decoder: frames into new host buffers, or into lent staging buffers.
enum Source {
    Host(DecodeThread),
    Staged(StagedDecodeThread<StagingBuffer>),
}

impl Source {
    /// Opens input `i`'s decode thread (staged: with its own staging ring of `ring` buffers).
    fn spawn(
        ctx: &Arc<GpuContext>,
        source: Box<dyn FrameSource>,
        staged: Option<usize>,
        max_frames: Option<usize>,
    ) -> anyhow::Result<Self> {
        let Some(ring) = staged else {
            return Ok(Source::Host(DecodeThread::spawn(source, DECODE_QUEUE, max_frames)));
        };
        let info = source.info().clone();
        let plane = info.width as usize * info.height as usize;
        let free = staging_ring(ctx, &info.input, ring, plane)?;
        Ok(Source::Staged(StagedDecodeThread::spawn(source, free, max_frames)?))
    }

    fn recv(&mut self) -> Result<Option<InputPlanes>, VideoError> {
        Ok(match self {
            Source::Host(t) => t.recv()?.map(InputPlanes::Host),
            Source::Staged(t) => t.recv()?.map(|(frame, staging)| InputPlanes::Staged { frame, staging }),
        })
    }

    fn try_recv(&mut self) -> Result<Option<Option<InputPlanes>>, VideoError> {
        Ok(match self {
            Source::Host(t) => t.try_recv()?.map(|f| f.map(InputPlanes::Host)),
            Source::Staged(t) => {
                t.try_recv()?.map(|f| f.map(|(frame, staging)| InputPlanes::Staged { frame, staging }))
            }
        })
    }

    fn decode_seconds(&self) -> f64 {
        match self {
            Source::Host(t) => t.decode_seconds(),
            Source::Staged(t) => t.decode_seconds(),
        }
    }
}

/// How a driver runs: the pipeline's shape and which frames to take.
#[derive(Clone, Debug)]
pub struct DriveOptions {
    pub block: BlockSize,
    pub selection: PassSelection,
    /// K frames in flight (1 = synchronous).
    pub frames_in_flight: usize,
    /// Output planes to copy to the host after each frame.
    pub planes: Vec<&'static str>,
    /// Upload every input's chroma (colour display, the chroma A/B metrics).
    pub chroma: bool,
    /// First frame whose results are handed out; the frame before it still runs, unseen, so the
    /// first one has its real predecessor.
    pub start: usize,
    /// At most this many frames of input 0 are decoded (counted from frame 0).
    pub max_frames: Option<usize>,
    /// Frame t of input i > 0 is its frame t + offsets[i − 1] (`--ref-start`).
    pub offsets: Vec<usize>,
    /// Input 0's video stream (`--stream N`); `None` = FFmpeg's best. Other inputs use their best.
    pub stream: Option<usize>,
    /// Input 0's frames carry the codec's motion vectors (`--codec-mvs`; FFmpeg inputs only).
    pub codec_mvs: bool,
    /// Decoders write luma straight into staging buffers the upload reads; the results' frames then
    /// carry no pixels (`data` empty, no chroma). Not with `chroma`.
    pub staged: bool,
    /// The result buffers to read back (`None`: all); see `PipelineConfig::readback`.
    pub readback: Option<Vec<&'static str>>,
    /// Uploads and read-back copies on queues of their own (headless use only); see
    /// `PipelineConfig::overlap_transfers`.
    pub overlap_transfers: bool,
}

impl DriveOptions {
    pub fn new(block: BlockSize, selection: PassSelection) -> Self {
        Self {
            block,
            selection,
            frames_in_flight: 2,
            planes: Vec::new(),
            chroma: false,
            start: 0,
            max_frames: None,
            offsets: Vec::new(),
            stream: None,
            codec_mvs: false,
            staged: false,
            readback: None,
            overlap_transfers: false,
        }
    }
}

/// `--flow`: the file, and whether its flow drives the prediction (else it is only compared).
pub struct FlowSource {
    /// The file's pairs, read one ahead on a thread (with block medians for the viewer's arrows and
    /// flow view when it was spawned with a grid).
    pub reader: FlowReader,
    pub drives: bool,
    /// Frames past the file's last pair go without a flow (the search predicts them) instead of
    /// failing: the viewer's way, where a flow often covers a part of the video.
    pub partial: bool,
}

impl FlowSource {
    /// Opens `spec` for frames of `info`'s size and starts its reader (taking block medians on
    /// `medians` when given).
    pub fn open(
        spec: &str,
        info: &StreamInfo,
        medians: Option<BlockGrid>,
        drives: bool,
        partial: bool,
    ) -> anyhow::Result<Self> {
        let reader = FlowReader::spawn(FlowFile::open_for(spec, info.width, info.height)?, medians);
        Ok(Self { reader, drives, partial })
    }
}

pub struct FrameDriver {
    ctx: Arc<GpuContext>,
    pipeline: FramePipeline,
    inputs: Vec<String>,
    infos: Vec<StreamInfo>,
    sources: Vec<Source>,
    /// Staging buffers per input ring, when decoders write into staging buffers.
    staged: Option<usize>,
    /// Frame t of input i > 0 is frame t + offsets[i] of that input.
    offsets: Vec<usize>,
    /// Decoded frames waiting for the other inputs' frames of the same t.
    pending: Vec<Option<InputPlanes>>,
    warp: Option<WarpParamsFile>,
    /// `--motion codec`: each frame's covering codec vectors predict it (as translation warps).
    codec_drives: bool,
    flow: Option<FlowSource>,
    max_frames: Option<usize>,
    /// Input 0's video stream, kept for reopening on seek.
    stream: Option<usize>,
    /// Input 0 exports the codec's motion vectors, kept for reopening on seek.
    codec_mvs: bool,
    /// Frames below this are decoded and dropped; the one at it starts a sequence.
    submit_from: usize,
    /// Results below this prime the pipeline and are not handed out.
    show_from: usize,
    decoded: usize,
    sources_done: bool,
    /// An input error, reported after the frames before it.
    error: Option<anyhow::Error>,
}

impl FrameDriver {
    /// Opens every input (input 0 is the analysed video, the others are compared with it) and
    /// starts decoding towards `opts.start`. The block grid is input 0's size at `opts.block`.
    pub fn open(ctx: &Arc<GpuContext>, inputs: &[String], opts: DriveOptions) -> anyhow::Result<Self> {
        anyhow::ensure!(!inputs.is_empty(), "no input");
        anyhow::ensure!(!(opts.staged && opts.chroma), "staged decoding carries no chroma");
        let staged = opts.staged.then_some(opts.frames_in_flight + 1 + STAGING_AHEAD);
        let mut infos = Vec::new();
        let mut sources = Vec::new();
        for (i, input) in inputs.iter().enumerate() {
            let source = video::open_with(input, Self::open_options(i, opts.stream, opts.codec_mvs))?;
            let info = source.info().clone();
            if let Some(first) = infos.first() {
                let start = opts.offsets.get(i - 1).copied().unwrap_or(0);
                video::check_comparable(first, &info, start).map_err(anyhow::Error::msg)?;
            }
            ctx.check_image_size(input, info.width, info.height)?;
            sources.push(Source::spawn(ctx, source, staged, if i == 0 { opts.max_frames } else { None })?);
            infos.push(info);
        }
        let grid = BlockGrid::new(infos[0].width, infos[0].height, opts.block.get());
        let config = PipelineConfig {
            grid,
            inputs: inputs.len(),
            frames_in_flight: opts.frames_in_flight,
            selection: opts.selection,
            planes: opts.planes.clone(),
            chroma: opts.chroma,
            device_local_outputs: None,
            readback: opts.readback.clone(),
            overlap_transfers: opts.overlap_transfers,
        };
        let pipeline = FramePipeline::new(ctx, config)?;
        let mut offsets = vec![0];
        offsets.extend((1..inputs.len()).map(|i| opts.offsets.get(i - 1).copied().unwrap_or(0)));
        let mut driver = Self {
            ctx: ctx.clone(),
            pipeline,
            inputs: inputs.to_vec(),
            infos,
            sources,
            staged,
            offsets,
            pending: (0..inputs.len()).map(|_| None).collect(),
            warp: None,
            codec_drives: false,
            flow: None,
            max_frames: opts.max_frames,
            stream: opts.stream,
            codec_mvs: opts.codec_mvs,
            submit_from: 0,
            show_from: 0,
            decoded: 0,
            sources_done: false,
            error: None,
        };
        driver.set_window(opts.start);
        Ok(driver)
    }

    /// `--stream` and `--codec-mvs` apply to input 0 only.
    fn open_options(input: usize, stream: Option<usize>, codec_mvs: bool) -> video::OpenOptions {
        match input {
            0 => video::OpenOptions { stream, codec_mvs },
            _ => video::OpenOptions::default(),
        }
    }

    fn set_window(&mut self, start: usize) {
        self.show_from = start;
        self.submit_from = start.saturating_sub(1);
    }

    pub fn info(&self) -> &StreamInfo {
        &self.infos[0]
    }

    pub fn infos(&self) -> &[StreamInfo] {
        &self.infos
    }

    pub fn pipeline(&self) -> &FramePipeline {
        &self.pipeline
    }

    pub fn pipeline_mut(&mut self) -> &mut FramePipeline {
        &mut self.pipeline
    }

    /// Whether input 0's frames carry the codec's motion vectors; takes effect when the inputs are
    /// next opened (`seek`).
    pub fn set_codec_mvs(&mut self, on: bool) {
        self.codec_mvs = on;
    }

    /// Learner warp parameters: pair p's prediction (frame p + 1) uses them instead of the vectors.
    pub fn set_warp(&mut self, warp: Option<WarpParamsFile>) {
        self.warp = warp;
    }

    pub fn warp(&self) -> Option<&WarpParamsFile> {
        self.warp.as_ref()
    }

    /// `--motion codec`: predict each frame from its codec vectors (`reference::codec_translations`;
    /// zero motion where none covers a block). The decoder must export them (`set_codec_mvs`).
    pub fn set_codec_drives(&mut self, on: bool) {
        self.codec_drives = on;
    }

    /// A learner's dense flow (`--flow`): pair p's field goes with frame p + 1, compared with the search
    /// (the flow group, which the caller selects) and, when `drives`, predicting the frame. Fails when
    /// the stream is known to need more pairs than the file holds.
    pub fn set_flow(&mut self, flow: Option<FlowSource>) -> anyhow::Result<()> {
        if let Some(f) = flow.as_ref().filter(|f| !f.partial) {
            let frames = expected_frames(&self.infos[0], self.max_frames);
            if let Some(needed) = frames.map(|n| n.saturating_sub(1)).filter(|&n| n > f.reader.pairs()) {
                anyhow::bail!(
                    "--flow {}: holds {} pairs, the input has {needed} (one per frame after the first)",
                    f.reader.name(),
                    f.reader.pairs()
                );
            }
        }
        self.flow = flow;
        Ok(())
    }

    /// Opens `--flow` (when given) for input 0's size and attaches it; it drives the prediction when
    /// `source` is the flow.
    pub fn attach_flow(&mut self, motion: &MotionInputs, source: MotionSource) -> anyhow::Result<()> {
        let drives = source == MotionSource::Flow;
        let flow = motion.flow.as_deref().map(|spec| FlowSource::open(spec, &self.infos[0], None, drives, false));
        self.set_flow(flow.transpose()?)
    }

    pub fn flow(&self) -> Option<&FlowSource> {
        self.flow.as_ref()
    }

    pub fn flow_mut(&mut self) -> Option<&mut FlowSource> {
        self.flow.as_mut()
    }

    /// Frames decoded per second of decode-thread time (input 0).
    pub fn decode_fps(&self) -> f64 {
        let secs = self.sources[0].decode_seconds();
        if secs > 0.0 {
            self.decoded as f64 / secs
        } else {
            0.0
        }
    }

    /// Frames of input 0 decoded since the last (re)start, counted from frame 0; the stream's frame
    /// count once `ended` (unless `max_frames` stopped it).
    pub fn frames_decoded(&self) -> usize {
        self.decoded
    }

    /// Whether every frame has been handed out (or an error ended the inputs).
    pub fn ended(&self) -> bool {
        self.sources_done && self.pipeline.in_flight() == 0
    }

    /// Restarts at frame `n`: reopens the inputs, drops the frames in flight, and hands out frame n
    /// next (frame n − 1 runs first, unseen, so n has its real predecessor).
    pub fn seek(&mut self, n: usize) -> anyhow::Result<()> {
        self.pipeline.discard_in_flight()?;
        self.pipeline.reset_sequence();
        self.sources.clear();
        for (i, input) in self.inputs.iter().enumerate() {
            let max = if i == 0 { self.max_frames } else { None };
            let source = video::open_with(input, Self::open_options(i, self.stream, self.codec_mvs))?;
            self.sources.push(Source::spawn(&self.ctx, source, self.staged, max)?);
        }
        self.pending = (0..self.inputs.len()).map(|_| None).collect();
        self.decoded = 0;
        self.sources_done = false;
        self.error = None;
        self.set_window(n);
        Ok(())
    }

    /// Takes one decoded frame of input `i` into `pending` (dropping frames before its window).
    /// Returns false when nothing could be taken (not ready when not blocking, or the end).
    fn take_input(&mut self, i: usize, block: bool) -> anyhow::Result<bool> {
        loop {
            let got = if block { Some(self.sources[i].recv()) } else { self.sources[i].try_recv().transpose() };
            let frame = match got {
                None => return Ok(false),
                Some(Err(e)) => return Err(anyhow::Error::new(e)),
                Some(Ok(None)) => {
                    if i > 0 && !self.sources_done {
                        let t = self.pending[0].as_ref().map(InputPlanes::index);
                        anyhow::bail!(
                            "{}: reference ended before frame {} of {}",
                            self.inputs[i],
                            t.map_or("?".into(), |t| t.to_string()),
                            self.inputs[0]
                        );
                    }
                    self.sources_done = true;
                    return Ok(false);
                }
                Some(Ok(Some(frame))) => frame,
            };
            if i == 0 {
                self.decoded += 1;
            }
            if frame.index() < self.submit_from + self.offsets[i] {
                continue;
            }
            let index = frame.index() - self.offsets[i];
            self.pending[i] = Some(frame.with_index(index));
            return Ok(true);
        }
    }

    /// Submits frames while every input has one ready and the pipeline has room.
    fn pump(&mut self, block: bool) -> anyhow::Result<()> {
        while !self.sources_done && self.error.is_none() && self.pipeline.can_submit() {
            for i in 0..self.inputs.len() {
                if self.pending[i].is_none() {
                    match self.take_input(i, block) {
                        Ok(true) => {}
                        Ok(false) => return Ok(()),
                        Err(e) => {
                            // Frames already in flight are still handed out; the error comes after them.
                            self.error = Some(e);
                            self.sources_done = true;
                            return Ok(());
                        }
                    }
                }
            }
            let frames: Vec<InputPlanes> = self.pending.iter_mut().filter_map(Option::take).collect();
            let index = frames[0].index();
            let warp = match (&self.warp, index.checked_sub(1)) {
                (Some(w), Some(pair)) if index > self.submit_from => Some(w.for_pair(pair as u64)?.to_vec()),
                (None, Some(_)) if self.codec_drives && index > self.submit_from => {
                    let codec = frames[0].frame().and_then(|f| f.codec_mvs.as_ref()).map_or(&[][..], |c| &c.vectors);
                    Some(codec_translations(&self.pipeline.grid(), codec))
                }
                _ => None,
            };
            let flow = match (&mut self.flow, index.checked_sub(1)) {
                (Some(f), Some(pair))
                    if index > self.submit_from && !(f.partial && pair as u64 >= f.reader.pairs()) =>
                {
                    let (field, medians) = f.reader.pair(pair as u64)?;
                    Some(FlowInput { field, drives: f.drives, medians })
                }
                _ => None,
            };
            self.pipeline.submit(FrameInput { inputs: frames, warp, flow })?;
        }
        Ok(())
    }

    /// The next frame's results in order. Blocking: waits for decoding and the GPU, `None` at the end.
    /// Not blocking: `None` also when the next frame is not finished yet (see `ended`).
    pub fn next(&mut self, block: bool) -> anyhow::Result<Option<FrameResults>> {
        loop {
            self.pump(block)?;
            let results = if block { self.pipeline.collect()? } else { self.pipeline.try_collect()? };
            match results {
                Some(r) if r.index < self.show_from => continue,
                Some(r) => {
                    // Keep the GPU busy while the caller works on these results.
                    self.pump(false)?;
                    return Ok(Some(r));
                }
                None if self.pipeline.in_flight() > 0 => return Ok(None),
                None => {
                    if let Some(e) = self.error.take() {
                        return Err(e.context(format!("{}: decoding failed", self.inputs[0])));
                    }
                    return Ok(None);
                }
            }
        }
    }

    /// The GPU context the pipeline runs on.
    pub fn context(&self) -> &Arc<GpuContext> {
        &self.ctx
    }
}

/// Decode-only speed of `input` as a staged driver decodes it: frames decoded into a staging ring of
/// `ring` buffers, each given back at once (no GPU work). Returns (frames, seconds).
pub fn staged_decode_only(
    ctx: &Arc<GpuContext>,
    input: &str,
    stream: Option<usize>,
    max_frames: Option<usize>,
    ring: usize,
) -> anyhow::Result<(u64, f64)> {
    let source = video::open_with(input, video::OpenOptions { stream, ..Default::default() })?;
    let plane = source.info().width as usize * source.info().height as usize;
    let free = staging_ring(ctx, input, ring.max(1), plane)?;
    let mut decoder = StagedDecodeThread::spawn(source, free, max_frames)?;
    let start = Instant::now();
    let mut frames = 0u64;
    while decoder.recv()?.is_some() {
        frames += 1;
    }
    Ok((frames, start.elapsed().as_secs_f64()))
}

/// Frames to expect from `info` with at most `max` taken (from frame 0), when known.
pub fn expected_frames(info: &StreamInfo, max: Option<usize>) -> Option<u64> {
    match (max.map(|m| m as u64), info.frame_count) {
        (Some(m), Some(c)) => Some(m.min(c)),
        (m, c) => m.or(c),
    }
}
