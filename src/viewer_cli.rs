//! The `vidscope view` and `vidscope record` options (clap), kept out of main.rs; they become
//! `viewer::ViewerOptions` and `viewer::RecordOptions`.

use clap::Args;
use std::path::PathBuf;
use vidscope::gpu::{GpuOptions, PresentMode};
use vidscope::ui::{Metric, Mode};
use vidscope::viewer::{RecordOptions, ViewerOptions};

#[derive(Args, Clone, Debug)]
pub struct ViewArgs {
    /// Video file (anything FFmpeg opens), a .y4m file, or synthetic:WxH[@FPS]
    pub input: String,
    /// What to show first: raw, diff, heatmap (over raw), heatmap-diff (over diff), predicted, residual, split or trits
    #[arg(long, value_enum, default_value_t = Mode::Raw)]
    pub mode: Mode,
    /// Heatmap metric at start (key M cycles); nonzero and rate come from the residual symbol stream
    #[arg(long, value_enum, default_value_t = Metric::Sad)]
    pub metric: Metric,
    /// Quantiser step Q of the symbol stream (trit view, nonzero and rate metrics): 1..=255
    #[arg(long, value_name = "Q", default_value_t = 1)]
    pub quant: u32,
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
    /// Learner warp parameters (float32 .npy [P,By,Bx,2|4] or [By,Bx,2|4]) used for the prediction
    #[arg(long, value_name = "FILE.npy")]
    pub warp_params: Option<PathBuf>,
    /// Block size in pixels for the heatmap: 4, 8, 16, 32, 64 or 128
    #[arg(long, short, default_value_t = 16)]
    pub block: u32,
    /// Swapchain present mode (falls back to fifo where not supported)
    #[arg(long, value_enum, default_value_t = PresentMode::Fifo)]
    pub present: PresentMode,
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
}

/// Checks `--quant` and that `--trit-plane` is one of its planes.
fn check_trit_view(quant: u32, trit_plane: u32) -> anyhow::Result<()> {
    vidscope::analysis::check_quant(quant)?;
    let planes = vidscope::reference::symbols::planes_for_quant(quant);
    if trit_plane >= planes {
        anyhow::bail!("--trit-plane {trit_plane}: --quant {quant} has planes 0..={}", planes - 1);
    }
    Ok(())
}

/// Parses `WxH` (both > 0) for `--size`.
pub fn parse_size(s: &str) -> anyhow::Result<(u32, u32)> {
    s.split_once(['x', 'X'])
        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
        .filter(|(w, h)| *w > 0 && *h > 0)
        .ok_or_else(|| anyhow::anyhow!("--size {s:?}: expected WxH, e.g. 640x360"))
}

impl ViewArgs {
    pub fn into_options(self, gpu: GpuOptions) -> anyhow::Result<ViewerOptions> {
        vidscope::analysis::check_block_size(self.block)?;
        check_trit_view(self.quant, self.trit_plane)?;
        let size = self.size.as_deref().map(parse_size).transpose()?;
        if !self.record_dir.is_dir() {
            anyhow::bail!("--record-dir {}: not a directory", self.record_dir.display());
        }
        Ok(ViewerOptions {
            input: self.input,
            gpu,
            mode: self.mode,
            metric: self.metric,
            quant: self.quant,
            trit_plane: self.trit_plane,
            start: self.start,
            paused: self.paused,
            hide_ui: self.hide_ui,
            arrows: self.arrows,
            warp_params: self.warp_params,
            block: self.block,
            present: self.present,
            screenshot: self.screenshot.zip(self.at_frame),
            size,
            record_dir: self.record_dir,
        })
    }
}

#[derive(Args, Clone, Debug)]
pub struct RecordArgs {
    /// Video file (anything FFmpeg opens), a .y4m file, or synthetic:WxH[@FPS]
    pub input: String,
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
    /// What to show: raw, diff, heatmap, heatmap-diff, predicted, residual, split or trits
    #[arg(long, value_enum, default_value_t = Mode::Raw)]
    pub mode: Mode,
    /// Heatmap metric (as for view)
    #[arg(long, value_enum, default_value_t = Metric::Sad)]
    pub metric: Metric,
    /// Quantiser step Q of the symbol stream (trits mode, nonzero and rate metrics): 1..=255
    #[arg(long, value_name = "Q", default_value_t = 1)]
    pub quant: u32,
    /// The trits mode's digit plane (0 = most significant)
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub trit_plane: u32,
    /// Comma list: heatmap (over the mode's picture), arrows (motion vectors)
    #[arg(long, value_name = "LIST", default_value = "")]
    pub overlay: String,
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
    #[arg(long, short, default_value_t = 16)]
    pub block: u32,
    /// Motion search range
    #[arg(long, short, default_value_t = 16)]
    pub range: u32,
}

impl RecordArgs {
    pub fn into_options(self, gpu: GpuOptions) -> anyhow::Result<RecordOptions> {
        vidscope::analysis::check_block_size(self.block)?;
        vidscope::analysis::check_range(self.range)?;
        check_trit_view(self.quant, self.trit_plane)?;
        let (mut heatmap, mut arrows) = (false, false);
        for item in self.overlay.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item {
                "heatmap" => heatmap = true,
                "arrows" => arrows = true,
                other => anyhow::bail!("--overlay {other}: unknown overlay (available: heatmap, arrows)"),
            }
        }
        Ok(RecordOptions {
            input: self.input,
            gpu,
            out: self.out,
            mode: self.mode,
            metric: self.metric,
            quant: self.quant,
            trit_plane: self.trit_plane,
            heatmap,
            arrows,
            size: self.size.as_deref().map(parse_size).transpose()?,
            frames: self.frames,
            start: self.start,
            warp_params: self.warp_params,
            block: self.block,
            range: self.range,
            force: self.force,
            strict: self.strict,
        })
    }
}
