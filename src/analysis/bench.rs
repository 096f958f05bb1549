//! `vidscope bench`: decode-only fps, then the same frames through upload + passes, with GPU
//! timestamps per pass and end-to-end fps.

use crate::gpu::GpuContext;
use crate::passes::{FrameGraph, PassSelection, PassTimings};
use crate::reference::BlockGrid;
use crate::video::{self, DecodeThread};
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;

pub struct BenchOptions {
    pub input: String,
    pub passes: PassSelection,
    pub range: u32,
    pub max_frames: Option<usize>,
    pub block: u32,
    /// Quantiser step of the symbols pass.
    pub quant: u32,
    /// Runs of the passes per frame (GPU times are per run).
    pub repeat: u32,
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
    /// Quantiser step of the symbols pass (when it ran).
    pub quant: u32,
    /// Runs of the passes per frame; GPU times are per run.
    pub repeat: u32,
    pub passes: Vec<String>,
    /// Frames per second decoding alone (no GPU work).
    pub decode_fps: f64,
    /// Frames per second with decode (own thread), upload, passes and readback of the stats.
    pub end_to_end_fps: f64,
    pub gpu_ms: GpuMs,
}

#[derive(Clone, Debug, Serialize)]
pub struct GpuMs {
    pub upload: TimingStats,
    pub diff: Option<TimingStats>,
    pub stats: Option<TimingStats>,
    pub motion: Option<TimingStats>,
    pub warp: Option<TimingStats>,
    pub residual: Option<TimingStats>,
    pub symbols: Option<TimingStats>,
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
        writeln!(f, "end-to-end {:.1} fps", self.end_to_end_fps)?;
        let line = |f: &mut std::fmt::Formatter<'_>, name: &str, t: &TimingStats| {
            writeln!(
                f,
                "gpu {name:<7}mean {:.3} ms  median {:.3}  p95 {:.3}  max {:.3}",
                t.mean, t.median, t.p95, t.max
            )
        };
        line(f, "upload", &self.gpu_ms.upload)?;
        if let Some(t) = &self.gpu_ms.diff {
            line(f, "diff", t)?;
        }
        let optional = [
            ("stats", &self.gpu_ms.stats),
            ("motion", &self.gpu_ms.motion),
            ("warp", &self.gpu_ms.warp),
            ("resid.", &self.gpu_ms.residual),
            ("symb.", &self.gpu_ms.symbols),
        ];
        for (name, t) in optional {
            if let Some(t) = t {
                line(f, name, t)?;
            }
        }
        Ok(())
    }
}

pub fn run_bench(ctx: &Arc<GpuContext>, opts: &BenchOptions) -> anyhow::Result<BenchReport> {
    super::check_block_size(opts.block)?;
    // Decode only.
    let mut decoder = DecodeThread::spawn(video::open(&opts.input)?, 4, opts.max_frames);
    let info = decoder.info().clone();
    let start = Instant::now();
    let mut decoded = 0u64;
    while decoder.recv()?.is_some() {
        decoded += 1;
    }
    let decode_fps = decoded as f64 / start.elapsed().as_secs_f64().max(1e-9);
    anyhow::ensure!(decoded > 0, "{}: no frames could be decoded", opts.input);
    drop(decoder);

    // Decode + GPU passes.
    let grid = BlockGrid::new(info.width, info.height, opts.block);
    let mut graph = FrameGraph::new(ctx, grid, opts.passes, false)?;
    graph.set_range(opts.range)?;
    graph.set_quant(opts.quant)?;
    graph.set_repeat(opts.repeat);
    let mut decoder = DecodeThread::spawn(video::open(&opts.input)?, 4, opts.max_frames);
    let mut timings: Vec<PassTimings> = Vec::new();
    let start = Instant::now();
    let mut frames = 0u64;
    while let Some(frame) = decoder.recv()? {
        timings.push(graph.push_frame(&frame.data)?.timings);
        frames += 1;
    }
    let end_to_end_fps = frames as f64 / start.elapsed().as_secs_f64().max(1e-9);
    let measured = if timings.len() > 1 { &timings[1..] } else { &timings[..] };
    let stats_of = |f: fn(&PassTimings) -> f64| TimingStats::from_samples(&measured.iter().map(f).collect::<Vec<_>>());
    let mut passes = Vec::new();
    if opts.passes.diff {
        passes.push("diff".to_string());
    }
    if opts.passes.stats {
        passes.push("stats".to_string());
    }
    if opts.passes.motion {
        passes.push("motion".to_string());
    }
    if opts.passes.symbols {
        passes.push("symbols".to_string());
    }
    Ok(BenchReport {
        input: opts.input.clone(),
        device: ctx.describe(),
        validation: ctx.validation_enabled(),
        timestamps: graph.has_timestamps(),
        width: info.width,
        height: info.height,
        frames,
        block: opts.block,
        range: opts.range,
        quant: opts.quant,
        repeat: opts.repeat,
        passes,
        decode_fps,
        end_to_end_fps,
        gpu_ms: GpuMs {
            upload: stats_of(|t| t.upload_ms),
            diff: opts.passes.diff.then(|| stats_of(|t| t.diff_ms)),
            stats: opts.passes.stats.then(|| stats_of(|t| t.stats_ms)),
            motion: opts.passes.motion.then(|| stats_of(|t| t.motion_ms)),
            warp: opts.passes.motion.then(|| stats_of(|t| t.warp_ms)),
            residual: opts.passes.motion.then(|| stats_of(|t| t.residual_ms)),
            symbols: opts.passes.symbols.then(|| stats_of(|t| t.symbols_ms)),
        },
    })
}
