//! `vidscope analyze`: decode every frame, run diff + block stats on the GPU, and export
//! sad/sse/mean NPYs, stats.csv, optional PNG dumps and manifest.json (formats in DESIGN.md).

use super::export::{write_npy, write_png_gray};
use super::manifest::{FileEntry, Manifest};
use super::output_dir::StagedDir;
use crate::gpu::GpuContext;
use crate::passes::{FrameGraph, PassSelection};
use crate::reference::{BlockGrid, BlockStat};
use crate::video::{self, DecodeThread};
use anyhow::Context;
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Which per-frame images `--dump` writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DumpKinds {
    pub raw: bool,
    pub diff: bool,
}

impl DumpKinds {
    /// Parses a comma list such as `raw,diff`.
    pub fn parse(list: &str) -> anyhow::Result<Self> {
        let mut kinds = Self::default();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item {
                "raw" => kinds.raw = true,
                "diff" => kinds.diff = true,
                "predicted" | "residual" | "heatmap" => {
                    anyhow::bail!("--dump {item}: not implemented yet (available: raw, diff)")
                }
                other => anyhow::bail!("--dump {other}: unknown kind (available: raw, diff)"),
            }
        }
        Ok(kinds)
    }
}

pub struct AnalyzeOptions {
    pub input: String,
    pub out: PathBuf,
    pub block: u32,
    pub max_frames: Option<usize>,
    pub dump: DumpKinds,
    /// Show a progress bar (only drawn when stderr is a terminal).
    pub progress: bool,
}

pub struct AnalyzeSummary {
    pub out: PathBuf,
    pub frames: u64,
    pub pairs: u64,
    pub width: u32,
    pub height: u32,
    pub block: u32,
    pub seconds: f64,
    pub device: String,
}

impl std::fmt::Display for AnalyzeSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "analyzed {} frames ({} pairs) of {}x{} at block {} on {} in {:.2} s ({:.1} fps) -> {}",
            self.frames,
            self.pairs,
            self.width,
            self.height,
            self.block,
            self.device,
            self.seconds,
            self.frames as f64 / self.seconds.max(1e-9),
            self.out.display()
        )
    }
}

/// Per-pair and per-frame arrays gathered while frames stream through.
struct Collected {
    sad: Vec<u32>,
    sse: Vec<u32>,
    mean: Vec<f32>,
    frames: u64,
}

pub fn run_analyze(ctx: &Arc<GpuContext>, opts: &AnalyzeOptions) -> anyhow::Result<AnalyzeSummary> {
    super::check_block_size(opts.block)?;
    let start = Instant::now();
    let source = video::open(&opts.input)?;
    let info = source.info().clone();
    let mut decoder = DecodeThread::spawn(source, 4, opts.max_frames);
    let grid = BlockGrid::new(info.width, info.height, opts.block);
    let staged = StagedDir::create(&opts.out)?;
    let dir = staged.path().to_path_buf();
    for (enabled, kind) in [(opts.dump.raw, "raw"), (opts.dump.diff, "diff")] {
        if enabled {
            std::fs::create_dir(dir.join(kind))
                .with_context(|| format!("{}: cannot create", dir.join(kind).display()))?;
        }
    }
    let mut graph = FrameGraph::new(ctx, grid, PassSelection::ALL, opts.dump.diff)?;
    let total = opts.max_frames.map(|m| m as u64).or(info.frame_count).map(|n| match info.frame_count {
        Some(c) => n.min(c),
        None => n,
    });
    let bar = progress_bar(opts.progress, total);

    let csv_path = dir.join("stats.csv");
    let mut csv = BufWriter::new(
        std::fs::File::create(&csv_path).with_context(|| format!("{}: cannot create", csv_path.display()))?,
    );
    writeln!(csv, "pair,by,bx,sad,sse,mean_cur,mean_ref")?;
    let mut collected = Collected { sad: Vec::new(), sse: Vec::new(), mean: Vec::new(), frames: 0 };
    let counts: Vec<u32> = grid.rects().map(|r| r.count()).collect();
    while let Some(frame) = decoder.recv()? {
        let t = frame.index;
        let out = graph.push_frame(&frame.data)?;
        let stats = out.stats.context("block stats pass did not run")?;
        collected.mean.extend(stats.iter().zip(&counts).map(|(s, &n)| BlockStat::mean(s.sum_a, n)));
        if t > 0 {
            collected.sad.extend(stats.iter().map(|s| s.sad));
            collected.sse.extend(stats.iter().map(|s| s.sse));
            write_csv_rows(&mut csv, t as u64 - 1, &grid, &stats, &counts)?;
        }
        if opts.dump.raw {
            write_png_gray(&frame_png(&dir, "raw", t), info.width, info.height, &frame.data)?;
        }
        if let (true, true, Some(diff)) = (opts.dump.diff, t > 0, &out.diff) {
            write_png_gray(&frame_png(&dir, "diff", t), info.width, info.height, diff)?;
        }
        collected.frames += 1;
        bar.inc(1);
    }
    bar.finish_and_clear();
    csv.flush().with_context(|| format!("{}: cannot write", csv_path.display()))?;
    anyhow::ensure!(collected.frames > 0, "{}: no frames could be decoded", opts.input);

    let frames = collected.frames;
    let pairs = frames - 1;
    let (by, bx) = (grid.blocks_y() as u64, grid.blocks_x() as u64);
    write_npy(&dir.join("sad.npy"), &[pairs, by, bx], &collected.sad)?;
    write_npy(&dir.join("sse.npy"), &[pairs, by, bx], &collected.sse)?;
    write_npy(&dir.join("mean.npy"), &[frames, by, bx], &collected.mean)?;
    let manifest = build_manifest(ctx, opts, &info, &grid, frames);
    let manifest_path = dir.join("manifest.json");
    std::fs::write(&manifest_path, serde_json::to_string_pretty(&manifest)? + "\n")
        .with_context(|| format!("{}: cannot write", manifest_path.display()))?;
    let out = staged.commit()?;
    Ok(AnalyzeSummary {
        out,
        frames,
        pairs,
        width: info.width,
        height: info.height,
        block: opts.block,
        seconds: start.elapsed().as_secs_f64(),
        device: ctx.describe(),
    })
}

fn frame_png(dir: &Path, kind: &str, t: usize) -> PathBuf {
    dir.join(kind).join(format!("{t:06}.png"))
}

fn write_csv_rows(
    csv: &mut impl Write,
    pair: u64,
    grid: &BlockGrid,
    stats: &[BlockStat],
    counts: &[u32],
) -> std::io::Result<()> {
    let bx_count = grid.blocks_x() as usize;
    for (i, (s, &n)) in stats.iter().zip(counts).enumerate() {
        let (by, bx) = (i / bx_count, i % bx_count);
        let (mean_cur, mean_ref) = (BlockStat::mean(s.sum_a, n), BlockStat::mean(s.sum_b, n));
        writeln!(csv, "{pair},{by},{bx},{},{},{mean_cur},{mean_ref}", s.sad, s.sse)?;
    }
    Ok(())
}

fn progress_bar(enabled: bool, total: Option<u64>) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    if !enabled {
        return ProgressBar::with_draw_target(total, ProgressDrawTarget::hidden());
    }
    // indicatif draws nothing when stderr is not a terminal.
    let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
    let template = if total.is_some() {
        "{spinner} {wide_bar} {pos}/{len} frames {per_sec} eta {eta}"
    } else {
        "{spinner} {pos} frames {per_sec}"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}

fn build_manifest(
    ctx: &GpuContext,
    opts: &AnalyzeOptions,
    info: &video::StreamInfo,
    grid: &BlockGrid,
    frames: u64,
) -> Manifest {
    let pairs = frames - 1;
    let (by, bx) = (grid.blocks_y() as u64, grid.blocks_x() as u64);
    let entry = |shape: Vec<u64>, dtype: &str, description: &str| FileEntry {
        shape,
        dtype: dtype.to_string(),
        description: description.to_string(),
    };
    let mut files = BTreeMap::new();
    files.insert("sad.npy".into(), entry(vec![pairs, by, bx], "uint32", "zero-motion SAD of frame p+1 vs frame p"));
    files.insert("sse.npy".into(), entry(vec![pairs, by, bx], "uint32", "zero-motion SSE of frame p+1 vs frame p"));
    files.insert("mean.npy".into(), entry(vec![frames, by, bx], "float32", "mean luma of each block of frame t"));
    files.insert(
        "stats.csv".into(),
        entry(
            vec![pairs * by * bx, 7],
            "csv",
            "pair,by,bx,sad,sse,mean_cur,mean_ref (motion columns not yet implemented)",
        ),
    );
    let dumped = |enabled: bool, kind: &str, first: u64| {
        let n = frames.saturating_sub(first);
        (
            enabled,
            format!("{kind}/"),
            entry(
                vec![n, info.height as u64, info.width as u64],
                "png uint8 gray",
                &format!("{kind}/<t:06>.png, t = current frame"),
            ),
        )
    };
    for (enabled, name, e) in [dumped(opts.dump.raw, "raw", 0), dumped(opts.dump.diff, "diff", 1)] {
        if enabled {
            files.insert(name, e);
        }
    }
    let mut conventions = BTreeMap::new();
    conventions.insert("pairs".into(), "pair p compares frame t = p+1 (cur) with frame p (ref)".into());
    conventions
        .insert("block_grid".into(), "By = ceil(H/b), Bx = ceil(W/b); edge blocks count only inside pixels".into());
    conventions.insert("luma".into(), "8-bit Y plane as stored, no range conversion".into());
    Manifest {
        vidscope_version: env!("CARGO_PKG_VERSION").to_string(),
        complete: true,
        input: opts.input.clone(),
        codec: info.codec.clone(),
        width: info.width,
        height: info.height,
        frames,
        pairs,
        block: grid.block,
        blocks_y: grid.blocks_y(),
        blocks_x: grid.blocks_x(),
        range: None,
        pixel_format: info.pixel_format.clone(),
        bit_depth: info.bit_depth,
        luma_reduction: if info.bit_depth > 8 { format!(">> {}", info.bit_depth - 8) } else { "none".into() },
        fps: info.fps,
        device: ctx.describe(),
        passes: vec!["diff".into(), "block_stats".into()],
        not_implemented: vec![
            "motion_search (motion.npy, mc_sad.npy, mc_sse.npy, stats.csv columns dx,dy,mc_sad,mc_sse)".into(),
            "warp/predicted/residual".into(),
        ],
        conventions,
        files,
    }
}
