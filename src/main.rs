//! The `vidscope` command line: view (also `vidscope INPUT`) | analyze | record | bench. Errors print one line and
//! exit with status 2 (130 / 143 for a run stopped by SIGINT / SIGTERM).

use clap::{Args, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use vidscope::analysis::{self, AnalyzeOptions, BenchOptions, DumpKinds};
use vidscope::gpu::{GpuContext, GpuOptions, ValidationMode};
use vidscope::passes::PassSelection;

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
    /// Khronos validation layer: auto = on whenever it is installed
    #[arg(long, global = true, value_enum, default_value_t = ValidationMode::Auto)]
    validation: ValidationMode,
}

#[derive(Subcommand)]
enum Command {
    /// Open the viewer window: raw, diff and heatmap views of every frame, computed on the GPU
    View(viewer_cli::ViewArgs),
    /// Export per-block SAD/SSE/mean (NPY, CSV), PNG dumps and manifest.json for every frame pair
    Analyze {
        /// Video file (anything FFmpeg opens), a .y4m file, or synthetic:WxH[@FPS]
        input: String,
        /// Output folder (created; replaced only if it holds an earlier vidscope output and nothing else)
        #[arg(long, short)]
        out: PathBuf,
        /// Block size in pixels: 4, 8, 16, 32, 64 or 128
        #[arg(long, short, default_value_t = 16)]
        block: u32,
        /// Motion search range R: |dx|, |dy| <= R (0..=64)
        #[arg(long, short, default_value_t = 16)]
        range: u32,
        /// Learner warp parameters (float32 .npy [P,By,Bx,2|4] or [By,Bx,2|4]) used for prediction
        #[arg(long, value_name = "FILE.npy")]
        warp_params: Option<PathBuf>,
        /// Analyze at most N frames
        #[arg(long, short = 'n', value_name = "N")]
        frames: Option<usize>,
        /// Also write per-frame PNGs: comma list of raw, diff, predicted, residual
        #[arg(long, value_name = "KINDS")]
        dump: Option<String>,
        /// Quantiser step Q of the symbol stream (symbols.bin, rate.npy): 1..=255, 1 = lossless
        #[arg(long, value_name = "Q", default_value_t = 1)]
        quant: u32,
        /// Learner trits (int8 .npy [P,By,Bx,N,b,b] or [By,Bx,N,b,b]) used for symbols.bin and the rate
        #[arg(long, value_name = "FILE.npy")]
        symbols: Option<PathBuf>,
        /// Stop with exit status 2 at the first frame the decoder reports damage in (default: decode on,
        /// count and report the errors)
        #[arg(long)]
        strict: bool,
    },
    /// Render the viewer's composite offscreen (no window) into an MP4, frame by frame
    Record(viewer_cli::RecordArgs),
    /// Time decoding, upload and each GPU pass (timestamp queries), and end-to-end fps
    Bench {
        /// Video file (anything FFmpeg opens), a .y4m file, or synthetic:WxH[@FPS]
        input: String,
        /// Passes to run: comma list of diff, stats, motion (motion includes warp and residual), symbols
        #[arg(long, default_value = "diff,stats,motion,symbols")]
        passes: String,
        /// Motion search range R
        #[arg(long, short, default_value_t = 16)]
        range: u32,
        /// Use at most N frames
        #[arg(long, short = 'n', value_name = "N")]
        frames: Option<usize>,
        /// Block size in pixels: 4, 8, 16, 32, 64 or 128
        #[arg(long, short, default_value_t = 16)]
        block: u32,
        /// Quantiser step Q of the symbols pass: 1..=255
        #[arg(long, value_name = "Q", default_value_t = 1)]
        quant: u32,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
}

fn parse_passes(list: &str) -> anyhow::Result<PassSelection> {
    let mut selection = PassSelection { diff: false, stats: false, motion: false, symbols: false };
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match item {
            "diff" => selection.diff = true,
            "stats" | "block_stats" => selection.stats = true,
            "motion" | "motion_search" => selection.motion = true,
            "symbols" => selection.symbols = true,
            other => anyhow::bail!("--passes {other}: unknown pass (available: diff, stats, motion, symbols)"),
        }
    }
    let PassSelection { diff, stats, motion, symbols } = selection;
    anyhow::ensure!(diff || stats || motion || symbols, "--passes {list:?}: no pass selected");
    Ok(selection)
}

fn gpu_context(args: &GpuArgs) -> anyhow::Result<Arc<GpuContext>> {
    let ctx = GpuContext::new(&GpuOptions { validation: args.validation, gpu: args.gpu.clone() })?;
    tracing::info!("GPU: {}", ctx.describe());
    eprintln!("vidscope: GPU {}{}", ctx.describe(), if ctx.validation_enabled() { ", validation on" } else { "" });
    Ok(Arc::new(ctx))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let gpu = GpuOptions { validation: cli.gpu.validation, gpu: cli.gpu.gpu.clone() };
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
        Command::View(args) => vidscope::viewer::run(args.into_options(gpu)?),
        Command::Record(args) => vidscope::viewer::record(args.into_options(gpu)?),
        Command::Analyze { input, out, block, range, warp_params, frames, dump, quant, symbols, strict } => {
            analysis::check_block_size(block)?;
            analysis::check_range(range)?;
            analysis::check_quant(quant)?;
            let dump = DumpKinds::parse(dump.as_deref().unwrap_or(""))?;
            let ctx = gpu_context(&cli.gpu)?;
            let opts = AnalyzeOptions {
                input,
                out,
                block,
                range,
                warp_params,
                max_frames: frames,
                dump,
                quant,
                symbols,
                progress: true,
                strict,
            };
            let summary = analysis::run_analyze(&ctx, &opts)?;
            println!("{summary}");
            if let Some(warning) = summary.warning() {
                eprintln!("vidscope: warning: {warning}");
            }
            report_validation(&ctx)
        }
        Command::Bench { input, passes, range, frames, block, quant, json } => {
            analysis::check_block_size(block)?;
            analysis::check_range(range)?;
            analysis::check_quant(quant)?;
            let passes = parse_passes(&passes)?;
            let ctx = gpu_context(&cli.gpu)?;
            let opts = BenchOptions { input, passes, range, max_frames: frames, block, quant };
            let report = analysis::run_bench(&ctx, &opts)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{report}");
            }
            report_validation(&ctx)
        }
    }
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

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("VIDSCOPE_LOG").unwrap_or_else(|_| "warn".into()))
        .init();
    let cli = Cli::parse();
    match run(cli) {
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
