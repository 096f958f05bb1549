//! The `vidscope view` and `vidscope record` options (clap), kept out of main.rs; they become
//! `viewer::ViewerOptions` and `analysis::RecordOptions`.

use clap::builder::PossibleValue;
use clap::Args;
use std::path::PathBuf;
use vidscope::analysis::RecordOptions;
use vidscope::gpu::{GpuOptions, PresentMode};
use vidscope::passes::{MotionInputs, MotionSource};
use vidscope::reference::{BlockSize, Lambda, QuantStep, SearchRange, Subpel};
use vidscope::ui::{Metric, Mode};
use vidscope::video::RefStart;
use vidscope::viewer::{Reference, ViewerOptions};

/// `--mode`, as the command line spells it (the view crate knows no clap): `Mode::name`, and `a`
/// for raw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModeArg(pub Mode);

impl clap::ValueEnum for ModeArg {
    fn value_variants<'a>() -> &'a [Self] {
        static ALL: std::sync::OnceLock<Vec<ModeArg>> = std::sync::OnceLock::new();
        ALL.get_or_init(|| Mode::ALL.map(ModeArg).to_vec())
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let value = PossibleValue::new(self.0.name()).help(self.0.about());
        Some(if self.0 == Mode::Raw { value.alias("a") } else { value })
    }
}

/// `--metric`, as the command line spells it: `Metric::name`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetricArg(pub Metric);

impl clap::ValueEnum for MetricArg {
    fn value_variants<'a>() -> &'a [Self] {
        static ALL: std::sync::OnceLock<Vec<MetricArg>> = std::sync::OnceLock::new();
        ALL.get_or_init(|| Metric::all().into_iter().map(MetricArg).collect())
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.name()).help(self.0.about()))
    }
}

/// `--present`, as the command line spells it (the gpu crate knows no clap).
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum PresentArg {
    Fifo,
    Mailbox,
    Immediate,
}

/// `--ref`, `--ref-start`, `--amplify` and `--wipe` of view and record. (They are fields of each, not
/// a flattened group: a nested flatten would hide `ViewArgs` from the plain `vidscope INPUT` form.)
#[derive(Clone, Debug)]
pub struct CompareArgs {
    pub reference: Option<String>,
    pub ref_start: RefStart,
    pub amplify: u32,
    pub wipe: Option<f32>,
}

impl CompareArgs {
    /// Checks the values and that the A/B modes and metric come with a reference.
    fn check(&self, input: &str, mode: Mode, metric: Metric, heatmap: bool) -> anyhow::Result<Option<Reference>> {
        if !(1..=64).contains(&self.amplify) {
            anyhow::bail!("--amplify {}: expected 1..=64", self.amplify);
        }
        if let Some(w) = self.wipe.filter(|w| !(0.0..=1.0).contains(w)) {
            anyhow::bail!("--wipe {w}: expected a fraction of the width, 0..=1");
        }
        if self.reference.is_none() {
            if mode.needs_reference() {
                anyhow::bail!("--mode {}: needs a reference video (--ref REF)", mode.name());
            }
            if metric.needs_reference() && (heatmap || mode.is_heatmap()) {
                anyhow::bail!("--metric ab-psnr: needs a reference video (--ref REF)");
            }
        }
        let resolve = |r| Reference::resolve(input, r, self.ref_start).map_err(anyhow::Error::msg);
        self.reference.clone().map(resolve).transpose()
    }
}

#[derive(Args, Clone, Debug)]
pub struct ViewArgs {
    /// Video file (anything FFmpeg opens), a .y4m file, or synthetic:WxH[@FPS]
    #[arg(value_parser = crate::input_arg())]
    pub input: String,
    /// Read the file's N-th video stream (0-based, as ffmpeg's -map 0:v:N; default: FFmpeg's best)
    #[arg(long, value_name = "N")]
    pub stream: Option<usize>,
    /// What to show first: raw (= a), diff, heatmap (over raw), heatmap-diff (over diff), predicted, residual,
    /// split, trits, flow (colour wheel); with --ref also b, ab-diff (|A − B|), ab-signed (A − B + 128), ab-mark (A ≠ B marked)
    #[arg(long, value_enum, default_value_t = ModeArg(Mode::Raw))]
    pub mode: ModeArg,
    /// Heatmap metric at start (key M cycles); nonzero and rate come from the residual symbol stream,
    /// ab-psnr (per-block PSNR of A against B) needs --ref
    #[arg(long, value_enum, default_value_t = MetricArg(Metric::Sad))]
    pub metric: MetricArg,
    /// Quantiser step Q of the symbol stream (trit view, nonzero and rate metrics): 1..=255
    #[arg(long, value_name = "Q", default_value = "1")]
    pub quant: QuantStep,
    /// The trit view's digit plane (0 = most significant; key T cycles), below the planes of --quant
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub trit_plane: u32,
    /// Start at frame N
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub start: usize,
    /// Start paused
    #[arg(long)]
    pub paused: bool,
    /// Hide the panels and HUD (key H toggles)
    #[arg(long)]
    pub hide_ui: bool,
    /// Start with motion-vector arrows on (key V), coloured by the block's MC-SAD
    #[arg(long)]
    pub arrows: bool,
    /// Draw the codec's own motion vectors (FFmpeg's export_mvs): one arrow per partition from its centre
    /// to its source, pf orange, bf green, bb magenta (also a panel toggle); FFmpeg-decoded inputs only
    #[arg(long)]
    pub codec_mvs: bool,
    /// Arrows hide vectors whose MC gain (zero-vector SAD − best SAD, the mc-gain metric) is below G;
    /// 0 shows all (also a slider in the panel)
    #[arg(long, value_name = "G", default_value_t = 0, value_parser = parse_min_gain, allow_negative_numbers = true)]
    pub min_gain: u32,
    /// Learner warp parameters (float32 .npy [P,By,Bx,2|4] or [By,Bx,2|4]) used for the prediction
    #[arg(long, value_name = "FILE.npy")]
    pub warp_params: Option<PathBuf>,
    /// Block size in pixels for the heatmap: 4, 8, 16, 32, 64 or 128
    #[arg(long, short, default_value = "16")]
    pub block: BlockSize,
    /// Motion search range R at start: |dx|, |dy| <= R (0..=64; the S key steps through 1..=64)
    #[arg(long, short, default_value = "16")]
    pub range: SearchRange,
    /// Pin block BX,BY at start (as a click on it in the worst-blocks list): the readout and its cost surface
    #[arg(long, value_name = "BX,BY", value_parser = parse_block_xy)]
    pub pin: Option<(u32, u32)>,
    /// Swapchain present mode (falls back to fifo where not supported)
    #[arg(long, value_enum, default_value_t = PresentArg::Fifo)]
    pub present: PresentArg,
    /// Save exactly what is presented at frame --at-frame as PNG, then exit
    #[arg(long, value_name = "FILE", requires = "at_frame")]
    pub screenshot: Option<PathBuf>,
    /// The frame for --screenshot
    #[arg(long, value_name = "N", requires = "screenshot")]
    pub at_frame: Option<usize>,
    /// Window size in pixels, WxH (default: the clip's size, within 1280x800)
    #[arg(long, value_name = "WxH")]
    pub size: Option<String>,
    /// Folder for recordings (R) and snapshots (P)
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub record_dir: PathBuf,
    /// Reference video (B): frame t of INPUT is compared with frame t + --ref-start of REF (same size)
    #[arg(long = "ref", value_name = "REF", value_parser = crate::input_arg())]
    pub reference: Option<String>,
    /// First frame of REF to compare with frame 0 of INPUT, or auto[:K]: the offset in -K..=K (default 30)
    /// with the lowest luma MSE over the first frames (printed, with the runner-up)
    #[arg(long, value_name = "N|auto[:K]", default_value = "0", requires = "reference")]
    pub ref_start: RefStart,
    /// Gain of the |A − B| view (mode ab-diff): 1..=64
    #[arg(long, value_name = "K", default_value_t = 1)]
    pub amplify: u32,
    /// Wipe: A left, B right of a divider at this fraction of the width (0..=1), in any mode
    #[arg(long, value_name = "X", requires = "reference")]
    pub wipe: Option<f32>,
}

/// Checks that `--trit-plane` is one of the planes of `--quant`.
fn check_trit_view(quant: QuantStep, trit_plane: u32) -> anyhow::Result<()> {
    let quant = quant.get();
    let planes = vidscope::reference::symbols::planes_for_quant(quant);
    if trit_plane >= planes {
        anyhow::bail!("--trit-plane {trit_plane}: --quant {quant} has planes 0..={}", planes - 1);
    }
    Ok(())
}

/// How motion is searched and shown, for every command (global options, declared once): the search's
/// weight, sub-pixel refinement, the forward–backward check, the flow view's scale, a learner's dense
/// flow and what drives the prediction.
#[derive(Args, Clone, Debug)]
pub struct MotionArgs {
    /// Regularised search: the vectors minimise SAD + L·(|dx| + |dy|) (0..=4096; 0 = the plain SAD search)
    #[arg(long, global = true, value_name = "L", default_value = "0")]
    pub lambda: Lambda,
    /// Sub-pixel refinement of the vectors that drive the prediction: 1, 2 (half pel) or 4 (quarter pel);
    /// the residual, MC metrics and symbols follow them (analyze: motion_qpel.npy)
    #[arg(long, global = true, value_name = "P", default_value = "1")]
    pub subpel: Subpel,
    /// Also search backwards (frame t − 1 into t) and check each vector against it: the fb-error metric
    /// (analyze: motion_back.npy, fb_error.npy)
    #[arg(long, global = true)]
    pub fb: bool,
    /// The flow view's scale (mode flow, --dump flow): a vector of S pixels is fully saturated on the
    /// colour wheel (default: R)
    #[arg(long, global = true, value_name = "S", value_parser = parse_flow_scale)]
    pub flow_scale: Option<f32>,
    /// A learner's dense flow, compared with the search (the epe metric; analyze: flow_epe.npy) and, by
    /// default, predicting each frame: a float32 .npy [P, H, W, 2] in pixels or .flo files (flow%04d.flo);
    /// pair p predicts frame p + 1 as frame p sampled at x + flow[p](x)
    #[arg(long, global = true, value_name = "FILE")]
    pub flow: Option<String>,
    /// What drives the prediction, residual, MC metrics and symbols: search, flow (--flow), codec (the
    /// decoder's motion vectors), params (--warp-params); default: the one motion file given, else search
    #[arg(long, global = true, value_name = "SOURCE")]
    pub motion: Option<MotionSource>,
}

impl MotionArgs {
    pub fn inputs(&self) -> MotionInputs {
        MotionInputs { flow: self.flow.clone(), choice: self.motion }
    }
}

/// Parses `--flow-scale S`: pixels at full saturation, a finite number in (0, 1024].
pub fn parse_flow_scale(s: &str) -> Result<f32, String> {
    s.parse::<f32>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0 && *v <= 1024.0)
        .ok_or_else(|| format!("{s:?}: expected a number of pixels in (0, 1024]"))
}

/// Parses `--pin BX,BY` (block column, block row).
fn parse_block_xy(s: &str) -> Result<(u32, u32), String> {
    s.split_once(',')
        .and_then(|(x, y)| Some((x.trim().parse().ok()?, y.trim().parse().ok()?)))
        .ok_or_else(|| format!("{s:?}: expected BX,BY (block column and row, from 0)"))
}

/// Parses `--min-gain` (a whole number of SAD units, ≥ 0); clap names the option in its one-line error.
fn parse_min_gain(s: &str) -> Result<u32, String> {
    s.trim().parse::<u32>().map_err(|_| "expected a whole number >= 0 (an MC gain in SAD units; 0 shows all)".into())
}

/// Parses `WxH` (both > 0) for `--size`.
pub fn parse_size(s: &str) -> anyhow::Result<(u32, u32)> {
    s.split_once(['x', 'X'])
        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
        .filter(|(w, h)| *w > 0 && *h > 0)
        .ok_or_else(|| anyhow::anyhow!("--size {s:?}: expected WxH, e.g. 640x360"))
}

impl ViewArgs {
    fn compare(&self) -> CompareArgs {
        CompareArgs {
            reference: self.reference.clone(),
            ref_start: self.ref_start,
            amplify: self.amplify,
            wipe: self.wipe,
        }
    }

    pub fn into_options(self, gpu: GpuOptions, motion: &MotionArgs) -> anyhow::Result<ViewerOptions> {
        check_trit_view(self.quant, self.trit_plane)?;
        let size = self.size.as_deref().map(parse_size).transpose()?;
        if !self.record_dir.is_dir() {
            anyhow::bail!("--record-dir {}: not a directory", self.record_dir.display());
        }
        let compare = self.compare();
        let reference = compare.check(&self.input, self.mode.0, self.metric.0, false)?;
        Ok(ViewerOptions {
            input: self.input,
            stream: self.stream,
            gpu,
            mode: self.mode.0,
            metric: self.metric.0,
            quant: self.quant,
            trit_plane: self.trit_plane,
            start: self.start,
            paused: self.paused,
            hide_ui: self.hide_ui,
            arrows: self.arrows,
            codec_mvs: self.codec_mvs,
            min_gain: self.min_gain,
            warp_params: self.warp_params,
            motion: motion.inputs(),
            block: self.block,
            range: self.range,
            flow_scale: motion.flow_scale,
            lambda: motion.lambda,
            fb: motion.fb,
            subpel: motion.subpel,
            pin: self.pin,
            present: match self.present {
                PresentArg::Fifo => PresentMode::Fifo,
                PresentArg::Mailbox => PresentMode::Mailbox,
                PresentArg::Immediate => PresentMode::Immediate,
            },
            screenshot: self.screenshot.zip(self.at_frame),
            size,
            record_dir: self.record_dir,
            reference,
            amplify: compare.amplify,
            wipe: compare.wipe,
        })
    }
}

#[derive(Args, Clone, Debug)]
pub struct RecordArgs {
    /// Video file (anything FFmpeg opens), a .y4m file, or synthetic:WxH[@FPS]
    #[arg(value_parser = crate::input_arg())]
    pub input: String,
    /// Read the file's N-th video stream (0-based, as ffmpeg's -map 0:v:N; default: FFmpeg's best)
    #[arg(long, value_name = "N")]
    pub stream: Option<usize>,
    /// The file to write (H.264, yuv420p, the input's frame rate): .mp4/.m4v (MP4) or .mkv (Matroska)
    #[arg(long, short)]
    pub out: PathBuf,
    /// Replace an existing output file (never the input)
    #[arg(long, short = 'y')]
    pub force: bool,
    /// Stop with exit status 2 at the first frame the decoder reports damage in (default: decode on,
    /// count and report the errors)
    #[arg(long)]
    pub strict: bool,
    /// What to show: raw (= a), diff, heatmap, heatmap-diff, predicted, residual, split, trits, flow; with --ref
    /// also b, ab-diff, ab-signed, ab-mark
    #[arg(long, value_enum, default_value_t = ModeArg(Mode::Raw))]
    pub mode: ModeArg,
    /// Heatmap metric (as for view)
    #[arg(long, value_enum, default_value_t = MetricArg(Metric::Sad))]
    pub metric: MetricArg,
    /// Quantiser step Q of the symbol stream (trits mode, nonzero and rate metrics): 1..=255
    #[arg(long, value_name = "Q", default_value = "1")]
    pub quant: QuantStep,
    /// The trits mode's digit plane (0 = most significant)
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub trit_plane: u32,
    /// Comma list: heatmap (over the mode's picture), arrows (motion vectors), codec-mvs (the codec's own
    /// motion vectors, as view --codec-mvs draws them)
    #[arg(long, value_name = "LIST", default_value = "")]
    pub overlay: String,
    /// With --overlay arrows: hide vectors whose MC gain (zero-vector SAD − best SAD) is below G; 0 shows all
    #[arg(long, value_name = "G", default_value_t = 0, value_parser = parse_min_gain, allow_negative_numbers = true)]
    pub min_gain: u32,
    /// Output size WxH (default: the clip's size); the picture is fitted as in the viewer
    #[arg(long, value_name = "WxH")]
    pub size: Option<String>,
    /// Record at most N frames
    #[arg(long, short = 'n', value_name = "N")]
    pub frames: Option<usize>,
    /// First frame to record
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub start: usize,
    /// Learner warp parameters used for the prediction instead of the vectors
    #[arg(long, value_name = "FILE.npy")]
    pub warp_params: Option<PathBuf>,
    /// Block size: 4, 8, 16, 32, 64 or 128
    #[arg(long, short, default_value = "16")]
    pub block: BlockSize,
    /// Motion search range R: |dx|, |dy| <= R (0..=64)
    #[arg(long, short, default_value = "16")]
    pub range: SearchRange,
    /// Reference video (B): frame t of INPUT is compared with frame t + --ref-start of REF (same size)
    #[arg(long = "ref", value_name = "REF", value_parser = crate::input_arg())]
    pub reference: Option<String>,
    /// First frame of REF to compare with frame 0 of INPUT, or auto[:K]: the offset in -K..=K (default 30)
    /// with the lowest luma MSE over the first frames (printed, with the runner-up)
    #[arg(long, value_name = "N|auto[:K]", default_value = "0", requires = "reference")]
    pub ref_start: RefStart,
    /// Gain of the |A − B| view (mode ab-diff): 1..=64
    #[arg(long, value_name = "K", default_value_t = 1)]
    pub amplify: u32,
    /// Wipe: A left, B right of a divider at this fraction of the width (0..=1), in any mode
    #[arg(long, value_name = "X", requires = "reference")]
    pub wipe: Option<f32>,
}

impl RecordArgs {
    fn compare(&self) -> CompareArgs {
        CompareArgs {
            reference: self.reference.clone(),
            ref_start: self.ref_start,
            amplify: self.amplify,
            wipe: self.wipe,
        }
    }

    pub fn into_options(self, gpu: GpuOptions, motion: &MotionArgs) -> anyhow::Result<RecordOptions> {
        check_trit_view(self.quant, self.trit_plane)?;
        let (mut heatmap, mut arrows, mut codec_mvs) = (false, false, false);
        for item in self.overlay.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item {
                "heatmap" => heatmap = true,
                "arrows" => arrows = true,
                "codec-mvs" => codec_mvs = true,
                other => anyhow::bail!("--overlay {other}: unknown overlay (available: heatmap, arrows, codec-mvs)"),
            }
        }
        let compare = self.compare();
        let reference = compare.check(&self.input, self.mode.0, self.metric.0, heatmap)?;
        Ok(RecordOptions {
            input: self.input,
            stream: self.stream,
            gpu,
            out: self.out,
            mode: self.mode.0,
            metric: self.metric.0,
            quant: self.quant,
            trit_plane: self.trit_plane,
            heatmap,
            arrows,
            codec_mvs,
            min_gain: self.min_gain,
            size: self.size.as_deref().map(parse_size).transpose()?,
            frames: self.frames,
            start: self.start,
            warp_params: self.warp_params,
            motion: motion.inputs(),
            block: self.block,
            range: self.range,
            flow_scale: motion.flow_scale,
            lambda: motion.lambda,
            fb: motion.fb,
            subpel: motion.subpel,
            force: self.force,
            reference,
            amplify: compare.amplify,
            wipe: compare.wipe,
            strict: self.strict,
        })
    }
}
