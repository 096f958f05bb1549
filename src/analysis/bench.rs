//! `vidscope bench`: decode-only fps, then the same frames through upload + passes, with GPU
//! timestamps per pass and end-to-end fps.

use crate::gpu::GpuContext;
use crate::passes::{
    staged_decode_only, DriveOptions, FrameDriver, MotionInputs, MotionSource, PassSelection, PassTimings, PASSES,
};
use crate::reference::{BlockSize, Lambda, QuantStep, SearchRange, Subpel};
use crate::video;
use crate::video::Reference;
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;

pub struct BenchOptions {
    pub input: String,
    /// The input's video stream (`--stream N`); `None` = FFmpeg's best.
    pub stream: Option<usize>,
    /// A reference video for the A/B passes (`--ref`), compared from its frame `ref_start`.
    pub reference: Option<Reference>,
    pub passes: PassSelection,
    pub range: SearchRange,
    /// Motion search weight λ (`--lambda`).
    pub lambda: Lambda,
    /// `--subpel`: with motion, the subpel pass refines the vectors (2 or 4).
    pub subpel: Subpel,
    /// `--flow` (timed by the flow group, which the caller selects) and `--motion`.
    pub motion: MotionInputs,
    pub max_frames: Option<usize>,
    pub block: BlockSize,
    /// Quantiser step of the symbols pass.
    pub quant: QuantStep,
    /// Each pass runs this many times per frame (timed per run), so a slow source cannot leave the
    /// GPU at an idle clock.
    pub repeat: u32,
    /// K frames in flight.
    pub frames_in_flight: usize,
    /// Uploads and read-back copies on the compute queue, one after another (else on queues of
    /// their own where the device has them, overlapping the compute of other frames).
    pub serial_transfers: bool,
}

/// Milliseconds over all measured frames (frame 0, the warm-up, is left out when there are more).
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct TimingStats {
    pub mean: f64,
    pub median: f64,
    pub p95: f64,
    pub max: f64,
}

impl TimingStats {
    pub fn from_samples(samples: &[f64]) -> Self {
        if samples.is_empty() {
            return Self::default();
        }
        let mut s = samples.to_vec();
        s.sort_by(f64::total_cmp);
        let at = |q: f64| s[((s.len() - 1) as f64 * q).round() as usize];
        Self { mean: s.iter().sum::<f64>() / s.len() as f64, median: at(0.5), p95: at(0.95), max: s[s.len() - 1] }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    pub input: String,
    pub device: String,
    pub validation: bool,
    pub timestamps: bool,
    pub width: u32,
    pub height: u32,
    pub frames: u64,
    pub block: u32,
    pub range: u32,
    /// Motion search weight λ (`--lambda`).
    pub lambda: u32,
    /// Sub-pixel precision (`--subpel`).
    pub subpel: u32,
    /// Quantiser step of the symbols pass (when it ran).
    pub quant: u32,
    pub passes: Vec<String>,
    /// Runs of each pass per frame (`--repeat`).
    pub repeat: u32,
    pub frames_in_flight: usize,
    /// Whether uploads and read-backs ran on queues of their own, beside the compute (false: on
    /// the compute queue, one after another: `--serial-transfers`, or a device with one queue).
    pub overlapped_transfers: bool,
    /// Frames per second decoding alone (no GPU work), into staging buffers as the pipeline's
    /// decoders do (a `.y4m`: its luma read straight into them).
    pub decode_fps: f64,
    /// Frames per second with decode (own thread), upload, passes and readback of every result.
    pub end_to_end_fps: f64,
    /// 1000 / (sum of the passes' median GPU ms): the frame rate the GPU alone would allow.
    pub gpu_bound_fps: f64,
    pub gpu_ms: GpuMs,
}

/// GPU milliseconds per step: `upload`, `readback`, then every registered pass under its registry
/// name, in registration order, `null` when it did not run; a new pass shows up here with no edit.
/// When diff and stats run fused (`diff_stats`), `diff` carries the fused time and `stats` is 0, so
/// readers of those two keys keep working.
#[derive(Clone, Debug)]
pub struct GpuMs {
    pub upload: TimingStats,
    /// Copying the results to host-visible memory after the passes (device-local result buffers
    /// and the planes asked for): transfer work, not in the GPU-bound sum.
    pub readback: TimingStats,
    /// (registry name, timings when the pass ran).
    pub passes: Vec<(&'static str, Option<TimingStats>)>,
}

impl GpuMs {
    /// The timings of the pass of that registry name, when it ran.
    pub fn pass(&self, name: &str) -> Option<&TimingStats> {
        self.passes.iter().find(|(n, _)| *n == name).and_then(|(_, t)| t.as_ref())
    }

    /// Every pass that ran, each counted once (the fused pass, not also its `diff`/`stats` keys).
    pub fn ran(&self) -> Vec<(&'static str, &TimingStats)> {
        let fused = self.pass(FUSED).is_some();
        let aliased = |n: &str| fused && (n == "diff" || n == "stats");
        self.passes.iter().filter(|(n, _)| !aliased(n)).filter_map(|(n, t)| t.as_ref().map(|t| (*n, t))).collect()
    }
}

/// The fused diff + block stats pass.
const FUSED: &str = "diff_stats";

impl Serialize for GpuMs {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(2 + self.passes.len()))?;
        map.serialize_entry("upload", &self.upload)?;
        map.serialize_entry("readback", &self.readback)?;
        for (name, t) in &self.passes {
            map.serialize_entry(name, t)?;
        }
        map.end()
    }
}

impl std::fmt::Display for BenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "input      {} ({}x{}, {} frames, block {}, range {})",
            self.input, self.width, self.height, self.frames, self.block, self.range
        )?;
        writeln!(f, "device     {}{}", self.device, if self.validation { " (validation on)" } else { "" })?;
        writeln!(f, "decode     {:.1} fps", self.decode_fps)?;
        let transfers = if self.overlapped_transfers { "transfers beside compute" } else { "serial transfers" };
        writeln!(
            f,
            "end-to-end {:.1} fps ({} frames in flight, {transfers})",
            self.end_to_end_fps, self.frames_in_flight
        )?;
        writeln!(f, "gpu bound  {:.1} fps (1000 / summed pass medians)", self.gpu_bound_fps)?;
        let line = |f: &mut std::fmt::Formatter<'_>, name: &str, t: &TimingStats| {
            writeln!(
                f,
                "gpu {name:<11}mean {:.3} ms  median {:.3}  p95 {:.3}  max {:.3}",
                t.mean, t.median, t.p95, t.max
            )
        };
        line(f, "upload", &self.gpu_ms.upload)?;
        for (name, t) in self.gpu_ms.ran() {
            line(f, name, t)?;
        }
        line(f, "readbk", &self.gpu_ms.readback)?;
        Ok(())
    }
}

pub fn run_bench(ctx: &Arc<GpuContext>, opts: &BenchOptions) -> anyhow::Result<BenchReport> {
    anyhow::ensure!(opts.repeat >= 1, "--repeat {}: must be at least 1", opts.repeat);
    // Decode only, the way the pipeline's decoders decode: into a ring of staging buffers.
    let source = video::open_with(&opts.input, video::OpenOptions { stream: opts.stream, ..Default::default() })?;
    super::notices::print_stream_notices(source.info());
    drop(source);
    let ring = opts.frames_in_flight + 4;
    let (decoded, seconds) = staged_decode_only(ctx, &opts.input, opts.stream, opts.max_frames, ring)?;
    let decode_fps = decoded as f64 / seconds.max(1e-9);
    anyhow::ensure!(decoded > 0, "{}: no frames could be decoded", opts.input);

    // Decode + GPU passes, K frames in flight, every result read back.
    let drive = DriveOptions {
        max_frames: opts.max_frames,
        frames_in_flight: opts.frames_in_flight,
        offsets: vec![opts.reference.as_ref().map_or(0, |r| r.start)],
        stream: opts.stream,
        codec_mvs: opts.motion.choice == Some(MotionSource::Codec),
        staged: true,
        overlap_transfers: !opts.serial_transfers,
        ..DriveOptions::new(opts.block, opts.passes)
    };
    let inputs: Vec<String> =
        std::iter::once(opts.input.clone()).chain(opts.reference.as_ref().map(|r| r.input.clone())).collect();
    let mut driver = FrameDriver::open(ctx, &inputs, drive)?;
    driver.pipeline_mut().set_range(opts.range);
    driver.pipeline_mut().set_lambda(opts.lambda);
    driver.pipeline_mut().set_subpel(opts.subpel.get());
    driver.pipeline_mut().set_quant(opts.quant);
    driver.pipeline_mut().set_repeat(opts.repeat)?;
    let source = opts.motion.source(false).map_err(anyhow::Error::msg)?;
    driver.set_codec_drives(source == MotionSource::Codec);
    driver.attach_flow(&opts.motion, source)?;
    let info = driver.info().clone();
    let mut timings: Vec<PassTimings> = Vec::new();
    let start = Instant::now();
    while let Some(out) = driver.next(true)? {
        timings.push(out.timings);
    }
    let frames = timings.len() as u64;
    let end_to_end_fps = frames as f64 / start.elapsed().as_secs_f64().max(1e-9);
    let measured = if timings.len() > 1 { &timings[1..] } else { &timings[..] };
    let stats_of =
        |f: &dyn Fn(&PassTimings) -> f64| TimingStats::from_samples(&measured.iter().map(f).collect::<Vec<_>>());
    let pass = |name: &'static str| -> Option<TimingStats> {
        measured.iter().any(|t| t.pass_ms(name).is_some()).then(|| stats_of(&|t| t.pass_ms(name).unwrap_or(0.0)))
    };
    let fused = pass(FUSED);
    let passes = PASSES
        .iter()
        .map(|desc| desc.name)
        .map(|name| {
            let alias = match name {
                "diff" => fused,
                "stats" => fused.map(|_| TimingStats::default()),
                _ => None,
            };
            (name, pass(name).or(alias))
        })
        .collect();
    let gpu_ms = GpuMs { upload: stats_of(&|t| t.upload_ms), readback: stats_of(&|t| t.readback_ms), passes };
    let summed: f64 = gpu_ms.ran().iter().map(|(_, t)| t.median).sum();
    let passes = [
        ("diff", opts.passes.diff),
        ("stats", opts.passes.stats),
        ("motion", opts.passes.motion),
        ("symbols", opts.passes.symbols),
        ("compare", opts.passes.compare),
    ];
    Ok(BenchReport {
        input: opts.input.clone(),
        device: ctx.describe(),
        validation: ctx.validation_enabled(),
        timestamps: driver.pipeline().has_timestamps(),
        width: info.width,
        height: info.height,
        frames,
        block: opts.block.get(),
        range: opts.range.get(),
        lambda: opts.lambda.get(),
        subpel: opts.subpel.get(),
        quant: opts.quant.get(),
        passes: passes.iter().filter(|(_, on)| *on).map(|(n, _)| n.to_string()).collect(),
        repeat: opts.repeat,
        frames_in_flight: opts.frames_in_flight,
        overlapped_transfers: !opts.serial_transfers && ctx.has_side_queues(),
        decode_fps,
        end_to_end_fps,
        gpu_bound_fps: if summed > 0.0 { 1000.0 / summed } else { 0.0 },
        gpu_ms,
    })
}
