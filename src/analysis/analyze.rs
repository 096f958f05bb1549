//! `vidscope analyze`: decode every frame, run diff, block stats, motion search, warp, residual and
//! symbols on the GPU, and export sad/sse/mean/motion/mc NPYs, the symbol stream (symbols.bin) and
//! its MDL rate (rate.npy), stats.csv, optional PNG dumps and manifest.json (formats in DESIGN.md,
//! README.md and docs/symbols.md).

use super::export::{write_npy, write_png_gray};
use super::manifest::{DecodeErrorsManifest, FileEntry, Manifest, RateManifest, SymbolsManifest};
use super::output_dir::StagedDir;
use super::progress::frame_progress;
use super::symbols_file::SymbolsFile;
use super::warp_params::WarpParamsFile;
use crate::gpu::GpuContext;
use crate::passes::Readback;
use crate::passes::{FrameGraph, PassSelection};
use crate::reference::{
    block_rates, modes_from_vectors, modes_from_warp, BlockGrid, BlockRate, BlockStat, MotionVector, SymbolLayout,
};
use crate::video::{self, DecodeThread, Shutdown};
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
    pub predicted: bool,
    pub residual: bool,
}

const AVAILABLE: &str = "raw, diff, predicted, residual";

impl DumpKinds {
    fn kinds(&self) -> [(bool, &'static str); 4] {
        [(self.raw, "raw"), (self.diff, "diff"), (self.predicted, "predicted"), (self.residual, "residual")]
    }

    /// Parses a comma list such as `raw,diff`.
    pub fn parse(list: &str) -> anyhow::Result<Self> {
        let mut kinds = Self::default();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item {
                "raw" => kinds.raw = true,
                "diff" => kinds.diff = true,
                "predicted" => kinds.predicted = true,
                "residual" => kinds.residual = true,
                "heatmap" => anyhow::bail!("--dump heatmap: not implemented yet (available: {AVAILABLE})"),
                other => anyhow::bail!("--dump {other}: unknown kind (available: {AVAILABLE})"),
            }
        }
        Ok(kinds)
    }
}

pub struct AnalyzeOptions {
    pub input: String,
    pub out: PathBuf,
    pub block: u32,
    /// Motion search range R.
    pub range: u32,
    /// Learner warp parameters: prediction uses them instead of the motion-search vectors.
    pub warp_params: Option<PathBuf>,
    pub max_frames: Option<usize>,
    pub dump: DumpKinds,
    /// Quantiser step Q of the symbol stream (1..=255).
    pub quant: u32,
    /// Learner trits: symbols.bin and the rate use them instead of the GPU's.
    pub symbols: Option<PathBuf>,
    /// Show a progress bar (only drawn when stderr is a terminal).
    pub progress: bool,
    /// `--strict`: stop with an error at the first frame the decoder reported damage in.
    pub strict: bool,
}

pub struct AnalyzeSummary {
    pub out: PathBuf,
    pub stream_input: String,
    /// e.g. "h264 yuv420p, 30.000 fps".
    pub stream: String,
    pub frames: u64,
    pub pairs: u64,
    pub width: u32,
    pub height: u32,
    pub block: u32,
    pub seconds: f64,
    pub device: String,
    /// (frame, decoder errors) of every frame that had any.
    pub decode_errors: Vec<(u64, u32)>,
}

impl AnalyzeSummary {
    /// The one-line warning for a damaged input, when there was any damage.
    pub fn warning(&self) -> Option<String> {
        decode_warning(&self.stream_input, &self.decode_errors, "decode_errors in manifest.json and stats.csv")
    }
}

/// `INPUT: N decoder errors in M frames (first at frame F) ...`, or `None` for a clean input.
pub fn decode_warning(input: &str, errors: &[(u64, u32)], where_: &str) -> Option<String> {
    let (first, _) = errors.first()?;
    let total: u64 = errors.iter().map(|&(_, n)| u64::from(n)).sum();
    Some(format!(
        "{input}: {total} decoder error(s) in {} frame(s), first at frame {first}: decoded on as ffmpeg does \
         (damage concealed); see {where_}, or use --strict to stop at the first",
        errors.len()
    ))
}

impl std::fmt::Display for AnalyzeSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "analyzed {} frames ({} pairs) of {}x{} {} at block {} on {} in {:.2} s ({:.1} fps) -> {}",
            self.frames,
            self.pairs,
            self.width,
            self.height,
            self.stream,
            self.block,
            self.device,
            self.seconds,
            self.frames as f64 / self.seconds.max(1e-9),
            self.out.display()
        )
    }
}

/// Per-pair and per-frame arrays gathered while frames stream through.
#[derive(Default)]
struct Collected {
    sad: Vec<u32>,
    sse: Vec<u32>,
    mean: Vec<f32>,
    motion: Vec<i32>,
    mc_sad: Vec<u32>,
    mc_sse: Vec<u32>,
    rate: Vec<f32>,
    /// Per pair: (mv, residual, total) bits.
    pair_bits: Vec<[f64; 3]>,
    frames: u64,
    /// (frame, decoder errors) of the damaged frames.
    decode_errors: Vec<(u64, u32)>,
}

pub fn run_analyze(ctx: &Arc<GpuContext>, opts: &AnalyzeOptions) -> anyhow::Result<AnalyzeSummary> {
    super::check_block_size(opts.block)?;
    let start = Instant::now();
    let source = video::open(&opts.input)?;
    let info = source.info().clone();
    ctx.check_image_size(&opts.input, info.width, info.height)?;
    let mut decoder = DecodeThread::spawn(source, 4, opts.max_frames);
    let grid = BlockGrid::new(info.width, info.height, opts.block);
    // Frames to expect: --frames, capped by the container's count when it has one.
    let total = match (opts.max_frames.map(|m| m as u64), info.frame_count) {
        (Some(m), Some(c)) => Some(m.min(c)),
        (m, c) => m.or(c),
    };
    let warp = match &opts.warp_params {
        Some(path) => Some(WarpParamsFile::load(path, &grid, total.map(|f| f.saturating_sub(1)))?),
        None => None,
    };
    super::check_quant(opts.quant)?;
    let layout = SymbolLayout::new(opts.block, opts.quant);
    let learner = match &opts.symbols {
        Some(path) => Some(SymbolsFile::load(path, &grid, &layout, total.map(|f| f.saturating_sub(1)))?),
        None => None,
    };
    // From here a first SIGINT/SIGTERM only sets a flag: the loop stops and the staging folder goes.
    let shutdown = Shutdown::install().context("cannot install the SIGINT/SIGTERM handlers")?;
    let out_shown = format!("--out {}", opts.out.display());
    let interrupted = || shutdown.check(&out_shown, "the unfinished output was removed");
    let staged = StagedDir::create(&opts.out)?;
    let dir = staged.path().to_path_buf();
    for (enabled, kind) in opts.dump.kinds() {
        if enabled {
            std::fs::create_dir(dir.join(kind))
                .with_context(|| format!("{}: cannot create", dir.join(kind).display()))?;
        }
    }
    // With learner symbols the GPU stream is not needed: the headers come from the vectors/params.
    let selection = PassSelection { symbols: learner.is_none(), ..PassSelection::ANALYZE };
    let mut graph = FrameGraph::new(ctx, grid, selection, opts.dump.diff)?;
    graph.set_range(opts.range)?;
    graph.set_quant(opts.quant)?;
    let readback = Readback { diff: opts.dump.diff, predicted: opts.dump.predicted, residual: opts.dump.residual };
    graph.set_readback(readback)?;
    let bar = frame_progress(opts.progress, total);

    let csv_path = dir.join("stats.csv");
    let mut csv = BufWriter::new(
        std::fs::File::create(&csv_path).with_context(|| format!("{}: cannot create", csv_path.display()))?,
    );
    writeln!(csv, "{CSV_HEADER}")?;
    let bin_path = dir.join("symbols.bin");
    let mut bin = BufWriter::new(
        std::fs::File::create(&bin_path).with_context(|| format!("{}: cannot create", bin_path.display()))?,
    );
    let mut collected = Collected::default();
    let counts: Vec<u32> = grid.rects().map(|r| r.count()).collect();
    let mut prev_errors = 0;
    while let Some(frame) = decoder.recv()? {
        interrupted()?;
        let t = frame.index;
        if frame.decode_errors > 0 {
            collected.decode_errors.push((t as u64, frame.decode_errors));
            anyhow::ensure!(
                !opts.strict,
                "{}: frame {t}: {} decoder error(s) (--strict stops at the first damaged frame)",
                opts.input,
                frame.decode_errors
            );
        }
        let params = match (&warp, t) {
            (Some(w), 1..) => Some(w.for_pair(t as u64 - 1)?),
            _ => None,
        };
        let out = graph.push_frame_with(&frame.data, params)?;
        let stats = out.stats.context("block stats pass did not run")?;
        collected.mean.extend(stats.iter().zip(&counts).map(|(s, &n)| BlockStat::mean(s.sum_a, n)));
        if t > 0 {
            let motion = out.motion.context("motion pass did not run")?;
            let mc = out.mc_stats.context("residual pass did not run")?;
            collected.sad.extend(stats.iter().map(|s| s.sad));
            collected.sse.extend(stats.iter().map(|s| s.sse));
            collected.motion.extend(motion.iter().flat_map(|m| [m.dx, m.dy]));
            collected.mc_sad.extend(mc.iter().map(|s| s.sad));
            collected.mc_sse.extend(mc.iter().map(|s| s.sse));
            let pair = t as u64 - 1;
            let modes = match params {
                Some(p) => modes_from_warp(p),
                None => modes_from_vectors(&motion),
            };
            let stream = match &learner {
                Some(file) => file.stream_for_pair(pair, &modes)?,
                None => out.symbols.context("symbols pass did not run")?,
            };
            let rates = block_rates(&stream, &modes, &grid, &layout);
            let bytes: Vec<u8> = stream.iter().flat_map(|w| w.to_le_bytes()).collect();
            bin.write_all(&bytes).with_context(|| format!("{}: cannot write", bin_path.display()))?;
            collected.rate.extend(rates.iter().map(|r| r.total() as f32));
            collected.pair_bits.push(
                rates
                    .iter()
                    .fold([0.0; 3], |acc, r| [acc[0] + r.mv_bits, acc[1] + r.residual_bits, acc[2] + r.total()]),
            );
            let rows = PairRows {
                pair,
                grid: &grid,
                stats: &stats,
                motion: Some(&motion),
                mc: Some(&mc),
                rates: Some(&rates),
                counts: &counts,
                decode_errors: prev_errors + frame.decode_errors,
            };
            rows.write(&mut csv)?;
        }
        prev_errors = frame.decode_errors;
        if opts.dump.raw {
            write_png_gray(&frame_png(&dir, "raw", t), info.width, info.height, &frame.data)?;
        }
        for (plane, kind) in [(&out.diff, "diff"), (&out.predicted, "predicted"), (&out.residual, "residual")] {
            if let (true, Some(data)) = (t > 0, plane) {
                write_png_gray(&frame_png(&dir, kind, t), info.width, info.height, data)?;
            }
        }
        collected.frames += 1;
        bar.inc(1);
    }
    bar.finish_and_clear();
    csv.flush().with_context(|| format!("{}: cannot write", csv_path.display()))?;
    bin.flush().with_context(|| format!("{}: cannot write", bin_path.display()))?;
    anyhow::ensure!(collected.frames > 0, "{}: no frames could be decoded", opts.input);

    let frames = collected.frames;
    let pairs = frames - 1;
    let (by, bx) = (grid.blocks_y() as u64, grid.blocks_x() as u64);
    write_npy(&dir.join("sad.npy"), &[pairs, by, bx], &collected.sad)?;
    write_npy(&dir.join("sse.npy"), &[pairs, by, bx], &collected.sse)?;
    write_npy(&dir.join("mean.npy"), &[frames, by, bx], &collected.mean)?;
    write_npy(&dir.join("motion.npy"), &[pairs, by, bx, 2], &collected.motion)?;
    write_npy(&dir.join("mc_sad.npy"), &[pairs, by, bx], &collected.mc_sad)?;
    write_npy(&dir.join("mc_sse.npy"), &[pairs, by, bx], &collected.mc_sse)?;
    write_npy(&dir.join("rate.npy"), &[pairs, by, bx], &collected.rate)?;
    let mut manifest = build_manifest(ctx, opts, &info, &grid, frames);
    add_symbols_manifest(&mut manifest, opts, &layout, &collected.pair_bits);
    manifest.decode_errors = Some(DecodeErrorsManifest::new(&collected.decode_errors));
    let manifest_path = dir.join("manifest.json");
    std::fs::write(&manifest_path, serde_json::to_string_pretty(&manifest)? + "\n")
        .with_context(|| format!("{}: cannot write", manifest_path.display()))?;
    interrupted()?;
    let out = staged.commit()?;
    Ok(AnalyzeSummary {
        out,
        stream_input: opts.input.clone(),
        stream: format!("({} {}, {:.3} fps)", info.codec, info.pixel_format, info.fps),
        frames,
        pairs,
        width: info.width,
        height: info.height,
        block: opts.block,
        seconds: start.elapsed().as_secs_f64(),
        device: ctx.describe(),
        decode_errors: collected.decode_errors,
    })
}

fn frame_png(dir: &Path, kind: &str, t: usize) -> PathBuf {
    dir.join(kind).join(format!("{t:06}.png"))
}

pub(crate) const CSV_HEADER: &str =
    "pair,by,bx,sad,sse,mean_cur,mean_ref,dx,dy,mc_sad,mc_sse,mv_bits,residual_bits,rate_bits,decode_errors";

/// The stats.csv rows of one pair. Motion, MC stats and rates may be missing (the viewer's export
/// of a frame shown without them): their fields are then left empty.
pub(crate) struct PairRows<'a> {
    pub pair: u64,
    pub grid: &'a BlockGrid,
    pub stats: &'a [BlockStat],
    pub motion: Option<&'a [MotionVector]>,
    pub mc: Option<&'a [BlockStat]>,
    pub rates: Option<&'a [BlockRate]>,
    pub counts: &'a [u32],
    /// Decoder errors counted on the pair's two frames (cur + ref); 0 for clean frames.
    pub decode_errors: u32,
}

impl PairRows<'_> {
    pub(crate) fn write(&self, csv: &mut impl Write) -> std::io::Result<()> {
        let bx_count = self.grid.blocks_x() as usize;
        for (i, s) in self.stats.iter().enumerate() {
            let (by, bx, n) = (i / bx_count, i % bx_count, self.counts[i]);
            let (mean_cur, mean_ref) = (BlockStat::mean(s.sum_a, n), BlockStat::mean(s.sum_b, n));
            let motion = match (self.motion.and_then(|m| m.get(i)), self.mc.and_then(|m| m.get(i))) {
                (Some(m), Some(mc)) => format!("{},{},{},{}", m.dx, m.dy, mc.sad, mc.sse),
                _ => ",,,".into(),
            };
            // The same float32 values as rate.npy.
            let rate = match self.rates.and_then(|r| r.get(i)) {
                Some(r) => format!("{},{},{}", r.mv_bits as f32, r.residual_bits as f32, r.total() as f32),
                None => ",,".into(),
            };
            let errors = self.decode_errors;
            writeln!(
                csv,
                "{},{by},{bx},{},{},{mean_cur},{mean_ref},{motion},{rate},{errors}",
                self.pair, s.sad, s.sse
            )?;
        }
        Ok(())
    }
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
        "motion.npy".into(),
        entry(vec![pairs, by, bx, 2], "int32", "motion search vector (dx, dy): pred(x, y) = ref(x + dx, y + dy)"),
    );
    files.insert("mc_sad.npy".into(), entry(vec![pairs, by, bx], "uint32", "SAD of frame p+1 vs its prediction"));
    files.insert("mc_sse.npy".into(), entry(vec![pairs, by, bx], "uint32", "SSE of frame p+1 vs its prediction"));
    files.insert(
        "stats.csv".into(),
        entry(vec![pairs * by * bx, CSV_HEADER.split(',').count() as u64], "csv", CSV_HEADER),
    );
    files.insert(
        "rate.npy".into(),
        entry(
            vec![pairs, by, bx],
            "float32",
            "MDL bits per block: side information + residual trits (docs/symbols.md)",
        ),
    );
    let layout = SymbolLayout::new(grid.block, opts.quant);
    files.insert(
        "symbols.bin".into(),
        entry(
            vec![pairs, by, bx, layout.record_words() as u64],
            "uint32 little-endian",
            "symbol stream: one record per block (see \"symbols\" and docs/symbols.md)",
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
    let dumps = [
        dumped(opts.dump.raw, "raw", 0),
        dumped(opts.dump.diff, "diff", 1),
        dumped(opts.dump.predicted, "predicted", 1),
        dumped(opts.dump.residual, "residual", 1),
    ];
    for (enabled, name, e) in dumps {
        if enabled {
            files.insert(name, e);
        }
    }
    let mut conventions = BTreeMap::new();
    conventions.insert("pairs".into(), "pair p compares frame t = p+1 (cur) with frame p (ref)".into());
    conventions
        .insert("block_grid".into(), "By = ceil(H/b), Bx = ceil(W/b); edge blocks count only inside pixels".into());
    conventions.insert("luma".into(), "8-bit Y plane as stored, no range conversion".into());
    conventions.insert(
        "motion".into(),
        "full search |dx|,|dy| <= range, reads clamped to the edge; ties: smallest |dx|+|dy|, then dy, then dx".into(),
    );
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
        range: Some(opts.range),
        prediction: match &opts.warp_params {
            Some(path) => format!("warp params from {}", path.display()),
            None => "motion search vectors (integer translation)".into(),
        },
        pixel_format: info.pixel_format.clone(),
        bit_depth: info.bit_depth,
        luma_reduction: if info.bit_depth > 8 { format!(">> {}", info.bit_depth - 8) } else { "none".into() },
        fps: info.fps,
        device: ctx.describe(),
        passes: ["diff", "block_stats", "motion_search", "warp", "residual", "symbols"].map(String::from).to_vec(),
        not_implemented: vec!["--dump heatmap".into()],
        conventions,
        files,
        symbols: None,
        rate: None,
        decode_errors: None,
    }
}

/// The `symbols` and `rate` objects of the manifest.
fn add_symbols_manifest(manifest: &mut Manifest, opts: &AnalyzeOptions, layout: &SymbolLayout, pair_bits: &[[f64; 3]]) {
    let source = match &opts.symbols {
        Some(path) => format!("learner trits from {}", path.display()),
        None => "GPU symbols pass".into(),
    };
    manifest.symbols =
        Some(SymbolsManifest::new(layout, [manifest.blocks_y, manifest.blocks_x], manifest.pairs, source));
    let pixels = manifest.width as f64 * manifest.height as f64;
    manifest.rate = Some(RateManifest::new(pair_bits, pixels));
}
