//! `vidscope analyze`: decode every frame, run diff, block stats, motion search, warp, residual and
//! symbols on the GPU, and export the per-block sad/sse/mean/motion/mc NPYs, the MDL rate (rate.npy),
//! per-pair totals (frames.csv) and manifest.json; on request (`--export`) the symbol stream
//! (symbols.bin) and the per-block stats.csv; optional PNG dumps (formats in docs/ARCHITECTURE.md,
//! README.md and docs/symbols.md). The files are written off the pipeline's thread (`writer.rs`).

use super::progress::frame_progress;
use super::writer::{FrameJob, Writer, WriterConfig, Written};
use crate::gpu::GpuContext;
use crate::passes::outputs as out;
use crate::passes::{
    dump_exports, expected_frames, ArrayExport, DriveOptions, DumpExport, Export, FrameDriver, Group, MotionInputs,
    MotionSource, PassDesc, PassSelection, PASSES,
};
use crate::reference::flow_colour::flow_scale_px;
use crate::reference::{BlockGrid, BlockSize, Lambda, QuantStep, SearchRange, Subpel, SymbolLayout};
use crate::video::stream_meta::format_change_warning;
use crate::video::{self, FormatChange, LumaFrame, Reference, Shutdown};
use anyhow::Context;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
use vidscope_core::formats::SymbolsFile;
use vidscope_core::formats::YuviewFile;
use vidscope_core::formats::{damaged_frame, decode_warning, DecodeErrorsManifest};
use vidscope_core::formats::{FileEntry, Manifest, RateManifest, ReferenceManifest, RunSettings, SymbolsManifest};
use vidscope_core::formats::{FlowFile, WarpParamsFile};
use vidscope_core::formats::{OwnNames, StagedDir};
use vidscope_core::formats::{CODEC_EPE_NPY, CODEC_MVS_CSV, CODEC_MVS_CSV_HEADER, CSV_HEADER, FRAMES_CSV_HEADER};
use vidscope_core::safe_fs::ReadPaths;

/// The outputs `analyze` writes only when asked (`--export`): each is large per frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExportSet {
    /// `symbols.bin`, the symbol stream (3.4 MB per 1080p frame at b16, Q = 1).
    pub symbols: bool,
    /// `stats.csv`, one text row per block (about 0.6 MB per 1080p frame at b16).
    pub block_csv: bool,
    /// `motion_cost.npy`, the motion costs (12 bytes per block: 98 kB per 1080p frame at b16).
    pub costs: bool,
}

const EXPORTS: &str = "symbols, block-csv, costs, all";

impl ExportSet {
    /// Everything analyze can write.
    pub const ALL: Self = Self { symbols: true, block_csv: true, costs: true };

    /// Whether the pass array `export` is written: always, or when its `--export` item is asked for.
    pub fn writes(&self, export: &ArrayExport) -> bool {
        match export.on_request {
            None => true,
            Some("costs") => self.costs,
            Some(_) => false,
        }
    }

    /// Parses a comma list of `symbols`, `block-csv` and `all`.
    pub fn parse(list: &str) -> anyhow::Result<Self> {
        let mut set = Self::default();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item {
                "symbols" => set.symbols = true,
                "block-csv" => set.block_csv = true,
                "costs" => set.costs = true,
                "all" => set = Self::ALL,
                other => anyhow::bail!("--export {other}: unknown output (available: {EXPORTS})"),
            }
        }
        Ok(set)
    }

    /// The names `--export` takes for this set, sorted (`[]` for the default).
    pub fn names(&self) -> Vec<String> {
        [(self.block_csv, "block-csv"), (self.costs, "costs"), (self.symbols, "symbols")]
            .into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, n)| n.to_string())
            .collect()
    }
}

/// `--dump flow`: the flow view of every pair as `flow/<t:06>.png` (RGB).
pub const FLOW_DUMP: &str = "flow";

/// Which per-frame images `--dump` writes: the input frames (`raw`), the flow view (`flow`, RGB, from
/// the read-back vectors by `reference::flow_colour`) and the planes the passes declare (`DumpExport`:
/// diff, predicted, residual, and with `--ref` ab, ab-signed).
#[derive(Clone, Debug, Default)]
pub struct DumpKinds {
    pub raw: bool,
    pub flow: bool,
    /// `--flow-scale`: the flow dump's pixels at full saturation (`None` = the search range).
    pub flow_scale: Option<f32>,
    /// Each dumped plane, with the pass that writes it.
    pub planes: Vec<(&'static PassDesc, &'static DumpExport)>,
}

impl DumpKinds {
    /// Each kind asked for: the input frames (`raw`, plane "") and the declared planes.
    fn kinds(&self) -> Vec<DumpExport> {
        let raw = self.raw.then_some(DumpExport { kind: "raw", plane: "", per_pair: false });
        let flow = self.flow.then_some(DumpExport { kind: FLOW_DUMP, plane: "", per_pair: true });
        raw.into_iter().chain(flow).chain(self.planes.iter().map(|(_, d)| **d)).collect()
    }

    /// The pipeline planes to read back.
    fn planes(&self) -> Vec<&'static str> {
        self.planes.iter().map(|(_, d)| d.plane).collect()
    }

    /// The kinds that compare with the reference, and so need `--ref`.
    fn needing_reference(&self) -> Vec<&'static str> {
        self.planes.iter().filter(|(desc, _)| desc.group == Group::Compare).map(|(_, d)| d.kind).collect()
    }

    /// Every kind `--dump` takes, for messages.
    fn available() -> String {
        let kinds: Vec<_> = ["raw", FLOW_DUMP].into_iter().chain(dump_exports().map(|(_, d)| d.kind)).collect();
        kinds.join(", ")
    }

    /// Parses a comma list such as `raw,diff`.
    pub fn parse(list: &str) -> anyhow::Result<Self> {
        let mut kinds = Self::default();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if item == "raw" {
                kinds.raw = true;
            } else if item == FLOW_DUMP {
                kinds.flow = true;
            } else if let Some(found) = dump_exports().find(|(_, d)| d.kind == item) {
                if !kinds.planes.iter().any(|(_, d)| d.kind == item) {
                    kinds.planes.push(found);
                }
            } else if item == "heatmap" {
                anyhow::bail!("--dump heatmap: not implemented yet (available: {})", Self::available());
            } else {
                anyhow::bail!("--dump {item}: unknown kind (available: {})", Self::available());
            }
        }
        // Registration order, whatever order they were named in.
        kinds.planes.sort_by_key(|(_, d)| dump_exports().position(|(_, e)| e.kind == d.kind));
        Ok(kinds)
    }
}

#[derive(Clone)]
pub struct AnalyzeOptions {
    pub input: String,
    /// The input's video stream (`--stream N`); `None` = FFmpeg's best.
    pub stream: Option<usize>,
    pub out: PathBuf,
    pub block: BlockSize,
    /// Motion search range R.
    pub range: SearchRange,
    /// Motion search weight λ (`--lambda`).
    pub lambda: Lambda,
    /// `--fb`: the backward search and the forward–backward check (motion_back.npy, fb_error.npy).
    pub fb: bool,
    /// `--subpel`: the vectors that drive the prediction refined to half or quarter pixels.
    pub subpel: Subpel,
    /// `--flow` and `--motion` (what drives the prediction; `params` = `warp_params`).
    pub motion: MotionInputs,
    /// Learner warp parameters: prediction uses them instead of the motion-search vectors.
    pub warp_params: Option<PathBuf>,
    pub max_frames: Option<usize>,
    pub dump: DumpKinds,
    /// Quantiser step Q of the symbol stream.
    pub quant: QuantStep,
    /// Learner trits: symbols.bin and the rate use them instead of the GPU's.
    pub symbols: Option<PathBuf>,
    /// A reference video compared with the input frame by frame (`--ref`, `--ref-start`).
    pub reference: Option<Reference>,
    /// Also write a YUView statistics file here.
    pub yuview_csv: Option<PathBuf>,
    /// Show a progress bar (only drawn when stderr is a terminal).
    pub progress: bool,
    /// `--strict`: stop with an error at the first frame the decoder reported damage in.
    pub strict: bool,
    /// Outputs beyond the default set.
    pub exports: ExportSet,
    /// Print the reference's stream notices and differences (off in a batch, which prints one line
    /// per file).
    pub notices: bool,
    /// Upload and read back on the compute queue, one after another (`--serial-transfers`).
    pub serial_transfers: bool,
    /// `--codec-mvs`: codec_mvs.csv and codec_epe.npy from the decoder's exported motion vectors.
    pub codec_mvs: bool,
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
    /// With `--ref`: the mean A/B error.
    pub compare: Option<String>,
    /// The input's damaged frames.
    pub damage: Damage,
    /// With `--ref`: the reference's name and its damaged frames (its own frame numbers).
    pub ref_decode_errors: Option<(String, Damage)>,
    /// The first frame's pixel format and bit depth, and every change after it.
    pub first_format: (String, u32),
    pub format_changes: Vec<FormatChange>,
    /// Bytes of every file the manifest lists.
    pub output_bytes: u64,
    /// Seconds from the first frame asked for to the last one written (what `bench` times as end
    /// to end): `seconds` less the start-up (opening the input, making the GPU pipeline, creating the
    /// files) and the manifest.
    pub frame_seconds: f64,
}

/// One input's damaged frames: (frame, decoder errors) and (frame, frames lost just before it).
#[derive(Clone, Debug, Default)]
pub struct Damage {
    pub errors: Vec<(u64, u32)>,
    pub lost: Vec<(u64, u32)>,
}

impl Damage {
    fn add(&mut self, frame: &LumaFrame) {
        self.errors.push((frame.index as u64, frame.decode_errors));
        if frame.frames_lost_before > 0 {
            self.lost.push((frame.index as u64, frame.frames_lost_before));
        }
    }
}

/// What `--strict` says at a damaged frame.
fn strict_line(frame: &LumaFrame) -> String {
    damaged_frame(frame.index as u64, frame.decode_errors, frame.frames_lost_before)
}

impl AnalyzeSummary {
    /// The one-line warning for a damaged input, when there was any damage.
    pub fn warning(&self) -> Option<String> {
        let list = "decode_errors in manifest.json and stats.csv";
        decode_warning(&self.stream_input, &self.damage.errors, &self.damage.lost, list)
    }

    /// The one-line warning for a damaged reference, when it had any damage.
    pub fn ref_warning(&self) -> Option<String> {
        let (input, damage) = self.ref_decode_errors.as_ref()?;
        decode_warning(input, &damage.errors, &damage.lost, "reference.decode_errors in manifest.json")
    }

    /// The one-line warning for pixel-format changes mid-stream, when there were any.
    pub fn format_warning(&self) -> Option<String> {
        let first = (self.first_format.0.as_str(), self.first_format.1);
        format_change_warning(&self.stream_input, first, &self.format_changes, "format_changes in manifest.json")
    }
}

impl std::fmt::Display for AnalyzeSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "analyzed {} frames ({} pairs) of {}x{} {} at block {} on {} in {:.2} s ({:.1} fps; {:.1} fps after start-up) -> {}",
            self.frames,
            self.pairs,
            self.width,
            self.height,
            self.stream,
            self.block,
            self.device,
            self.seconds,
            self.frames as f64 / self.seconds.max(1e-9),
            self.frames as f64 / self.frame_seconds.max(1e-9),
            self.out.display()
        )?;
        match &self.compare {
            Some(c) => write!(f, "; {c}"),
            None => Ok(()),
        }
    }
}

pub fn run_analyze(ctx: &Arc<GpuContext>, opts: &AnalyzeOptions) -> anyhow::Result<AnalyzeSummary> {
    let start = Instant::now();
    let reads = check_outputs(opts)?;
    let compare = opts.reference.is_some();
    let (backward, subpel, flow) = (opts.fb, opts.subpel.refines(), opts.motion.flow.is_some());
    let selection = PassSelection { compare, backward, subpel, flow, ..PassSelection::ANALYZE };
    let inputs: Vec<String> =
        std::iter::once(opts.input.clone()).chain(opts.reference.as_ref().map(|r| r.input.clone())).collect();
    let mut driver = FrameDriver::open(ctx, &inputs, drive_options(opts, &selection))?;
    let info = driver.info().clone();
    if opts.notices {
        super::notices::print_stream_notices(&info);
        if let Some(ref_info) = driver.infos().get(1) {
            warn_on_differences(&info, ref_info);
        }
    }
    let grid = driver.pipeline().grid();
    let total = expected_frames(&info, opts.max_frames);
    let layout = SymbolLayout::new(opts.block.get(), opts.quant.get());
    let (warp, learner) = learner_files(opts, &grid, &layout, total.map(|f| f.saturating_sub(1)))?;
    let settings = run_settings(opts);
    // From here a first SIGINT/SIGTERM only sets a flag: the loop stops and the staging folder goes.
    let shutdown = Shutdown::install().context("cannot install the SIGINT/SIGTERM handlers")?;
    let out_shown = format!("--out {}", opts.out.display());
    let interrupted = || shutdown.check(&out_shown, "the unfinished output was removed");
    let staged = StagedDir::create(&opts.out, &reads, &own_names())?;
    let dir = staged.path().to_path_buf();
    for kind in opts.dump.kinds().iter().map(|d| d.kind) {
        std::fs::create_dir(dir.join(kind)).with_context(|| format!("{}: cannot create", dir.join(kind).display()))?;
    }
    // With learner symbols the GPU stream is not needed: the headers come from the vectors/params.
    let selection = PassSelection { symbols: learner.is_none(), ..selection };
    configure_driver(&mut driver, opts, selection, warp)?;

    let yuview = match &opts.yuview_csv {
        Some(path) => Some(YuviewFile::create(path, &reads, &info, grid, compare)?),
        None => None,
    };
    let config = writer_config(opts, &dir, &info, grid, layout, &selection);
    let mut writer = Writer::start(config, learner, yuview)?;
    let frames_start = Instant::now();
    tracing::info!("analyze: started in {:.3} s", start.elapsed().as_secs_f64());
    let bar = frame_progress(opts.progress, total);
    let seen = send_frames(&mut driver, &mut writer, opts, &bar, &interrupted)?;
    bar.finish_and_clear();
    let written = writer.finish()?;
    let frame_seconds = frames_start.elapsed().as_secs_f64();
    let frames = seen.frames;
    tracing::info!("analyze: {frames} frames in {frame_seconds:.3} s");
    anyhow::ensure!(frames > 0, "{}: no frames could be decoded", opts.input);

    let mut manifest = build_manifest(ctx, opts, &info, &grid, frames, &selection);
    add_symbols_manifest(&mut manifest, opts, &layout, &written.pair_bits);
    add_codec_mv_entries(&mut manifest, opts, written.codec_mv_rows);
    let Written { compare: compared, yuview: yuview_csv, .. } = written;
    let mut compare_summary = None;
    if let Some((files, summary)) = compared {
        manifest.files.extend(files);
        manifest.reference = driver.infos().get(1).map(|r| ReferenceManifest {
            decode_errors: Some(DecodeErrorsManifest::new(&seen.ref_damage.errors, &seen.ref_damage.lost)),
            ..ReferenceManifest::new(r, ref_start(opts), frames)
        });
        compare_summary = Some(summary);
    }
    manifest.decode_errors = Some(DecodeErrorsManifest::new(&seen.damage.errors, &seen.damage.lost));
    manifest.format_changes = seen.format_changes.clone();
    manifest.exports = Some(opts.exports.names());
    manifest.settings = Some(settings);
    let output_bytes = write_manifest(&dir, manifest)?;
    interrupted()?;
    let out = staged.commit()?;
    // After the folder: a YUView file that cannot be placed keeps its own copy aside and fails the
    // command, without costing the analysis.
    if let Some(y) = yuview_csv {
        y.commit().map_err(|e| anyhow::anyhow!("--yuview-csv {e}"))?;
    }
    Ok(AnalyzeSummary {
        out,
        stream_input: opts.input.clone(),
        stream: format!("({} {}, {:.3} fps)", info.codec, info.pixel_format, info.fps),
        frames,
        pairs: frames - 1,
        width: info.width,
        height: info.height,
        block: opts.block.get(),
        seconds: start.elapsed().as_secs_f64(),
        device: ctx.describe(),
        compare: compare_summary,
        damage: seen.damage,
        ref_decode_errors: opts.reference.as_ref().map(|r| (r.input.clone(), seen.ref_damage)),
        first_format: (info.pixel_format.clone(), info.bit_depth),
        format_changes: seen.format_changes,
        output_bytes,
        frame_seconds,
    })
}

/// The learner's files (`--warp-params`, `--symbols`), loaded and checked against the grid and the
/// expected number of pairs.
fn learner_files(
    opts: &AnalyzeOptions,
    grid: &BlockGrid,
    layout: &SymbolLayout,
    pairs: Option<u64>,
) -> anyhow::Result<(Option<WarpParamsFile>, Option<SymbolsFile>)> {
    let warp = match &opts.warp_params {
        Some(path) => Some(WarpParamsFile::load(path, grid, pairs)?),
        None => None,
    };
    let symbols = match &opts.symbols {
        Some(path) => Some(SymbolsFile::load(path, grid, layout, pairs)?),
        None => None,
    };
    Ok((warp, symbols))
}

/// Hands the driver the passes and their settings, and the motion besides the search: the learner's
/// warp parameters when they drive the prediction (`--motion params`), and the dense flow (`--flow`:
/// compared with the search always, predicting with `--motion flow`).
fn configure_driver(
    driver: &mut FrameDriver,
    opts: &AnalyzeOptions,
    selection: PassSelection,
    warp: Option<WarpParamsFile>,
) -> anyhow::Result<()> {
    let pipeline = driver.pipeline_mut();
    pipeline.set_selection(selection)?;
    pipeline.set_range(opts.range);
    pipeline.set_lambda(opts.lambda);
    pipeline.set_subpel(opts.subpel.get());
    pipeline.set_quant(opts.quant);
    let source = opts.motion.source(opts.warp_params.is_some()).map_err(anyhow::Error::msg)?;
    driver.set_warp(warp.filter(|_| source == MotionSource::Params));
    driver.set_codec_drives(source == MotionSource::Codec);
    driver.attach_flow(&opts.motion, source)
}

/// The per-block arrays of the passes that run that this run writes (some only on `--export`).
fn written_arrays(opts: &AnalyzeOptions, selection: &PassSelection) -> Vec<&'static ArrayExport> {
    selection.array_exports().into_iter().filter(|a| opts.exports.writes(a)).collect()
}

/// What the writer thread writes, and where.
fn writer_config(
    opts: &AnalyzeOptions,
    dir: &Path,
    info: &video::StreamInfo,
    grid: BlockGrid,
    layout: SymbolLayout,
    selection: &PassSelection,
) -> WriterConfig {
    WriterConfig {
        dir: dir.to_path_buf(),
        grid,
        layout,
        width: info.width,
        height: info.height,
        symbols: opts.exports.symbols,
        block_csv: opts.exports.block_csv,
        yuview: opts.yuview_csv.is_some(),
        dumps: opts.dump.kinds(),
        flow_scale: flow_scale_px(opts.dump.flow_scale, opts.range.get()),
        arrays: written_arrays(opts, selection),
        compare: selection.compare,
        codec_mvs: opts.codec_mvs,
    }
}

/// Checks, before anything is opened or written, that the dump kinds asked for have what they need
/// and that no output is a file this run reads; returns what the run reads.
fn check_outputs(opts: &AnalyzeOptions) -> anyhow::Result<ReadPaths> {
    let compared = opts.dump.needing_reference();
    anyhow::ensure!(
        opts.reference.is_some() || compared.is_empty(),
        "--dump {}: need a reference video (--ref REF)",
        compared.join(", ")
    );
    opts.motion.source(opts.warp_params.is_some()).map_err(anyhow::Error::msg)?;
    let mut reads = video::read_paths(
        &[("INPUT", Some(&opts.input)), ("--ref", opts.reference.as_ref().map(|r| r.input.as_str()))],
        &[("--warp-params", opts.warp_params.as_deref()), ("--symbols", opts.symbols.as_deref())],
    );
    if let Some(spec) = &opts.motion.flow {
        reads.add_all("--flow", FlowFile::open(spec)?.paths());
    }
    reads.check_dir("--out", &opts.out)?;
    if let Some(path) = &opts.yuview_csv {
        reads.check_file("--yuview-csv", path)?;
    }
    Ok(reads)
}

/// How the driver runs for analyze: which planes and result buffers come back, and where the
/// decoders write.
fn drive_options(opts: &AnalyzeOptions, selection: &PassSelection) -> DriveOptions {
    // Read back what the files need: with learner symbols the GPU stream is not needed.
    let mut readback = vec![out::STATS, out::VECTORS, out::MC_STATS];
    if opts.symbols.is_none() {
        readback.push(out::SYMBOLS);
    }
    if selection.compare {
        readback.extend([out::AB_STATS, out::SSIM, out::AB_CHROMA, out::MS_SSIM]);
    }
    // And the buffers of the arrays the passes declare.
    for export in written_arrays(opts, selection) {
        if !readback.contains(&export.buffer) {
            readback.push(export.buffer);
        }
    }
    DriveOptions {
        planes: opts.dump.planes(),
        max_frames: opts.max_frames,
        offsets: vec![ref_start(opts)],
        stream: opts.stream,
        // --motion codec predicts from them: exported then too.
        codec_mvs: opts.codec_mvs || opts.motion.choice == Some(MotionSource::Codec),
        // The decoders write luma straight into the upload's staging memory, unless the raw frames
        // are dumped (which needs them on the host) or a reference is compared: the chroma metrics
        // need both inputs' chroma, which staged decoding does not carry (docs/ARCHITECTURE.md,
        // "Chroma PSNR and MS-SSIM": the host path's cost).
        staged: !opts.dump.raw && opts.reference.is_none(),
        chroma: opts.reference.is_some(),
        readback: Some(readback),
        overlap_transfers: !opts.serial_transfers,
        ..DriveOptions::new(opts.block, *selection)
    }
}

/// What the frame loop saw of the inputs: frames, damage and format changes.
#[derive(Default)]
struct Seen {
    frames: u64,
    damage: Damage,
    /// The reference's damaged frames, in its own frame numbers.
    ref_damage: Damage,
    format_changes: Vec<FormatChange>,
}

/// Hands every frame's results to the writer, counting damage (and stopping at it with `--strict`)
/// and stopping at a signal.
fn send_frames(
    driver: &mut FrameDriver,
    writer: &mut Writer,
    opts: &AnalyzeOptions,
    bar: &indicatif::ProgressBar,
    interrupted: &dyn Fn() -> Result<(), video::Interrupted>,
) -> anyhow::Result<Seen> {
    let mut seen = Seen::default();
    let mut prev_errors = 0;
    while let Some(mut out) = driver.next(true)? {
        interrupted()?;
        let frame_errors = out.frame(0).map_or(0, |f| f.decode_errors);
        if let Some(change) = out.frame(0).and_then(|f| f.format_change.clone()) {
            seen.format_changes.push(change);
        }
        if let Some(frame) = out.frame(0).filter(|f| f.decode_errors > 0) {
            seen.damage.add(frame);
            anyhow::ensure!(!opts.strict, "{}: {}", opts.input, strict_line(frame));
        }
        // The reference's damage counts the same way, in its own frame numbers.
        if let (Some(reference), Some(frame)) = (&opts.reference, out.frame(1).filter(|f| f.decode_errors > 0)) {
            seen.ref_damage.add(frame);
            anyhow::ensure!(!opts.strict, "--ref {}: {}", reference.input, strict_line(frame));
        }
        // The per-block warps that predicted the frame (--warp-params, --motion codec), for the rate.
        let warp = out.warp.take();
        writer.send(FrameJob { results: out, errors: frame_errors, prev_errors, warp })?;
        prev_errors = frame_errors;
        seen.frames += 1;
        bar.inc(1);
    }
    Ok(seen)
}

/// Measures the listed files, then writes manifest.json into `dir`; returns the files' bytes.
fn write_manifest(dir: &Path, mut manifest: Manifest) -> anyhow::Result<u64> {
    let output_bytes = measure_files(dir, &mut manifest.files)?;
    manifest.output_bytes = Some(output_bytes);
    manifest.bytes_per_frame = Some(output_bytes as f64 / manifest.frames as f64);
    let manifest_path = dir.join("manifest.json");
    std::fs::write(&manifest_path, serde_json::to_string_pretty(&manifest)? + "\n")
        .with_context(|| format!("{}: cannot write", manifest_path.display()))?;
    Ok(output_bytes)
}

/// Every name analyze may write into its folder: the fixed outputs, and every array and dump folder
/// a registered pass declares (so an earlier output of any selection may be replaced).
pub fn own_names() -> OwnNames {
    let arrays = PASSES.iter().flat_map(|desc| desc.exports).filter_map(|e| match e {
        Export::Array(a) => Some(a.file),
        _ => None,
    });
    OwnNames::default().with(arrays, dump_exports().map(|(_, d)| d.kind).chain([FLOW_DUMP]))
}

/// What this run was asked for: compared with a finished output's manifest to skip it in a batch.
pub fn run_settings(opts: &AnalyzeOptions) -> RunSettings {
    let absolute = |p: &str| -> String {
        match std::fs::canonicalize(p) {
            Ok(path) => path.display().to_string(),
            Err(_) => p.to_string(),
        }
    };
    let mut dump: Vec<String> = opts.dump.kinds().iter().map(|d| d.kind.to_string()).collect();
    dump.sort();
    RunSettings {
        input_path: absolute(&opts.input),
        input_bytes: std::fs::metadata(&opts.input).ok().filter(|m| m.is_file()).map(|m| m.len()),
        stream: opts.stream,
        block: opts.block.get(),
        range: opts.range.get(),
        lambda: opts.lambda.get(),
        fb: opts.fb,
        subpel: opts.subpel.get(),
        quant: opts.quant.get(),
        max_frames: opts.max_frames,
        exports: opts.exports.names(),
        dump,
        warp_params: opts.warp_params.as_ref().map(|p| absolute(&p.display().to_string())),
        flow: opts.motion.flow.as_deref().map(absolute),
        motion: opts.motion.source(opts.warp_params.is_some()).ok().map(|m| m.name().to_string()),
        symbols: opts.symbols.as_ref().map(|p| absolute(&p.display().to_string())),
        reference: opts.reference.as_ref().map(|r| absolute(&r.input)),
        ref_start: ref_start(opts),
        codec_mvs: opts.codec_mvs,
    }
}

/// What predicted each frame, for the manifest.
fn prediction_source(opts: &AnalyzeOptions) -> String {
    match (opts.motion.source(opts.warp_params.is_some()), &opts.warp_params, &opts.motion.flow) {
        (Ok(MotionSource::Params), Some(path), _) => format!("warp params from {}", path.display()),
        (Ok(MotionSource::Flow), _, Some(flow)) => format!("dense flow from {flow} (1/16 px, integer bilinear)"),
        (Ok(MotionSource::Codec), _, _) => {
            "codec motion vectors (the past-direction vector covering each block's centre; zero where none)".into()
        }
        _ if opts.subpel.refines() => format!("motion search vectors refined to 1/{} px", opts.subpel.get()),
        _ => "motion search vectors (integer translation)".into(),
    }
}

/// Fills in every listed file's size and bytes per row; returns their total.
fn measure_files(dir: &Path, files: &mut BTreeMap<String, FileEntry>) -> anyhow::Result<u64> {
    let mut total = 0;
    for (name, entry) in files.iter_mut() {
        let path = dir.join(name.trim_end_matches('/'));
        let rows = entry.shape.first().copied().unwrap_or(0);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let fixed = if name.ends_with('/') {
            0
        } else if entry.dtype == "csv" {
            // The header line.
            let mut line = Vec::new();
            let file = std::fs::File::open(&path).with_context(|| format!("{}: cannot read", path.display()))?;
            std::io::BufRead::read_until(&mut std::io::BufReader::new(file), b'\n', &mut line)
                .with_context(|| format!("{}: cannot read", path.display()))?;
            line.len() as u64
        } else {
            // NPY header (or none, symbols.bin): what is not the rows' 4-byte values.
            let row: u64 = entry.shape.iter().skip(1).product();
            size.saturating_sub(rows * row * 4)
        };
        entry.measure(&path, fixed).with_context(|| format!("{}: cannot read its size", path.display()))?;
        total += entry.bytes.unwrap_or(0);
    }
    Ok(total)
}

/// Says on stderr how the reference's stream differs from the input's (it is compared anyway).
fn warn_on_differences(input: &video::StreamInfo, reference: &video::StreamInfo) {
    for line in video::reference_differences(input, reference) {
        eprintln!("vidscope: warning: {line}");
    }
}

/// `--ref-start` (0 without a reference).
fn ref_start(opts: &AnalyzeOptions) -> usize {
    opts.reference.as_ref().map_or(0, |r| r.start)
}

/// Every file of the output folder but the manifest, with its shape, type and meaning.
fn manifest_files(
    opts: &AnalyzeOptions,
    info: &video::StreamInfo,
    grid: &BlockGrid,
    frames: u64,
    selection: &PassSelection,
) -> BTreeMap<String, FileEntry> {
    let pairs = frames - 1;
    let (by, bx) = (grid.blocks_y() as u64, grid.blocks_x() as u64);
    let entry = FileEntry::new;
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
    if opts.exports.block_csv {
        files.insert(
            "stats.csv".into(),
            entry(vec![pairs * by * bx, CSV_HEADER.split(',').count() as u64], "csv", CSV_HEADER),
        );
    }
    files.insert(
        "frames.csv".into(),
        entry(
            vec![pairs, FRAMES_CSV_HEADER.split(',').count() as u64],
            "csv",
            &format!("{FRAMES_CSV_HEADER}: each pair's totals over its blocks (bits as in rate.npy)"),
        ),
    );
    files.insert(
        "rate.npy".into(),
        entry(
            vec![pairs, by, bx],
            "float32",
            "MDL bits per block: side information + residual trits (docs/symbols.md)",
        ),
    );
    let layout = SymbolLayout::new(grid.block, opts.quant.get());
    if opts.exports.symbols {
        files.insert(
            "symbols.bin".into(),
            entry(
                vec![pairs, by, bx, layout.record_words() as u64],
                "uint32 little-endian",
                "symbol stream: one record per block (see \"symbols\" and docs/symbols.md)",
            ),
        );
    }
    for DumpExport { kind, per_pair, .. } in opts.dump.kinds() {
        // The input frames and the A/B planes exist for every frame, the pair planes from frame 1.
        let n = frames.saturating_sub(per_pair as u64);
        if kind == FLOW_DUMP {
            let scale = flow_scale_px(opts.dump.flow_scale, opts.range.get());
            let about = format!(
                "{kind}/<t:06>.png, t = current frame: each block's motion (minus its vector) on the Middlebury \
                 colour wheel, full saturation at {scale} px, dimmed beyond (docs/ARCHITECTURE.md, \"Flow colours\")"
            );
            files.insert(
                format!("{kind}/"),
                entry(vec![n, info.height as u64, info.width as u64, 3], "png uint8 rgb", &about),
            );
            continue;
        }
        files.insert(
            format!("{kind}/"),
            entry(
                vec![n, info.height as u64, info.width as u64],
                "png uint8 gray",
                &format!("{kind}/<t:06>.png, t = current frame"),
            ),
        );
    }
    for export in written_arrays(opts, selection) {
        let mut shape = vec![pairs];
        shape.extend(export.row_shape(grid));
        files.insert(export.file.into(), entry(shape, export.dtype.name(), export.about));
    }
    files
}

/// The manifest entries of `--codec-mvs` (docs/ARCHITECTURE.md, "Codec motion vectors"), when it ran.
fn add_codec_mv_entries(manifest: &mut Manifest, opts: &AnalyzeOptions, rows: u64) {
    if !opts.codec_mvs {
        return;
    }
    let (pairs, by, bx) = (manifest.pairs, u64::from(manifest.blocks_y), u64::from(manifest.blocks_x));
    let files = &mut manifest.files;
    let columns = CODEC_MVS_CSV_HEADER.split(',').count() as u64;
    let about = format!(
        "{CODEC_MVS_CSV_HEADER}: the codec's motion vectors of frame t as FFmpeg exports them (AVMotionVector, \
         flags left out), one row per partition and direction in side-data order; source < 0 past, > 0 future; \
         src = dst + motion/motion_scale; vidscope's (dx, dy) = (motion_x, motion_y)/motion_scale for source < 0"
    );
    files.insert(CODEC_MVS_CSV.into(), FileEntry::new(vec![rows, columns], "csv", &about));
    files.insert(
        CODEC_EPE_NPY.into(),
        FileEntry::new(
            vec![pairs, by, bx],
            "float32",
            "px: |codec vector - motion.npy vector| of the first past-direction (source < 0) codec vector of frame \
             p+1 covering the block's centre (x0 + (w-1)//2, y0 + (h-1)//2); NaN where none",
        ),
    );
}

/// The manifest of a finished run, less what is known only once the files are written.
fn build_manifest(
    ctx: &GpuContext,
    opts: &AnalyzeOptions,
    info: &video::StreamInfo,
    grid: &BlockGrid,
    frames: u64,
    selection: &PassSelection,
) -> Manifest {
    let pairs = frames - 1;
    let files = manifest_files(opts, info, grid, frames, selection);
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
        range: Some(opts.range.get()),
        lambda: opts.lambda.get(),
        subpel: opts.subpel.get(),
        prediction: prediction_source(opts),
        pixel_format: info.pixel_format.clone(),
        bit_depth: info.bit_depth,
        luma_reduction: FormatChange::luma_reduction(info.bit_depth),
        format_changes: Vec::new(),
        video_stream: info.meta.choice.video_stream,
        stream_index: info.meta.choice.stream_index,
        video_streams: info.meta.choice.streams.len(),
        rotation_ignored_deg: info.meta.rotation_deg,
        field_order: info.meta.field_order.name().into(),
        fps: info.fps,
        device: ctx.describe(),
        // Set from the selection that ran (registry names).
        passes: selection.pass_names().into_iter().map(String::from).collect(),
        not_implemented: vec!["--dump heatmap".into()],
        conventions,
        exports: None,
        output_bytes: None,
        bytes_per_frame: None,
        settings: None,
        files,
        symbols: None,
        rate: None,
        reference: None,
        decode_errors: None,
    }
}

/// The `symbols` and `rate` objects of the manifest.
fn add_symbols_manifest(manifest: &mut Manifest, opts: &AnalyzeOptions, layout: &SymbolLayout, pair_bits: &[[f64; 3]]) {
    let source = match &opts.symbols {
        Some(path) => format!("learner trits from {}", path.display()),
        None => "GPU symbols pass".into(),
    };
    let mut symbols = SymbolsManifest::new(layout, [manifest.blocks_y, manifest.blocks_x], manifest.pairs, source);
    if !opts.exports.symbols {
        // The stream's layout still describes what rate.npy was computed from.
        symbols.file = "not written (--export symbols writes symbols.bin)".into();
    }
    manifest.symbols = Some(symbols);
    let pixels = manifest.width as f64 * manifest.height as f64;
    manifest.rate = Some(RateManifest::new(pair_bits, pixels));
}
