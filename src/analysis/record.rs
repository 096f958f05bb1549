//! `vidscope record`: the viewer's composite rendered offscreen, frame by frame, into an MP4 — no
//! window, no swapchain. It drives the same `Player`, `scene` and `Compositor` as the window, so the
//! file has the same pixels as a recording made in the viewer with the same settings and UI hidden.

use crate::gpu::{Compositor, EguiFrame, GpuContext, GpuOptions};
use crate::passes::MotionInputs;
use crate::reference::{BlockSize, Lambda, QuantStep, SearchRange, Subpel};
use crate::safe_fs::StagedFile;
use crate::video::stream_meta::format_change_warning;
use crate::video::{fps_fraction, Container, Mp4Recorder, RecorderOptions, RgbaFrame, Shutdown};
use anyhow::Context as _;
use std::path::PathBuf;
use std::sync::Arc;
use vidscope_core::formats::{damaged_frame, decode_warning, FlowFile};
use vidscope_scene::codec_arrows::codec_arrows;
use vidscope_scene::display::DisplayPush;
use vidscope_scene::flow_legend::draw_corner_flow_legend;
use vidscope_scene::inputs::probe_inputs;
use vidscope_scene::overlay::{draw_arrows, draw_codec_arrows};
use vidscope_scene::player::{listed, Player, Reference};
use vidscope_scene::scene::{self, View};
use vidscope_scene::settings::{Metric, Mode, Settings};

/// Everything `vidscope record` takes.
#[derive(Clone, Debug)]
pub struct RecordOptions {
    pub input: String,
    /// The input's video stream (`--stream N`); `None` = FFmpeg's best.
    pub stream: Option<usize>,
    pub gpu: GpuOptions,
    pub out: PathBuf,
    pub mode: Mode,
    pub metric: Metric,
    /// Symbol stream quantiser and the trits mode's plane.
    pub quant: QuantStep,
    pub trit_plane: u32,
    /// `--overlay heatmap`: the heatmap over the chosen mode's picture (raw → heatmap, diff → heatmap-diff).
    pub heatmap: bool,
    /// `--overlay arrows`: motion-vector arrows.
    pub arrows: bool,
    /// `--overlay codec-mvs`: the codec's own motion vectors (FFmpeg inputs only).
    pub codec_mvs: bool,
    /// `--min-gain`: the arrows hide vectors whose MC gain is below it (0 shows all).
    pub min_gain: u32,
    /// Output size (default: the clip's).
    pub size: Option<(u32, u32)>,
    pub frames: Option<usize>,
    pub start: usize,
    pub warp_params: Option<PathBuf>,
    /// `--flow` and `--motion`.
    pub motion: MotionInputs,
    pub block: BlockSize,
    pub range: SearchRange,
    /// `--flow-scale`: the flow mode's pixels at full saturation (`None` = the range).
    pub flow_scale: Option<f32>,
    /// `--lambda`: the search's weight of |dx| + |dy|.
    pub lambda: Lambda,
    /// `--fb`: the backward search and the forward–backward check.
    pub fb: bool,
    /// `--subpel`: sub-pixel precision of the vectors.
    pub subpel: Subpel,
    /// `--force` / `-y`: replace an existing output file (never the input).
    pub force: bool,
    /// The reference (B) for the A/B modes, the A/B PSNR metric and the wipe.
    pub reference: Option<Reference>,
    /// |A − B| gain (1…64) and the wipe's divider (fraction of the width).
    pub amplify: u32,
    pub wipe: Option<f32>,
    /// `--strict`: stop with an error at the first recorded frame the decoder reported damage in.
    pub strict: bool,
}

pub fn record(opts: RecordOptions) -> anyhow::Result<()> {
    // Checked before anything starts; the file is written under a temporary name and moved into place
    // at the end, so a failed run leaves an existing file as it was.
    let container = Container::from_path(&opts.out).map_err(|e| anyhow::anyhow!("-o {e}"))?;
    let mut reads = crate::video::read_paths(
        &[("INPUT", Some(&opts.input)), ("--ref", opts.reference.as_ref().map(|r| r.input.as_str()))],
        &[("--warp-params", opts.warp_params.as_deref())],
    );
    if let Some(spec) = &opts.motion.flow {
        reads.add_all("--flow", FlowFile::open(spec)?.paths());
    }
    let staged = StagedFile::create("-o", &opts.out, &reads, opts.force)?;
    let ctx = Arc::new(GpuContext::new(&opts.gpu)?);
    eprintln!("vidscope: GPU {}{}", ctx.describe(), if ctx.validation_enabled() { ", validation on" } else { "" });
    let open = crate::video::OpenOptions { stream: opts.stream, codec_mvs: opts.codec_mvs };
    let probed = probe_inputs(&opts.input, open, opts.reference.as_ref())?;
    let (width, height) = (probed.width, probed.height);
    // Sizes beyond the device's images are refused before anything is created.
    ctx.check_image_size(&opts.input, width, height)?;
    if let Some((w, h)) = opts.size {
        ctx.check_image_size("--size", w, h)?;
    }
    let mut player = Player::open(&ctx, &opts.input, opts.stream, opts.reference.as_ref(), opts.block, opts.start)?;
    player.set_warp_params(opts.warp_params.as_deref())?;
    player.set_motion_inputs(opts.motion.clone())?;
    for line in player.reference_differences() {
        eprintln!("vidscope: warning: {line}");
    }
    super::notices::print_stream_notices(&player.info);
    let info = player.info.clone();
    let settings = settings(&opts, player.reference.is_some());
    let (w, h) = opts.size.unwrap_or((info.width, info.height));
    let view = View::fit(glam::Vec2::new(info.width as f32, info.height as f32), View::pane(settings.mode, (w, h)))
        .context("the output size has no area")?;
    let mut composite = Composite::new(&ctx, (w, h))?;
    let available = info.frame_count.map(|n| (n as usize).saturating_sub(opts.start));
    let total = match (opts.frames, available) {
        (Some(n), Some(a)) => Some(n.min(a)),
        (n, a) => n.or(a),
    };
    let progress = super::frame_progress(true, total.map(|t| t as u64));
    let shutdown = Shutdown::install().context("cannot install the SIGINT/SIGTERM handlers")?;
    let interrupted = || shutdown.check(&format!("-o {}", opts.out.display()), "nothing was written");
    let encoder_options = RecorderOptions { container: Some(container), ..RecorderOptions::default() };
    let mut recorder = Mp4Recorder::start(staged.path(), w, h, fps_fraction(info.fps), &encoder_options)
        .map_err(|e| anyhow::anyhow!("-o {}: {e}", opts.out.display()))?;
    player.set_motion(settings.needs_motion(), settings.range, settings.lambda)?;
    player.set_symbols(settings.needs_symbols(), settings.quant)?;
    player.set_backward(settings.needs_backward())?;
    player.set_subpel(settings.subpel)?;
    player.set_codec_mvs(settings.codec_mvs);
    let mut written = 0usize;
    while total.is_none_or(|t| written < t) {
        // Interrupted means untouched: the partial file goes (with `staged`) and nothing is committed.
        interrupted()?;
        let Some(next) = player.advance()? else {
            break; // the stream ended
        };
        if let Some(e) = player.error.take() {
            anyhow::bail!("{}: {e}", info.input);
        }
        if opts.strict {
            stop_at_damage(&player, next)?;
        }
        recorder.push(composite.render(&settings, &player, &view)?)?;
        written += 1;
        progress.inc(1);
    }
    progress.finish_and_clear();
    let summary = recorder.finish()?;
    interrupted()?;
    anyhow::ensure!(summary.frames > 0, "{}: no frame to record from frame {}", info.input, opts.start);
    let out = staged.commit()?;
    eprintln!(
        "vidscope: recorded {} frames ({}x{}, {}) of {} to {}",
        summary.frames,
        w,
        h,
        settings.mode.name(),
        info.input,
        out.display()
    );
    warn_of_damage(&player, opts.start..opts.start + written);
    if ctx.validation_log().count() > 0 {
        anyhow::bail!("the Vulkan validation layer reported problems (printed above); please report this bug");
    }
    Ok(())
}

/// What the recording shows: the viewer's settings with the UI hidden, `--overlay heatmap` folded
/// into the mode (raw → heatmap, diff → heatmap-diff).
fn settings(opts: &RecordOptions, reference: bool) -> Settings {
    let mode = match (opts.mode, opts.heatmap) {
        (Mode::Raw, true) => Mode::Heatmap,
        (Mode::Diff, true) => Mode::HeatmapDiff,
        (m, _) => m,
    };
    Settings {
        mode,
        metric: opts.metric,
        quant: opts.quant,
        trit_plane: opts.trit_plane,
        arrows: opts.arrows,
        codec_mvs: opts.codec_mvs,
        min_gain: opts.min_gain,
        block: opts.block,
        range: opts.range,
        flow_scale: opts.flow_scale,
        lambda: opts.lambda,
        fb: opts.fb,
        subpel: opts.subpel,
        playing: false,
        show_ui: false,
        reference,
        amplify: opts.amplify,
        wipe: opts.wipe,
        ..Settings::default()
    }
}

/// `--strict`: the error for the first damaged frame of either input, if frame `next` or any
/// reference frame so far had damage.
fn stop_at_damage(player: &Player, next: usize) -> anyhow::Result<()> {
    if let Some(&n) = player.decode_errors.get(&next) {
        let lost = player.frames_lost.get(&next).copied().unwrap_or(0);
        anyhow::bail!("{}: {}", player.info.input, damaged_frame(next as u64, n, lost));
    }
    if let Some((&b, &n)) = player.ref_decode_errors.first_key_value() {
        let reference = player.reference.as_ref().map_or("", |(r, _)| r.input.as_str());
        let lost = player.ref_frames_lost.get(&b).copied().unwrap_or(0);
        anyhow::bail!("--ref {reference}: {}", damaged_frame(b as u64, n, lost));
    }
    Ok(())
}

/// The compositor and egui context that draw one frame of the recording offscreen.
struct Composite {
    compositor: Compositor,
    egui: egui::Context,
    size: (u32, u32),
}

impl Composite {
    fn new(ctx: &Arc<GpuContext>, size: (u32, u32)) -> anyhow::Result<Self> {
        let mut compositor = Compositor::new(ctx, 1, vidscope_scene::DISPLAY_SPIRV, DisplayPush::SIZE)?;
        compositor.resize(size.0, size.1)?;
        Ok(Self { compositor, egui: egui::Context::default(), size })
    }

    /// The shown frame as the viewer draws it: the display pass, then the arrows.
    fn render(&mut self, settings: &Settings, player: &Player, view: &View) -> anyhow::Result<RgbaFrame> {
        let arrows = scene::arrows(settings, player, view, 1.0);
        let codec_arrows = codec_arrows(settings, player.codec_mvs.as_ref(), view, 1.0);
        let (w, h) = self.size;
        let raw_input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(w as f32, h as f32))),
            ..Default::default()
        };
        let flow_legend = (settings.mode == Mode::Flow).then(|| settings.flow_scale_px());
        let output = self.egui.run_ui(raw_input, |ui| {
            draw_arrows(ui.ctx(), &arrows, settings.colormap);
            draw_codec_arrows(ui.ctx(), &codec_arrows);
            if let Some(scale) = flow_legend {
                draw_corner_flow_legend(ui.ctx(), (w, h), scale);
            }
        });
        let primitives = self.egui.tessellate(output.shapes, output.pixels_per_point);
        let mut egui_frame = EguiFrame {
            primitives,
            overlay: Vec::new(),
            textures_delta: output.textures_delta,
            pixels_per_point: output.pixels_per_point,
        };
        let inputs = scene::display_inputs(settings, player, view);
        let shot = self.compositor.render_offscreen(&inputs, &mut egui_frame)?;
        Ok(RgbaFrame::new(shot.width, shot.height, shot.rgba))
    }
}

/// The one-line warnings for damage and format changes in the recorded frames (and anywhere in the
/// reference).
fn warn_of_damage(player: &Player, recorded: std::ops::Range<usize>) {
    let info = &player.info;
    let (errors, lost) =
        (listed(&player.decode_errors, recorded.clone()), listed(&player.frames_lost, recorded.clone()));
    if let Some(w) = decode_warning(&info.input, &errors, &lost, "`vidscope analyze` for the list per frame") {
        eprintln!("vidscope: warning: {w}");
    }
    if let Some((reference, _)) = &player.reference {
        let (errors, lost) = (listed(&player.ref_decode_errors, ..), listed(&player.ref_frames_lost, ..));
        let list = "`vidscope analyze INPUT --ref REF` for the list per frame";
        if let Some(w) = decode_warning(&reference.input, &errors, &lost, list) {
            eprintln!("vidscope: warning: {w}");
        }
    }
    let changes: Vec<_> = player.format_changes.range(recorded).map(|(_, c)| c.clone()).collect();
    let first = (info.pixel_format.as_str(), info.bit_depth);
    if let Some(w) = format_change_warning(&info.input, first, &changes, "`vidscope analyze` for the list") {
        eprintln!("vidscope: warning: {w}");
    }
}
