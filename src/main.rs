//! The `vidscope` command line: view (also `vidscope INPUT`) | analyze | record | bench. Errors print one line and
//! exit with status 2 (130 / 143 for a run stopped by SIGINT / SIGTERM).

use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use vidscope::analysis::{self, AnalyzeOptions, BatchOptions, BenchOptions, DumpKinds, ExportSet};
use vidscope::formats::npy_frames::NpyScale;
use vidscope::gpu::{GpuContext, GpuOptions, ValidationMode};
use vidscope::passes::PassSelection;
use vidscope::reference::{BlockSize, QuantStep, SearchRange, Subpel};
use vidscope::video::RefStart;
use viewer_cli::MotionArgs;

mod viewer_cli;

#[derive(Parser)]
#[command(
    name = "vidscope",
    version,
    about = "GPU video diagnostics: diff, block stats, exact against a CPU reference",
    subcommand_negates_reqs = true
)]
struct Cli {
    #[command(flatten)]
    gpu: GpuArgs,
    #[command(flatten)]
    npy: NpyArgs,
    #[command(flatten)]
    motion: MotionArgs,
    #[command(subcommand)]
    command: Option<Command>,
    /// `vidscope INPUT [OPTIONS]` is `vidscope view INPUT [OPTIONS]`
    #[command(flatten)]
    view: Option<viewer_cli::ViewArgs>,
}

#[derive(Args)]
struct GpuArgs {
    /// Use the first Vulkan device whose name contains this (default: discrete > integrated > virtual > cpu)
    #[arg(long, global = true, value_name = "SUBSTRING")]
    gpu: Option<String>,
    /// Khronos validation layer (for developers: slows every run, and any message it prints fails the
    /// command); auto = on whenever it is installed. The tests and CI set VIDSCOPE_VALIDATION=on
    #[arg(long, global = true, value_enum, env = "VIDSCOPE_VALIDATION", default_value_t = ValidationArg::Off)]
    validation: ValidationArg,
}

/// How `.npy` frame stacks (any input or `--ref`) are read: declared once, for every command.
#[derive(Args)]
struct NpyArgs {
    /// Float .npy inputs hold values in [0, 1] (1, the default) or [0, 255] (255)
    #[arg(long, global = true, value_name = "1|255", default_value = "1", value_parser = ["1", "255"])]
    npy_range: String,
    /// uint16 .npy inputs hold samples of D bits (9..=16, default 16; 10 for 10-bit data), reduced to 8 as video
    #[arg(long, global = true, value_name = "D", default_value_t = 16, value_parser = clap::value_parser!(u32).range(9..=16))]
    npy_bits: u32,
}

/// Parses an input path into the string vidscope opens (a path that is not UTF-8 gets a UTF-8 alias).
fn input_arg() -> impl clap::builder::TypedValueParser<Value = String> {
    use clap::builder::TypedValueParser as _;
    clap::builder::OsStringValueParser::new().try_map(vidscope::video::input_string)
}

/// A second video compared with the input frame by frame.
#[derive(Args)]
struct RefArgs {
    /// Reference video (any input vidscope reads): frame t of INPUT is compared with frame t + --ref-start of REF
    #[arg(long = "ref", value_name = "REF", value_parser = input_arg())]
    reference: Option<String>,
    /// First frame of REF to compare with frame 0 of INPUT, or auto[:K]: the offset in -K..=K (default 30)
    /// with the lowest luma MSE over the first frames (printed, with the runner-up)
    #[arg(long, value_name = "N|auto[:K]", default_value = "0", requires = "reference")]
    ref_start: RefStart,
}

impl RefArgs {
    fn reference(self, input: &str) -> anyhow::Result<Option<vidscope::video::Reference>> {
        let start = self.ref_start;
        let resolve = |r| vidscope::video::Reference::resolve(input, r, start).map_err(anyhow::Error::msg);
        self.reference.map(resolve).transpose()
    }
}

/// `--validation`, as the command line spells it (the gpu crate knows no clap).
#[derive(Clone, Copy, Debug, ValueEnum)]
enum ValidationArg {
    /// On whenever the layer is installed
    Auto,
    /// On; fail if the layer is not installed
    On,
    Off,
}

impl From<ValidationArg> for ValidationMode {
    fn from(v: ValidationArg) -> Self {
        match v {
            ValidationArg::Auto => ValidationMode::Auto,
            ValidationArg::On => ValidationMode::On,
            ValidationArg::Off => ValidationMode::Off,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Open the viewer window: raw, diff and heatmap views of every frame, computed on the GPU
    View(viewer_cli::ViewArgs),
    /// Export per-block SAD/SSE/mean/motion/rate (NPY), per-pair totals (CSV), on request the symbol
    /// stream and per-block CSV, PNG dumps and manifest.json for every frame pair; one input or many
    Analyze(AnalyzeArgs),
    /// Render the viewer's composite offscreen (no window) into an MP4, frame by frame
    Record(viewer_cli::RecordArgs),
    /// Time decoding, upload and each GPU pass (timestamp queries), and end-to-end fps
    Bench(BenchArgs),
}

/// `--block`, `--range` and `--quant` of analyze and bench, parsed once into checked types. (view
/// and record declare theirs beside their other fields: see `viewer_cli::CompareArgs`.)
#[derive(Args)]
struct ParamArgs {
    /// Block size in pixels: 4, 8, 16, 32, 64 or 128
    #[arg(long, short, default_value = "16")]
    block: BlockSize,
    /// Motion search range R: |dx|, |dy| <= R (0..=64)
    #[arg(long, short, default_value = "16")]
    range: SearchRange,
    /// Quantiser step Q of the symbol stream (symbols.bin, rate.npy, the symbols pass): 1..=255, 1 = lossless
    #[arg(long, value_name = "Q", default_value = "1")]
    quant: QuantStep,
}

/// `vidscope analyze`'s arguments.
#[derive(Args)]
struct AnalyzeArgs {
    /// Video file(s) (anything FFmpeg opens), .y4m files, or synthetic:WxH[@FPS]; several need --out-root
    #[arg(value_name = "INPUT", required_unless_present = "inputs_from", value_parser = input_arg())]
    inputs: Vec<String>,
    /// Also analyze the inputs listed in this file, one per line (# starts a comment line)
    #[arg(long, value_name = "LIST")]
    inputs_from: Option<PathBuf>,
    /// Read the file's N-th video stream (0-based, as ffmpeg's -map 0:v:N; default: FFmpeg's best)
    #[arg(long, value_name = "N")]
    stream: Option<usize>,
    /// Output folder (created; replaced only if it holds an earlier vidscope output and nothing else)
    #[arg(long, short, required_unless_present = "out_root", conflicts_with = "out_root")]
    out: Option<PathBuf>,
    /// One output folder per input under DIR (DIR/<name>/, name = the file name without extension);
    /// finished folders with the same settings are skipped
    #[arg(long, value_name = "DIR")]
    out_root: Option<PathBuf>,
    /// With --out-root: inputs analysed at once [default: half the CPU cores, at least 2]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    jobs: Option<u32>,
    /// Also write these large outputs: comma list of symbols (symbols.bin), block-csv (stats.csv), all
    #[arg(long, value_name = "LIST")]
    export: Option<String>,
    /// Upload and read back on the compute queue, one after another (default: on the GPU's copy
    /// queues where it has them, beside the compute of other frames)
    #[arg(long)]
    serial_transfers: bool,
    #[command(flatten)]
    params: ParamArgs,
    /// Learner warp parameters (float32 .npy [P,By,Bx,2|4] or [By,Bx,2|4]) used for prediction
    #[arg(long, value_name = "FILE.npy")]
    warp_params: Option<PathBuf>,
    /// Analyze at most N frames
    #[arg(long, short = 'n', value_name = "N")]
    frames: Option<usize>,
    /// Also write per-frame PNGs: comma list of raw, flow (RGB colour wheel), diff, predicted, residual (with
    /// --ref also ab, ab-signed)
    #[arg(long, value_name = "KINDS")]
    dump: Option<String>,
    /// Learner trits (int8 .npy [P,By,Bx,N,b,b] or [By,Bx,N,b,b]) used for symbols.bin and the rate
    #[arg(long, value_name = "FILE.npy")]
    symbols: Option<PathBuf>,
    #[command(flatten)]
    reference: RefArgs,
    /// Also write the per-block statistics as a YUView statistics file (CSV syntax v1.22)
    #[arg(long, value_name = "FILE.csv")]
    yuview_csv: Option<PathBuf>,
    /// Stop with exit status 2 at the first frame the decoder reports damage in (default: decode on,
    /// count and report the errors)
    #[arg(long)]
    strict: bool,
    /// Also write the codec's own motion vectors (codec_mvs.csv, FFmpeg's export_mvs side data) and their
    /// end-point error against the search (codec_epe.npy); FFmpeg-decoded inputs only
    #[arg(long)]
    codec_mvs: bool,
}

/// `vidscope bench`'s arguments.
#[derive(Args)]
struct BenchArgs {
    /// Video file (anything FFmpeg opens), a .y4m file, or synthetic:WxH[@FPS]
    #[arg(value_parser = input_arg())]
    input: String,
    /// Read the file's N-th video stream (0-based, as ffmpeg's -map 0:v:N; default: FFmpeg's best)
    #[arg(long, value_name = "N")]
    stream: Option<usize>,
    /// Passes to run: comma list of groups (diff, stats, motion = search, costs, warp and residual, symbols,
    /// compare, fb, subpel, flow = flow_epe with --flow) or pass names (as in gpu_ms), each running its group
    #[arg(long, default_value = "diff,stats,motion,symbols")]
    passes: String,
    #[command(flatten)]
    params: ParamArgs,
    /// Use at most N frames
    #[arg(long, short = 'n', value_name = "N")]
    frames: Option<usize>,
    /// Run each pass N times per frame and report one run's time (keeps the GPU at full clock
    /// when the source is slower than the passes)
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    repeat: u32,
    /// Frames submitted to the GPU and not yet read back, at most (1 = no overlap)
    #[arg(long, value_name = "K", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=8))]
    frames_in_flight: u32,
    /// Upload and read back on the compute queue, one after another (default: on the GPU's copy
    /// queues where it has them, beside the compute of other frames)
    #[arg(long)]
    serial_transfers: bool,
    #[command(flatten)]
    reference: RefArgs,
    /// Print the report as JSON
    #[arg(long)]
    json: bool,
}

fn gpu_context(args: &GpuArgs) -> anyhow::Result<Arc<GpuContext>> {
    let ctx = GpuContext::new(&GpuOptions { validation: args.validation.into(), gpu: args.gpu.clone() })?;
    tracing::info!("GPU: {}", ctx.describe());
    eprintln!("vidscope: GPU {}{}", ctx.describe(), if ctx.validation_enabled() { ", validation on" } else { "" });
    Ok(Arc::new(ctx))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let gpu = GpuOptions { validation: cli.gpu.validation.into(), gpu: cli.gpu.gpu.clone() };
    let range = if cli.npy.npy_range == "255" { 255.0 } else { 1.0 };
    vidscope::video::set_npy_scale(NpyScale { range, bits: cli.npy.npy_bits });
    let command = match (cli.command, cli.view) {
        (Some(c), _) => c,
        (None, Some(view)) => Command::View(view),
        (None, None) => {
            use clap::CommandFactory;
            Cli::command().print_help()?;
            return Ok(());
        }
    };
    match command {
        Command::View(args) => vidscope::viewer::run(args.into_options(gpu, &cli.motion)?),
        Command::Record(args) => vidscope::analysis::record(args.into_options(gpu, &cli.motion)?),
        Command::Analyze(args) => analyze_command(args, &cli.gpu, &cli.motion),
        Command::Bench(args) => bench_command(args, &cli.gpu, &cli.motion),
    }
}

/// `vidscope analyze`: one input into `--out`, or many into `--out-root`.
fn analyze_command(args: AnalyzeArgs, gpu: &GpuArgs, motion: &MotionArgs) -> anyhow::Result<()> {
    let AnalyzeArgs {
        inputs,
        inputs_from,
        stream,
        out,
        out_root,
        jobs,
        export,
        serial_transfers,
        params: ParamArgs { block, range, quant },
        warp_params,
        frames,
        dump,
        symbols,
        reference,
        yuview_csv,
        strict,
        codec_mvs,
    } = args;
    let MotionArgs { lambda, subpel, fb, flow_scale, .. } = *motion;
    let dump = DumpKinds { flow_scale, ..DumpKinds::parse(dump.as_deref().unwrap_or(""))? };
    let exports = ExportSet::parse(export.as_deref().unwrap_or(""))?;
    let mut inputs = inputs;
    if let Some(list) = &inputs_from {
        inputs.extend(analysis::read_input_list(list)?);
    }
    let single = match (&out, &out_root, inputs.as_slice()) {
        (Some(out), None, [input]) => Some((input.clone(), out.clone())),
        (Some(_), None, _) => {
            anyhow::bail!("--out: {} inputs; several inputs need --out-root DIR", inputs.len())
        }
        (_, _, []) => anyhow::bail!("--inputs-from: no input listed"),
        _ => None,
    };
    let (input, out) = single.clone().unwrap_or_default();
    let reference = reference.reference(&input)?;
    let ctx = gpu_context(gpu)?;
    let opts = AnalyzeOptions {
        input,
        stream,
        out,
        block,
        range,
        lambda,
        subpel,
        fb,
        motion: motion.inputs(),
        warp_params,
        max_frames: frames,
        dump,
        quant,
        symbols,
        reference,
        yuview_csv,
        progress: true,
        strict,
        exports,
        notices: true,
        serial_transfers,
        codec_mvs,
    };
    if let (None, Some(out_root)) = (&single, out_root) {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let jobs = jobs.map_or((cores / 2).max(2), |j| j as usize);
        let batch = BatchOptions { inputs, out_root, jobs, template: opts };
        let summary = analysis::run_batch(&ctx, &batch)?;
        println!("{summary}");
        anyhow::ensure!(
            summary.failed.is_empty(),
            "{} of {} input(s) failed (listed above)",
            summary.failed.len(),
            summary.files
        );
        return report_validation(&ctx);
    }
    let summary = analysis::run_analyze(&ctx, &opts)?;
    println!("{summary}");
    for warning in [summary.warning(), summary.ref_warning()].into_iter().flatten() {
        eprintln!("vidscope: warning: {warning}");
    }
    if let Some(warning) = summary.format_warning() {
        eprintln!("vidscope: warning: {warning}");
    }
    report_validation(&ctx)
}

/// `vidscope bench`: per-pass GPU times and end-to-end fps.
fn bench_command(args: BenchArgs, gpu: &GpuArgs, motion: &MotionArgs) -> anyhow::Result<()> {
    let BenchArgs {
        input,
        stream,
        passes,
        params: ParamArgs { block, range, quant },
        frames,
        repeat,
        frames_in_flight,
        serial_transfers,
        reference,
        json,
    } = args;
    let mut passes = PassSelection::parse(&passes).map_err(anyhow::Error::msg)?;
    // With a reference the A/B passes run too; without one they cannot.
    anyhow::ensure!(!passes.compare || reference.reference.is_some(), "--passes compare: needs --ref REF");
    passes.compare |= reference.reference.is_some();
    // --subpel 2|4 refines the vectors wherever motion runs; --passes subpel alone means quarter pel.
    let MotionArgs { lambda, subpel, fb, .. } = *motion;
    passes.subpel |= subpel.refines() && passes.motion;
    passes.backward |= fb && passes.motion;
    anyhow::ensure!(!passes.flow || motion.flow.is_some(), "--passes flow: needs a dense flow (--flow FILE)");
    passes.flow |= motion.flow.is_some() && passes.motion;
    let subpel = if passes.subpel && !subpel.refines() { Subpel::new(4)? } else { subpel };
    let reference = reference.reference(&input)?;
    let ctx = gpu_context(gpu)?;
    let frames_in_flight = frames_in_flight as usize;
    let opts = BenchOptions {
        input,
        stream,
        reference,
        passes,
        range,
        lambda,
        subpel,
        motion: motion.inputs(),
        max_frames: frames,
        block,
        quant,
        repeat,
        frames_in_flight,
        serial_transfers,
    };
    let report = analysis::run_bench(&ctx, &opts)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{report}");
    }
    report_validation(&ctx)
}

/// Validation messages mean a bug in vidscope: say so and fail, after the output was written.
fn report_validation(ctx: &GpuContext) -> anyhow::Result<()> {
    let n = ctx.validation_log().count();
    anyhow::ensure!(
        n == 0,
        "the Vulkan validation layer reported {n} problem(s) (printed above); please report this bug"
    );
    Ok(())
}

/// clap's message for a bad value on one line, without its "error:" and "For more information" lines.
fn one_line_clap_error(e: &clap::Error) -> String {
    let text = e.to_string();
    let lines = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("For more information"));
    lines.collect::<Vec<_>>().join(" ").trim_start_matches("error: ").to_string()
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        // sctk_adwaita (the Wayland window frame) logs an error whenever no desktop portal answers
        // its dark-theme query in 100 ms (headless compositors, minimal sessions); it then draws
        // the light frame, so that is not the user's problem. VIDSCOPE_LOG still shows it.
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("VIDSCOPE_LOG")
                .unwrap_or_else(|_| "warn,sctk_adwaita::config=off".into()),
        )
        .init();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // A bad value (--block 12, --mode bogus): one line, as every other error, with vidscope's own
        // message where its check made it. Everything else (usage, --help, an unknown option) as clap
        // prints it.
        Err(e) if matches!(e.kind(), ErrorKind::ValueValidation | ErrorKind::InvalidValue) => {
            let own = std::error::Error::source(&e).and_then(|s| s.downcast_ref::<vidscope::reference::ParamError>());
            let message = own.map_or_else(|| one_line_clap_error(&e), |p| p.to_string());
            eprintln!("vidscope: error: {message}");
            return ExitCode::from(2);
        }
        Err(e) => e.exit(),
    };
    let result = run(cli);
    vidscope::video::remove_aliases();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: the whole context chain, newlines folded.
            let message = format!("{e:#}").replace('\n', " ");
            eprintln!("vidscope: error: {message}");
            // Stopped by SIGINT/SIGTERM: the shell's status for that signal (130, 143).
            ExitCode::from(e.downcast_ref::<vidscope::video::Interrupted>().map_or(2, |i| i.exit_status()))
        }
    }
}
