//! The `vidscope` command line: analyze | bench. Errors print one line and exit with status 2.

use clap::{Args, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use vidscope::analysis::{self, AnalyzeOptions, BenchOptions, DumpKinds};
use vidscope::gpu::{GpuContext, GpuOptions, ValidationMode};
use vidscope::passes::PassSelection;

#[derive(Parser)]
#[command(
    name = "vidscope",
    version,
    about = "GPU video diagnostics: diff, block stats, exact against a CPU reference"
)]
struct Cli {
    #[command(flatten)]
    gpu: GpuArgs,
    #[command(subcommand)]
    command: Command,
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
    /// Export per-block SAD/SSE/mean (NPY, CSV), PNG dumps and manifest.json for every frame pair
    Analyze {
        /// Video file (anything FFmpeg opens), a .y4m file, or synthetic:WxH[@FPS]
        input: String,
        /// Output folder (created; replaced only if it holds an earlier vidscope output)
        #[arg(long, short)]
        out: PathBuf,
        /// Block size in pixels: 4, 8, 16, 32, 64 or 128
        #[arg(long, short, default_value_t = 16)]
        block: u32,
        /// Analyze at most N frames
        #[arg(long, short = 'n', value_name = "N")]
        frames: Option<usize>,
        /// Also write per-frame PNGs: comma list of raw, diff
        #[arg(long, value_name = "KINDS")]
        dump: Option<String>,
    },
    /// Time decoding, upload and each GPU pass (timestamp queries), and end-to-end fps
    Bench {
        /// Video file (anything FFmpeg opens), a .y4m file, or synthetic:WxH[@FPS]
        input: String,
        /// Passes to run: comma list of diff, stats
        #[arg(long, default_value = "diff,stats")]
        passes: String,
        /// Use at most N frames
        #[arg(long, short = 'n', value_name = "N")]
        frames: Option<usize>,
        /// Block size in pixels: 4, 8, 16, 32, 64 or 128
        #[arg(long, short, default_value_t = 16)]
        block: u32,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
}

fn parse_passes(list: &str) -> anyhow::Result<PassSelection> {
    let mut selection = PassSelection { diff: false, stats: false };
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match item {
            "diff" => selection.diff = true,
            "stats" | "block_stats" => selection.stats = true,
            other => anyhow::bail!("--passes {other}: unknown pass (available: diff, stats)"),
        }
    }
    anyhow::ensure!(selection.diff || selection.stats, "--passes {list:?}: no pass selected");
    Ok(selection)
}

fn gpu_context(args: &GpuArgs) -> anyhow::Result<Arc<GpuContext>> {
    let ctx = GpuContext::new(&GpuOptions { validation: args.validation, gpu: args.gpu.clone() })?;
    tracing::info!("GPU: {}", ctx.describe());
    eprintln!("vidscope: GPU {}{}", ctx.describe(), if ctx.validation_enabled() { ", validation on" } else { "" });
    Ok(Arc::new(ctx))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Analyze { input, out, block, frames, dump } => {
            analysis::check_block_size(block)?;
            let dump = DumpKinds::parse(dump.as_deref().unwrap_or(""))?;
            let ctx = gpu_context(&cli.gpu)?;
            let opts = AnalyzeOptions { input, out, block, max_frames: frames, dump, progress: true };
            let summary = analysis::run_analyze(&ctx, &opts)?;
            println!("{summary}");
            report_validation(&ctx)
        }
        Command::Bench { input, passes, frames, block, json } => {
            analysis::check_block_size(block)?;
            let passes = parse_passes(&passes)?;
            let ctx = gpu_context(&cli.gpu)?;
            let report = analysis::run_bench(&ctx, &BenchOptions { input, passes, max_frames: frames, block })?;
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
            ExitCode::from(2)
        }
    }
}
