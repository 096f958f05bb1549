//! The windowed viewer (`vidscope view INPUT`): a winit `ApplicationHandler` that owns the window, the
//! presenter (swapchain, display pass, egui), the player (decode feed + frame graph) and the UI state,
//! and runs the frame loop: take due frames → egui → display pass → present (→ screenshot). With
//! `--ref` it compares the input (A) with a reference (B): A/B views, the wipe, the A/B PSNR heatmap.

pub mod recording;

pub use vidscope_scene::inputs::probe_inputs;
pub use vidscope_scene::player::{self, Reference};
pub use vidscope_scene::{playhead, scene};

use crate::formats::FlowFile;
use crate::gpu::{Captured, DrawOutcome, EguiFrame, GpuContext, GpuOptions, PresentMode, Presenter};
use crate::passes::{metric_exports, MotionInputs, MotionSource};
use crate::reference::symbols::plane_nonzero_counts;
use crate::reference::{psnr_from_sse, BlockSize, BlockStat, Lambda, QuantStep, SearchRange, Subpel};
use crate::ui::plots::AbPoint;
use crate::ui::{self, format_db, Action, Hud, Metric, Mode, Settings};
use crate::video::{Shutdown, StreamInfo};
use anyhow::Context as _;
use egui_file_dialog::{DialogState, FileDialog};
use glam::Vec2;
use player::{listed, AbFrame, Player};
use recording::Recording;
use scene::View;
use vidscope_core::safe_fs::ReadPaths;
use vidscope_scene::codec_arrows::{codec_arrows, codec_arrows_line};

/// Capture purposes, in the low bits of a capture's tag (the frame index sits above bit 8).
const CAPTURE_RECORD: u64 = 1;
const CAPTURE_SNAPSHOT: u64 = 2;
const CAPTURE_SCREENSHOT: u64 = 4;
/// A queued key waits at most this long for the one before it to take effect on screen (a step to a
/// frame that never comes must not hold every later key forever).
const KEY_WAIT_LIMIT: Duration = Duration::from_secs(3);
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use winit::application::ApplicationHandler;
use winit::dpi::PhysicalSize;
use winit::event::{ElementState, MouseButton, MouseScrollDelta, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::window::{Fullscreen, Window, WindowId};

/// Everything `vidscope view` takes.
#[derive(Clone, Debug)]
pub struct ViewerOptions {
    pub input: String,
    /// The input's video stream (`--stream N`); `None` = FFmpeg's best.
    pub stream: Option<usize>,
    pub gpu: GpuOptions,
    pub mode: Mode,
    /// The heatmap's metric at start (key M cycles).
    pub metric: Metric,
    /// Quantiser step of the symbol stream (trit view, non-zero and rate heatmaps).
    pub quant: QuantStep,
    /// The trit view's digit plane at start (key T cycles); kept below the planes of `quant`.
    pub trit_plane: u32,
    pub start: usize,
    pub paused: bool,
    pub hide_ui: bool,
    /// Start with motion-vector arrows on.
    pub arrows: bool,
    /// The arrows' gain filter at start (`--min-gain`; 0 shows all).
    pub min_gain: u32,
    /// Learner warp parameters (`--warp-params`) used for the prediction instead of the vectors.
    pub warp_params: Option<PathBuf>,
    /// `--flow` and `--motion`: a learner's dense flow and what drives the prediction.
    pub motion: MotionInputs,
    pub block: BlockSize,
    /// Motion search range R at start (key S steps).
    pub range: SearchRange,
    /// The flow view's pixels at full saturation (`None` = the range).
    pub flow_scale: Option<f32>,
    /// The motion search's weight λ of |dx| + |dy|.
    pub lambda: Lambda,
    /// `--fb`: run the backward search and the forward–backward check.
    pub fb: bool,
    /// `--pin BX,BY`: the block pinned at start.
    pub pin: Option<(u32, u32)>,
    /// `--subpel`: sub-pixel precision of the vectors.
    pub subpel: Subpel,
    pub present: PresentMode,
    /// Save what is presented at frame `at_frame` as PNG, then exit.
    pub screenshot: Option<(PathBuf, usize)>,
    /// Window inner size in physical pixels (default: the clip's size, within 1280x800).
    pub size: Option<(u32, u32)>,
    /// Where R (recordings) and P (snapshots) write.
    pub record_dir: PathBuf,
    /// The reference video (B) to compare with (`--ref`, `--ref-start`).
    pub reference: Option<Reference>,
    /// The |A − B| gain at start (1…64).
    pub amplify: u32,
    /// The wipe at start: its divider as a fraction of the window width.
    pub wipe: Option<f32>,
    /// `--codec-mvs`: start with the codec's motion vectors drawn (the decoder exports them only then).
    pub codec_mvs: bool,
}

/// Every file the viewer reads, which none of its outputs may be.
fn read_paths(
    input: &str,
    reference: Option<&Reference>,
    warp_params: Option<&std::path::Path>,
    motion: &MotionInputs,
) -> ReadPaths {
    let mut reads = crate::video::read_paths(
        &[("INPUT", Some(input)), ("--ref", reference.map(|r| r.input.as_str()))],
        &[("--warp-params", warp_params)],
    );
    if let Some(flow) = motion.flow.as_deref().and_then(|spec| FlowFile::open(spec).ok()) {
        reads.add_all("--flow", flow.paths());
    }
    reads
}

/// Runs the viewer until the window closes. Fails (after closing) if the validation layer reported anything.
pub fn run(options: ViewerOptions) -> anyhow::Result<()> {
    // Open the inputs first, so a bad file is a one-line CLI error before any window appears.
    let open = crate::video::OpenOptions { stream: options.stream, codec_mvs: options.codec_mvs };
    let info = probe_inputs(&options.input, open, options.reference.as_ref())?;
    let info_size = (info.width, info.height);
    if let Some((path, _)) = &options.screenshot {
        let reads =
            read_paths(&options.input, options.reference.as_ref(), options.warp_params.as_deref(), &options.motion);
        recording::check_screenshot_path(path, &reads)?;
    }
    if let (Some((_, n)), Some(count)) = (&options.screenshot, info.frame_count) {
        check_screenshot_frame(*n, count as usize)?;
    }
    let event_loop = EventLoop::new().context("cannot open a window (no display? set DISPLAY or WAYLAND_DISPLAY)")?;
    let mut app = App { options, info_size, state: None, error: None, exit_code_error: None };
    event_loop.run_app(&mut app).context("window event loop")?;
    if let Some(e) = app.error.take() {
        return Err(e);
    }
    if let Some(e) = app.exit_code_error.take() {
        return Err(e);
    }
    Ok(())
}

struct App {
    options: ViewerOptions,
    info_size: (u32, u32),
    state: Option<Running>,
    error: Option<anyhow::Error>,
    exit_code_error: Option<anyhow::Error>,
}

struct Running {
    // Field order is drop order: the presenter and player go before the context, the window last.
    presenter: Presenter,
    player: Player,
    egui_state: egui_winit::State,
    egui_ctx: egui::Context,
    ctx: Arc<GpuContext>,
    window: Arc<Window>,
    settings: Settings,
    view: View,
    /// Per-frame totals for the plots panel.
    history: ui::plots::FrameHistory,
    /// The worst-N lists' curve and N.
    worst: ui::worst_lists::WorstLists,
    /// The block (by, bx) the readout shows while the pointer is off the picture (a worst-blocks click).
    pinned: Option<(u32, u32)>,
    path_field: String,
    file_dialog: FileDialog,
    /// Set by the D key: the dialog opens after this frame's egui pass, so the key's own text event
    /// does not land in the dialog's type-to-search field.
    browse_pending: bool,
    message: Option<(String, Instant)>,
    /// The pointer in window pixels.
    cursor: Option<Vec2>,
    /// The pointer has moved within the window (not only been placed there when it opened): only then
    /// does the cost surface follow it.
    pointer_moved: bool,
    drag_from: Option<Vec2>,
    /// The wipe's divider is being dragged.
    wipe_drag: bool,
    /// Where a press on the picture started: released within a few pixels, it is a click that pins
    /// (or unpins) the block under it.
    click_from: Option<Vec2>,
    presented: u64,
    fps_count: u32,
    fps_since: Instant,
    display_fps: f64,
    idle_redraw: bool,
    /// The first damaged frame was announced (once per run; the HUD keeps the count).
    damage_announced: bool,
    /// Pixel-format changes announced so far (the HUD keeps them all).
    format_changes_announced: usize,
    /// `--warp-params`, reloaded for every new grid (block size, opened file).
    warp_params: Option<PathBuf>,
    /// `--flow` and `--motion`, attached again to every opened file.
    motion: MotionInputs,
    captures: Captures,
    /// Key presses not acted on yet, with when they came: each acts once the one before it has taken
    /// effect on screen, so it acts on the frame that was shown when it was pressed.
    keys: VecDeque<(winit::keyboard::Key, Instant)>,
    /// SIGINT / SIGTERM: finish the recording and close.
    shutdown: Option<Shutdown>,
}

/// What the composite is captured for: the recording (R), snapshots (P) and the `--screenshot`.
struct Captures {
    /// Where recordings and snapshots go (`--record-dir`).
    record_dir: PathBuf,
    recording: Option<Recording>,
    /// P presses not yet captured: each captures one presented composite (one file per press).
    snapshots_pending: u32,
    screenshot: Option<(PathBuf, usize)>,
    /// The screenshot frame was sought once after the end (it lay before `--start`).
    screenshot_sought: bool,
    /// Frames presented since the screenshot frame came on screen.
    settled: u32,
}

/// What one redraw asks of the event loop: `Some(result)` exits with that result.
type Exit = Option<anyhow::Result<()>>;

impl App {
    /// The window's size: `--size`, else the clip at the largest whole-number zoom (or shrunk) that
    /// fits in 1280x800.
    fn window_size(&self) -> (u32, u32) {
        self.options.size.unwrap_or_else(|| {
            let (cw, ch) = self.info_size;
            let fit = (1280.0 / cw as f64).min(800.0 / ch as f64);
            let scale = if fit >= 1.0 { fit.floor() } else { fit };
            (((cw as f64 * scale).round() as u32).max(320), ((ch as f64 * scale).round() as u32).max(200))
        })
    }

    /// Opens the player on the inputs (with `--warp-params`) and prints its warnings; returns the
    /// stream notices for the first message too.
    fn open_player(&self, ctx: &Arc<GpuContext>) -> anyhow::Result<(Player, Vec<String>)> {
        let o = &self.options;
        let mut player = Player::open(ctx, &o.input, o.stream, o.reference.as_ref(), o.block, o.start)?;
        player.set_warp_params(o.warp_params.as_deref())?;
        player.set_motion_inputs(o.motion.clone())?;
        for line in player.reference_differences() {
            eprintln!("vidscope: warning: {line}");
        }
        let notices = player.notices();
        for line in &notices {
            eprintln!("vidscope: warning: {line}");
        }
        Ok((player, notices))
    }

    /// The settings the command line asks for at start.
    fn initial_settings(&self, reference: bool) -> Settings {
        let o = &self.options;
        Settings {
            mode: o.mode,
            metric: o.metric,
            quant: o.quant,
            trit_plane: o.trit_plane,
            playing: !o.paused,
            show_ui: !o.hide_ui,
            arrows: o.arrows,
            codec_mvs: o.codec_mvs,
            min_gain: o.min_gain,
            block: o.block,
            range: o.range,
            flow_scale: o.flow_scale,
            lambda: o.lambda,
            fb: o.fb,
            subpel: o.subpel,
            reference,
            amplify: o.amplify.clamp(1, 64),
            wipe: o.wipe,
            ..Settings::default()
        }
    }

    fn start(&mut self, event_loop: &ActiveEventLoop) -> anyhow::Result<()> {
        let (w, h) = self.window_size();
        let attributes = Window::default_attributes()
            .with_title(format!("vidscope — {}", self.options.input))
            .with_inner_size(PhysicalSize::new(w, h));
        let window = Arc::new(event_loop.create_window(attributes).context("cannot create the window")?);
        let ctx = Arc::new(GpuContext::with_window(&self.options.gpu, window.clone())?);
        eprintln!("vidscope: GPU {}{}", ctx.describe(), if ctx.validation_enabled() { ", validation on" } else { "" });
        let size = window.inner_size();
        let (cw, ch) = self.info_size;
        ctx.check_image_size(&self.options.input, cw, ch)?;
        // The swapchain and composite images take the window's size: checked before any is made.
        if let Some((w, h)) = self.options.size {
            ctx.check_image_size("--size", w, h)?;
        }
        ctx.check_image_size("the window", size.width, size.height)?;
        let presenter = Presenter::new(
            &ctx,
            self.options.present,
            (size.width, size.height),
            vidscope_scene::DISPLAY_SPIRV,
            vidscope_scene::display::DisplayPush::SIZE,
        )?;
        let (player, notices) = self.open_player(&ctx)?;
        let egui_ctx = egui::Context::default();
        let egui_state = egui_winit::State::new(
            egui_ctx.clone(),
            egui::ViewportId::ROOT,
            &window,
            Some(window.scale_factor() as f32),
            None,
            None,
        );
        let settings = self.initial_settings(player.reference.is_some());
        self.state = Some(Running {
            presenter,
            player,
            history: ui::plots::FrameHistory::default(),
            worst: ui::worst_lists::WorstLists::default(),
            pinned: self.options.pin.map(|(bx, by)| (by, bx)),
            egui_state,
            egui_ctx,
            ctx,
            window: window.clone(),
            settings,
            view: View { zoom: 1.0, origin: Vec2::ZERO, fit: true },
            path_field: String::new(),
            file_dialog: open_dialog(),
            browse_pending: false,
            message: (!notices.is_empty()).then(|| (notices.join("\n"), Instant::now())),
            cursor: None,
            pointer_moved: false,
            drag_from: None,
            wipe_drag: false,
            click_from: None,
            presented: 0,
            fps_count: 0,
            fps_since: Instant::now(),
            display_fps: 0.0,
            idle_redraw: false,
            damage_announced: false,
            format_changes_announced: 0,
            warp_params: self.options.warp_params.clone(),
            motion: self.options.motion.clone(),
            captures: Captures {
                record_dir: self.options.record_dir.clone(),
                recording: None,
                snapshots_pending: 0,
                screenshot: self.options.screenshot.clone(),
                screenshot_sought: false,
                settled: 0,
            },
            keys: VecDeque::new(),
            shutdown: Shutdown::install()
                .map_err(|e| {
                    tracing::warn!("cannot catch SIGINT/SIGTERM ({e}); closing by signal loses a recording's end")
                })
                .ok(),
        });
        window.request_redraw();
        Ok(())
    }

    fn fail(&mut self, event_loop: &ActiveEventLoop, e: anyhow::Error) {
        if self.error.is_none() {
            self.error = Some(e);
        }
        event_loop.exit();
    }
}

impl ApplicationHandler for App {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.state.is_some() {
            return;
        }
        if let Err(e) = self.start(event_loop) {
            self.fail(event_loop, e);
        }
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, _id: WindowId, event: WindowEvent) {
        let Some(st) = self.state.as_mut() else { return };
        let response = st.egui_state.on_window_event(&st.window, &event);
        if response.repaint {
            st.window.request_redraw();
        }
        let result = match event {
            WindowEvent::CloseRequested => {
                event_loop.exit();
                Ok(())
            }
            WindowEvent::Resized(size) => {
                st.presenter.resize(size.width, size.height);
                st.window.request_redraw();
                Ok(())
            }
            WindowEvent::RedrawRequested => match st.frame() {
                Ok(Some(exit)) => {
                    if let Err(e) = exit {
                        self.error = Some(e);
                    }
                    event_loop.exit();
                    Ok(())
                }
                Ok(None) => Ok(()),
                Err(e) => Err(e),
            },
            // Synthetic presses are winit replaying keys held while the window gained focus: not a
            // key press by the user (a held R would otherwise toggle the recording a second time).
            WindowEvent::KeyboardInput { event, is_synthetic: false, .. } if !response.consumed => {
                let dialog_open = *st.file_dialog.state() == DialogState::Open;
                // A held key repeats: fine for stepping with the arrows, wrong for toggles (a held R
                // would start and at once stop a recording).
                let stepping = matches!(
                    event.logical_key,
                    winit::keyboard::Key::Named(
                        winit::keyboard::NamedKey::ArrowLeft | winit::keyboard::NamedKey::ArrowRight
                    )
                );
                let fresh = !event.repeat || stepping;
                if event.state == ElementState::Pressed
                    && fresh
                    && !st.egui_ctx.egui_wants_keyboard_input()
                    && !dialog_open
                {
                    // Acted on by the next frame, in order (see `run_queued_keys`).
                    st.keys.push_back((event.logical_key.clone(), Instant::now()));
                    st.window.request_redraw();
                }
                Ok(())
            }
            WindowEvent::DroppedFile(path) => {
                st.act(Action::Open(path.to_string_lossy().into_owned()));
                Ok(())
            }
            WindowEvent::CursorMoved { position, .. } => {
                let p = Vec2::new(position.x as f32, position.y as f32);
                if st.wipe_drag {
                    let width = st.window.inner_size().width.max(1) as f32;
                    st.settings.wipe = Some((p.x / width).clamp(0.0, 1.0));
                } else if let (Some(from), false) = (st.drag_from, response.consumed) {
                    st.view.pan(p - from);
                    st.drag_from = Some(p);
                }
                st.pointer_moved |= st.cursor.is_some_and(|c| c != p);
                st.cursor = Some(p);
                st.window.request_redraw();
                Ok(())
            }
            WindowEvent::CursorLeft { .. } => {
                st.cursor = None;
                Ok(())
            }
            WindowEvent::MouseInput { state, button: MouseButton::Left, .. } => {
                st.left_button(state);
                Ok(())
            }
            WindowEvent::MouseWheel { delta, .. } if !st.egui_ctx.is_pointer_over_egui() => {
                let steps = match delta {
                    MouseScrollDelta::LineDelta(_, y) => y,
                    MouseScrollDelta::PixelDelta(p) => p.y as f32 / 60.0,
                };
                st.zoom_at(1.25f32.powf(steps));
                st.window.request_redraw();
                Ok(())
            }
            _ => Ok(()),
        };
        if let Err(e) = result {
            self.fail(event_loop, e);
        }
    }

    fn about_to_wait(&mut self, event_loop: &ActiveEventLoop) {
        let Some(st) = self.state.as_mut() else { return };
        if st.shutdown.as_ref().is_some_and(Shutdown::requested) {
            eprintln!("vidscope: stopping on a signal");
            event_loop.exit();
            return;
        }
        let busy = st.captures.settled > 0 || st.idle_redraw || st.captures.snapshots_pending > 0;
        if st.player.wants_frame(st.settings.playing) || st.settings.playing || busy {
            st.idle_redraw = false;
            st.window.request_redraw();
            event_loop.set_control_flow(ControlFlow::Poll);
        } else {
            // Paused: refresh the HUD a few times a second, and on any input.
            st.idle_redraw = true;
            event_loop.set_control_flow(ControlFlow::WaitUntil(Instant::now() + Duration::from_millis(250)));
        }
    }

    fn exiting(&mut self, _event_loop: &ActiveEventLoop) {
        if let Some(mut st) = self.state.take() {
            // Closing finishes a recording, so the file plays in any player.
            if let Err(e) = st.stop_recording() {
                eprintln!("vidscope: error: {e:#}");
                self.error.get_or_insert(e);
            }
            st.ctx.wait_idle();
            let n = st.ctx.validation_log().count();
            if n > 0 && self.exit_code_error.is_none() {
                self.exit_code_error = Some(anyhow::anyhow!(
                    "the Vulkan validation layer reported {n} problem(s) (printed above); please report this bug"
                ));
            }
            let (errors, lost) = (listed(&st.player.decode_errors, ..), listed(&st.player.frames_lost, ..));
            if let Some(w) = crate::formats::decode_warning(&st.player.info.input, &errors, &lost, "the HUD") {
                eprintln!("vidscope: warning: {w}");
            }
            let fps = st.display_fps;
            drop(st);
            tracing::info!("viewer closed (display {fps:.1} fps)");
        }
    }
}

impl Running {
    /// Whether the pointer is within a few pixels of the wipe's divider (when the wipe is shown).
    fn near_wipe_divider(&self) -> bool {
        let (Some(wipe), Some(cursor), true) = (self.settings.wipe, self.cursor, self.settings.reference) else {
            return false;
        };
        let x = (wipe * self.window.inner_size().width as f32).floor();
        (cursor.x - x).abs() <= 8.0 && self.settings.mode != Mode::Split
    }

    fn image_size(&self) -> Vec2 {
        Vec2::new(self.player.info.width as f32, self.player.info.height as f32)
    }

    /// The size of the pane the view maps into: the window, or each half of it in the split view.
    fn pane_size(&self) -> Vec2 {
        let s = self.window.inner_size();
        View::pane(self.settings.mode, (s.width, s.height))
    }

    /// The cursor in its pane's coordinates (the right pane of the split view starts at half the width).
    fn cursor_in_pane(&self) -> Option<Vec2> {
        let cursor = self.cursor?;
        let half = (self.window.inner_size().width / 2) as f32;
        let in_right_pane = self.settings.mode == Mode::Split && cursor.x >= half;
        Some(if in_right_pane { cursor - Vec2::new(half, 0.0) } else { cursor })
    }

    /// The image pixel under the cursor, when it is on the picture.
    /// The block whose cost surface is shown: the pinned one, else, while paused, the one under the
    /// pointer once the user moves it over the picture. (Each new block recomputes the frame: cheap on a
    /// GPU, so it follows the pointer; during playback only the pinned block's is computed.)
    fn surface_block(&self) -> Option<(u32, u32)> {
        let hovered = || {
            let (x, y) =
                self.cursor_in_image().filter(|_| self.pointer_moved && !self.egui_ctx.is_pointer_over_egui())?;
            let block = self.player.grid().block;
            Some((y / block, x / block))
        };
        self.pinned.or_else(|| if self.settings.playing { None } else { hovered() })
    }

    /// The left button: a press near the wipe's divider drags it, elsewhere on the picture it pans; a
    /// release within a few pixels of the press is a click, which pins (or unpins) the block under it.
    fn left_button(&mut self, state: ElementState) {
        let on_picture = state == ElementState::Pressed && !self.egui_ctx.is_pointer_over_egui();
        self.wipe_drag = on_picture && self.near_wipe_divider();
        self.drag_from = if on_picture && !self.wipe_drag { self.cursor } else { None };
        if state == ElementState::Pressed {
            self.click_from = self.drag_from;
        } else if let (Some(from), Some(to)) = (self.click_from.take(), self.cursor) {
            if from.distance(to) <= 3.0 {
                self.pin_block_under_cursor();
            }
        }
    }

    /// Pins the block under the pointer (its readout and cost surface stay), or unpins it.
    fn pin_block_under_cursor(&mut self) {
        if let Some((x, y)) = self.cursor_in_image() {
            let block = self.player.grid().block;
            let (by, bx) = (y / block, x / block);
            self.pinned = if self.pinned == Some((by, bx)) { None } else { Some((by, bx)) };
            self.window.request_redraw();
        }
    }

    fn cursor_in_image(&self) -> Option<(u32, u32)> {
        let p = self.view.image_from_window(self.cursor_in_pane()?);
        let (w, h) = (self.player.info.width as f32, self.player.info.height as f32);
        (p.x >= 0.0 && p.y >= 0.0 && p.x < w && p.y < h).then_some((p.x as u32, p.y as u32))
    }

    fn fit_view(&mut self) {
        if let Some(view) = View::fit(self.image_size(), self.pane_size()) {
            self.view = view;
        }
    }

    /// Zooms by `factor` keeping the source point under the cursor (or the window centre) in place.
    fn zoom_at(&mut self, factor: f32) {
        let anchor = self.cursor_in_pane().unwrap_or(self.pane_size() / 2.0);
        self.view.zoom_about(anchor, factor);
    }

    fn notify(&mut self, message: String) {
        eprintln!("vidscope: {message}");
        self.message = Some((message, Instant::now()));
    }

    /// Acts on the queued key presses in order, each only once everything the keys before it asked
    /// for has happened on screen (a step's frame shown, snapshots and the recording's frame taken),
    /// so `p p e r → r` quickly while paused snapshots and exports the frame shown at those presses and
    /// records both frames. `Some` when a key quit.
    fn run_queued_keys(&mut self) -> Option<anyhow::Result<()>> {
        while let Some((_, pressed)) = self.keys.front() {
            if !self.screen_caught_up() && pressed.elapsed() < KEY_WAIT_LIMIT {
                self.window.request_redraw();
                break;
            }
            let (key, _) = self.keys.pop_front()?;
            match ui::on_key(&key, &mut self.settings) {
                Some(Action::Quit) => return Some(Ok(())),
                Some(action) => self.act(action),
                None => {}
            }
        }
        None
    }

    /// Whether the frame on screen is the one asked for and everything asked of it was captured.
    fn screen_caught_up(&self) -> bool {
        let shown = self.player.shown();
        let stepping = self.player.position() != shown;
        let recording_behind =
            self.captures.recording.as_ref().is_some_and(|r| shown.is_some() && r.last_frame != shown);
        self.captures.snapshots_pending == 0 && !stepping && !recording_behind
    }

    /// Drives the prediction from the next motion source given (the N key).
    fn next_motion_source(&mut self) {
        let next = self.player.motion_sources().next();
        if let Err(e) = self.player.set_motion_source(next) {
            self.notify(format!("{e:#}"));
        }
    }

    /// The HUD's line on what predicts the frame (N switches), with the vectors' units.
    fn prediction_line(&self) -> String {
        let sources = self.player.motion_sources();
        let switch = if sources.available().len() > 1 { "  (N: next source)" } else { "" };
        let line = match (sources.source(), self.player.warp_params(), sources.flow_name()) {
            (MotionSource::Params, Some(w), _) => format!("prediction: warp params {}", w.path.display()),
            (MotionSource::Flow, _, Some(flow)) => {
                format!("prediction: dense flow {flow} (1/16 px; arrows and flow view: block medians)")
            }
            (MotionSource::Codec, _, _) => {
                "prediction: codec motion vectors (the past-direction one covering each block's centre, px)".into()
            }
            _ => format!(
                "prediction: motion search ±{}{}",
                self.settings.range,
                match self.settings.subpel.get() {
                    4 => ", quarter-pel vectors (motion_qpel, 1/4 px units)",
                    2 => ", half-pel vectors (motion_qpel, 1/4 px units)",
                    _ => "",
                }
            ),
        };
        format!("{line}{switch}")
    }

    fn act(&mut self, action: Action) {
        match action {
            Action::Step(d) => {
                self.settings.playing = false;
                let cur = self.player.position().unwrap_or(0) as i64;
                self.player.seek((cur + d).max(0) as usize);
            }
            Action::Seek(n) => self.player.seek(n),
            // Picked up by the next frame(), which calls Player::set_motion.
            Action::RangeChanged => {}
            Action::BlockChanged => {
                // The old pipeline's and player's buffers may still be read by frames in flight.
                if let Err(e) = self.presenter.wait_frames() {
                    self.notify(format!("block size {}: cannot wait for the GPU: {e}", self.settings.block));
                    return;
                }
                self.history.clear();
                self.pinned = None;
                if let Err(e) = self.player.set_block(&self.ctx, self.settings.block) {
                    self.notify(format!("block size {}: {e}", self.settings.block));
                }
                if let Err(e) = self.player.set_warp_params(self.warp_params.as_deref()) {
                    self.notify(format!("{e:#}; predicting from motion search"));
                }
            }
            Action::Open(path) => {
                if let Err(e) = self.presenter.wait_frames() {
                    self.notify(format!("{path}: not opened, cannot wait for the GPU: {e}"));
                    return;
                }
                if let Err(e) = fits_device(&self.ctx, &path) {
                    self.notify(format!("{e:#} (still showing {})", self.player.info.input));
                    return;
                }
                // The reference stays when the new file can be compared with it.
                let reference = self.player.reference.as_ref().map(|(r, _)| r.clone());
                // A newly opened file starts on FFmpeg's best video stream (the HUD says how to pick another).
                let opened = match Player::open(&self.ctx, &path, None, reference.as_ref(), self.settings.block, 0) {
                    Err(e) if reference.is_some() => {
                        self.notify(format!("{e:#}: comparing stopped"));
                        Player::open(&self.ctx, &path, None, None, self.settings.block, 0)
                    }
                    other => other,
                };
                match opened {
                    Ok(p) => {
                        self.player = p;
                        self.settings.reference = self.player.reference.is_some();
                        self.history.clear();
                        self.pinned = None;
                        self.window.set_title(&format!("vidscope — {path}"));
                        self.fit_view();
                        self.message = None;
                        self.path_field = path;
                        self.format_changes_announced = 0;
                        let notices = self.player.notices();
                        if !notices.is_empty() {
                            self.notify(notices.join("\n"));
                        }
                        if let Err(e) = self.player.set_warp_params(self.warp_params.as_deref()) {
                            self.notify(format!("{e:#}; predicting from motion search"));
                        }
                        if let Err(e) = self.player.set_motion_inputs(self.motion.clone()) {
                            self.notify(format!("{e:#}; predicting from motion search"));
                        }
                    }
                    Err(e) => self.notify(format!("{e:#} (still showing {})", self.player.info.input)),
                }
            }
            Action::Browse => self.browse_pending = true,
            Action::ToggleRecord => {
                if self.captures.recording.is_some() {
                    match self.stop_recording() {
                        Ok(()) => {}
                        Err(e) => self.notify(format!("{e:#}")),
                    }
                } else {
                    self.start_recording();
                }
            }
            Action::Snapshot => self.captures.snapshots_pending += 1,
            Action::ExportStats => self.export_stats(),
            Action::NextMotionSource => self.next_motion_source(),
            Action::ToggleFullscreen => {
                let full = self.window.fullscreen().is_some();
                self.window.set_fullscreen(if full { None } else { Some(Fullscreen::Borderless(None)) });
            }
            Action::ResetView => self.fit_view(),
            Action::PinBlock { by, bx } => {
                self.pinned = if self.pinned == Some((by, bx)) { None } else { Some((by, bx)) };
            }
            Action::NeedsReference => {
                self.notify("the A/B views need a reference video: vidscope view INPUT --ref REF".into())
            }
            Action::Quit => {}
        }
    }

    /// Opens the file dialog in the folder of the file on screen (for a synthetic source, which has
    /// none, the working directory).
    fn show_file_dialog(&mut self) {
        let folder = std::path::Path::new(&self.player.info.input).parent().filter(|p| p.is_dir());
        self.file_dialog.config_mut().initial_directory = match folder {
            Some(f) if !f.as_os_str().is_empty() => f.to_path_buf(),
            _ => std::env::current_dir().unwrap_or_default(),
        };
        self.file_dialog.pick_file();
    }

    /// Non-zero trits per plane and the rate of block `i`, when the symbols pass ran.
    fn hover_symbols(&self, i: usize) -> Option<ui::HoverSymbols> {
        let layout = &self.player.symbol_layout;
        let words = layout.record_words() as usize;
        let record = self.player.symbols.get(i * words..(i + 1) * words)?;
        let rate = self.player.rates.get(i)?;
        let mut nonzero = [0u32; 6];
        for (n, c) in nonzero.iter_mut().zip(plane_nonzero_counts(record, layout)) {
            *n = c;
        }
        Some(ui::HoverSymbols {
            planes: layout.planes,
            nonzero,
            // + 0.0: an empty f64 sum (zero motion) is −0.0.
            mv_bits: rate.mv_bits + 0.0,
            residual_bits: rate.residual_bits,
        })
    }

    /// The readout: the pixel and block under the pointer on the picture, else the pinned block (at
    /// its centre pixel).
    fn hover(&self) -> Option<ui::Hover> {
        self.player.shown()?;
        let grid = self.player.grid();
        let pointed = if self.egui_ctx.is_pointer_over_egui() { None } else { self.cursor_in_image() };
        match pointed {
            Some((x, y)) => Some(self.readout(x, y, false)),
            None => {
                let (by, bx) = self.pinned.filter(|&(by, bx)| by < grid.blocks_y() && bx < grid.blocks_x())?;
                let r = grid.rect(by, bx);
                Some(self.readout(r.x0 + (r.w - 1) / 2, r.y0 + (r.h - 1) / 2, true))
            }
        }
    }

    /// The readout of image pixel (x, y) and its block.
    fn readout(&self, x: u32, y: u32, pinned: bool) -> ui::Hover {
        let w = self.player.info.width;
        let grid = self.player.grid();
        let (bx, by) = (x / grid.block, y / grid.block);
        let i = (by * grid.blocks_x() + bx) as usize;
        let stat = self.player.stats.get(i).copied().unwrap_or_default();
        ui::Hover {
            pinned,
            x,
            y,
            luma: self.player.luma.get((y * w + x) as usize).copied().unwrap_or(0),
            chroma: self.player.chroma.as_ref().and_then(|c| {
                let i = ((y >> c.shift_y) * c.width + (x >> c.shift_x)) as usize;
                Some((*c.cb.get(i)?, *c.cr.get(i)?))
            }),
            by,
            bx,
            sad: stat.sad,
            sse: stat.sse,
            mean: BlockStat::mean(stat.sum_a, grid.rect(by, bx).count()),
            motion: match (self.player.motion.get(i), self.player.mc_stats.get(i)) {
                (Some(v), Some(mc)) => Some((v.dx, v.dy, mc.sad)),
                _ => None,
            },
            qpel: self.player.qpel.get(i).map(|q| (q.qx, q.qy)),
            symbols: self.hover_symbols(i),
            ab: self.player.ab.stats.get(i).map(|s| ui::HoverAb {
                a: self.player.luma.get((y * w + x) as usize).copied().unwrap_or(0),
                b: self.player.ab.luma_b.get((y * w + x) as usize).copied().unwrap_or(0),
                sad: s.sad,
                sse: s.sse,
                psnr: psnr_from_sse(u64::from(s.sse), grid.rect(by, bx).count() as u64),
            }),
            pass_metrics: metric_exports()
                .zip(&self.player.pass_values)
                .filter_map(|(m, values)| Some((m.label, *values.get(i)?)))
                .collect(),
        }
    }

    /// One redraw: the queued keys, then the tick, the HUD, egui, the draw and its captures.
    fn frame(&mut self) -> anyhow::Result<Exit> {
        if let Some(quit) = self.run_queued_keys() {
            return Ok(Some(quit));
        }
        let wanted = self.options_screenshot_frame();
        if let Some(exit) = self.tick(wanted)? {
            return Ok(Some(exit));
        }
        let hud = self.hud();
        let (egui_frame, actions) = self.run_egui(&hud);
        self.draw(egui_frame, actions, wanted)
    }

    /// Advances playback: the passes the view needs, the next frame, notices, the end of the stream,
    /// and seeking the `--screenshot` frame (an unreachable one ends the run).
    fn tick(&mut self, wanted: Option<usize>) -> anyhow::Result<Exit> {
        // Motion search runs only while the view needs it (it is slow on a CPU Vulkan device).
        self.player.set_motion(self.settings.needs_motion(), self.settings.range, self.settings.lambda)?;
        // Likewise the symbol stream (trit view, non-zero and rate heatmaps).
        self.player.set_symbols(self.settings.needs_symbols(), self.settings.quant)?;
        self.player.set_backward(self.settings.needs_backward())?;
        self.player.set_subpel(self.settings.subpel)?;
        self.player.set_surface_block(self.surface_block())?;
        // The decoder exports the codec's vectors only while they are drawn (it costs decode time).
        self.player.set_codec_mvs(self.settings.codec_mvs && self.codec_mvs_available());
        let presenter = &self.presenter;
        // Waiting for a screenshot the player does not loop, so it can tell when the frame is past the end.
        let looping = self.settings.looping && wanted.is_none();
        let arrived =
            self.player.tick(self.settings.playing, self.settings.speed, looping, &mut || presenter.wait_frames())?;
        if let Some(index) = arrived {
            self.history.record(index, &self.player.stats, &self.player.mc_stats);
            if let Some(e) = self.player.ab.error {
                let ab = &self.player.ab;
                let point = AbPoint { psnr: e.psnr, ssim: ab.ssim, yuv: ab.yuv, ms_ssim: ab.ms_ssim };
                self.history.record_ab(index, point);
            }
        }
        let decode_error = self.player.error.take();
        if let Some(e) = &decode_error {
            // A reference that ends first stops playback (and comparing) at its end: the frames before
            // stay viewable.
            self.notify(format!("decoding stopped: {e}"));
        }
        if !self.damage_announced {
            if let Some((f, n)) = self.player.decode_errors.first_key_value().map(|(f, n)| (*f, *n)) {
                self.damage_announced = true;
                let lost = crate::formats::lost_just_before(self.player.frames_lost.get(&f).copied().unwrap_or(0));
                self.notify(format!(
                    "frame {f}: {n} decoder error(s){lost}; damaged frames are decoded on as ffmpeg does (the HUD counts them)"
                ));
            }
        }
        if self.player.format_changes.len() > self.format_changes_announced {
            self.format_changes_announced = self.player.format_changes.len();
            if let Some(line) = self.player.notices().last().cloned() {
                self.notify(format!("warning: {}: {line}", self.player.info.input));
            }
        }
        if self.player.take_just_ended() {
            // The end without looping: pause there; play again starts from the first frame.
            self.settings.playing = false;
        } else if self.settings.playing && self.player.ended() {
            self.player.seek(0);
        }
        if self.view.fit {
            self.fit_view();
        }
        // At the end the frame count is known: a frame before it (e.g. before --start) is sought, a frame
        // past it is an error rather than a wait that never ends.
        if let (Some(n), true) = (wanted, self.player.ended() && self.player.shown() != wanted) {
            let reachable = check_screenshot_frame(n, self.player.frames_total().unwrap_or(0));
            match (reachable, decode_error, self.captures.screenshot_sought) {
                (Err(e), _, _) => return Ok(Some(Err(e))),
                (Ok(()), Some(e), _) => return Ok(Some(Err(anyhow::anyhow!("--at-frame {n}: decoding stopped: {e}")))),
                (Ok(()), None, true) => {
                    return Ok(Some(Err(anyhow::anyhow!("--at-frame {n}: the input ended before that frame"))))
                }
                (Ok(()), None, false) => {
                    self.captures.screenshot_sought = true;
                    self.player.seek(n);
                }
            }
        }
        if wanted.is_some() && self.player.shown() == wanted {
            // Hold the frame for the screenshot (playback shows every frame, so it cannot skip it).
            self.settings.playing = false;
        }
        if self.message.as_ref().is_some_and(|(_, t)| t.elapsed() > Duration::from_secs(10)) {
            self.message = None;
        }
        Ok(None)
    }

    /// What the HUD shows this redraw.
    fn hud(&self) -> Hud {
        let (lo, hi) = scene::metric_range(&self.settings, &self.player);
        let scale_max = scene::scale_max(&self.settings, &self.player);
        let scale = if self.settings.metric == Metric::AbPsnr {
            (hi, lo) // best (left of the colormap) to worst
        } else {
            (if self.settings.auto_scale { lo } else { 0.0 }, scale_max)
        };
        Hud {
            input: self.player.info.input.clone(),
            width: self.player.info.width,
            height: self.player.info.height,
            fps: self.player.info.fps,
            colour: colour_label(&self.player.info, self.player.chroma.is_some(), self.settings.luma_only),
            frame: self.player.shown(),
            frames_total: self.player.frames_total(),
            display_fps: if self.display_fps > 0.0 {
                self.display_fps
            } else {
                self.fps_count as f64 / self.fps_since.elapsed().as_secs_f64().max(1e-3)
            },
            decode_fps: self.player.decode_fps(),
            timings: self.player.timings.clone(),
            has_timestamps: self.player.has_timestamps(),
            behind: self.player.behind(),
            present_mode: self.presenter.present_mode_used(),
            device: self.ctx.device_name().to_string(),
            scale,
            hover: self.hover(),
            zoom: self.view.zoom,
            message: self.message.as_ref().map(|(m, _)| m.clone()),
            prediction: self.settings.needs_motion().then(|| self.prediction_line()),
            arrows: self.settings.arrows.then(|| self.arrows_line()),
            codec_mvs: (self.settings.codec_mvs && self.codec_mvs_available())
                .then(|| codec_arrows_line(&self.settings, self.player.codec_mvs.as_ref())),
            codec_mvs_available: self.codec_mvs_available(),
            recording: self.captures.recording.is_some(),
            reference: self.player.reference.as_ref().map(|(r, b)| {
                let mut line =
                    format!("B: {} (frame t + {})  {}x{} @ {:.2} fps", r.input, r.start, b.width, b.height, b.fps);
                for d in self.player.reference_differences() {
                    line.push_str("\n   ");
                    line.push_str(&d);
                }
                line
            }),
            ab_frame: self.player.ab.error.map(|e| (e.mse, e.psnr, self.player.ab.ssim)),
            ab_more: ab_more_line(&self.player.ab),
            decode_errors: decode_errors_line(
                &self.player.decode_errors,
                &self.player.frames_lost,
                self.player.shown(),
            ),
            notices: self.player.notices(),
            surface: self.surface_block().map(|block| {
                let i = (block.0 * self.player.grid().blocks_x() + block.1) as usize;
                ui::SurfaceView {
                    block,
                    range: self.player.surface_range,
                    sads: self.player.surface.clone(),
                    chosen: self.player.motion.get(i).map(|v| (v.dx, v.dy)),
                }
            }),
        }
    }

    /// The HUD's arrows line: one arrow per block or per group (and the gain filter), so a user
    /// knows when arrows stand for several blocks.
    fn arrows_line(&self) -> String {
        let g = scene::arrow_group(&self.player, &self.view, self.egui_ctx.pixels_per_point());
        let per = if g == 1 { "one per block".to_string() } else { format!("one per {g}x{g} blocks (median vector)") };
        let gain = match self.settings.min_gain {
            0 => String::new(),
            m => format!(", MC gain >= {m}"),
        };
        // What the arrows draw: the integer vectors, or the refined ones (--subpel), and how long.
        let units = if self.player.qpel.is_empty() { "vectors in px" } else { "refined vectors, ¼ px precision" };
        format!("arrows: {per}{gain}; {units}, drawn ×{}", self.settings.arrow_scale)
    }

    /// Whether the open input has codec motion vectors to draw (FFmpeg decodes it).
    fn codec_mvs_available(&self) -> bool {
        crate::video::without_codec_vectors(&self.player.info.input).is_none()
    }

    /// The shown frame's per-block values of the heatmap's metric, for the worst-blocks list.
    fn shown_blocks(&self) -> ui::worst_lists::ShownBlocks {
        let metric = self.settings.metric;
        ui::worst_lists::ShownBlocks {
            metric_label: metric.label(),
            lower_is_worse: metric.lower_is_worse(),
            frame: self.player.shown(),
            blocks_x: self.player.grid().blocks_x(),
            values: scene::block_values(metric, &self.player),
        }
    }

    /// Runs egui (panels, arrows, plots, the file dialog, the recording indicator) and tessellates
    /// its output; returns it with the actions the panels asked for.
    fn run_egui(&mut self, hud: &Hud) -> (EguiFrame, Vec<Action>) {
        let ppp = self.egui_ctx.pixels_per_point();
        let arrows = scene::arrows(&self.settings, &self.player, &self.view, ppp);
        let codec_arrows = codec_arrows(&self.settings, self.player.codec_mvs.as_ref(), &self.view, ppp);
        let rec = self.captures.recording.as_ref().map(|r| (r.elapsed_secs(), r.frames));
        let mut overlay_shapes = Vec::new();
        let raw_input = self.egui_state.take_egui_input(&self.window);
        let history = &self.history;
        let plots = self.settings.show_ui && self.settings.plots;
        let shown_blocks = plots.then(|| self.shown_blocks());
        let worst = &mut self.worst;
        let grid = self.player.grid();
        let hover_block = hud.hover.as_ref().map(|h| (h.by, h.bx, h.by * grid.blocks_x() + h.bx));
        let shown = self.player.shown();
        let settings = &mut self.settings;
        let path_field = &mut self.path_field;
        let file_dialog = &mut self.file_dialog;
        let mut actions = Vec::new();
        let output = self.egui_ctx.run_ui(raw_input, |ui| {
            ui::draw_arrows(ui.ctx(), &arrows, settings.colormap);
            ui::draw_codec_arrows(ui.ctx(), &codec_arrows);
            actions = ui::draw(ui, settings, hud, path_field);
            if let Some(blocks) = &shown_blocks {
                // Drawn first, so the lists sit under the plots, at the window's bottom.
                match ui::worst_lists::show(ui, worst, history, blocks) {
                    Some(ui::worst_lists::Pick::Frame(f)) => actions.push(Action::Seek(f)),
                    Some(ui::worst_lists::Pick::Block { by, bx }) => actions.push(Action::PinBlock { by, bx }),
                    None => {}
                }
                if let Some(f) = ui::plots::show(ui, history, hover_block, shown) {
                    actions.push(Action::Seek(f));
                }
            }
            file_dialog.update(ui.ctx());
            if let Some((elapsed, frames)) = rec {
                // Laid out inside the pass, so any new glyphs reach this frame's font texture.
                let painter = ui.ctx().layer_painter(egui::LayerId::debug());
                overlay_shapes = recording::rec_indicator(&painter, ui.ctx().content_rect(), elapsed, frames);
            }
            // `take_picked` closes the dialog, so the file is opened once.
            if let Some(path) = file_dialog.take_picked() {
                actions.push(Action::Open(path.to_string_lossy().into_owned()));
            }
        });
        self.egui_state.handle_platform_output(&self.window, output.platform_output);
        if std::mem::take(&mut self.browse_pending) {
            self.show_file_dialog();
            self.window.request_redraw();
        }
        let ppp = output.pixels_per_point;
        let primitives = self.egui_ctx.tessellate(output.shapes, ppp);
        let screen = self.egui_ctx.content_rect();
        let overlay_shapes =
            overlay_shapes.into_iter().map(|shape| egui::epaint::ClippedShape { clip_rect: screen, shape }).collect();
        let overlay = self.egui_ctx.tessellate(overlay_shapes, ppp);
        let egui_frame =
            EguiFrame { primitives, overlay, textures_delta: output.textures_delta, pixels_per_point: ppp };
        (egui_frame, actions)
    }

    /// Draws the composite and the overlay, acts on the panels' actions, and hands what was captured
    /// to the recording, snapshots and screenshot.
    fn draw(&mut self, egui_frame: EguiFrame, actions: Vec<Action>, wanted: Option<usize>) -> anyhow::Result<Exit> {
        let inputs = scene::display_inputs(&self.settings, &self.player, &self.view);
        // What this draw's composite is captured for (see CAPTURE_*), tagged with the frame shown.
        let shown = self.player.shown();
        let mut purposes = 0;
        if self.captures.recording.as_ref().is_some_and(|r| shown.is_some() && r.last_frame != shown) {
            purposes |= CAPTURE_RECORD;
        }
        if self.captures.snapshots_pending > 0 {
            purposes |= CAPTURE_SNAPSHOT;
        }
        if wanted.is_some() && shown == wanted && self.captures.settled >= 3 {
            purposes |= CAPTURE_SCREENSHOT;
        }
        let tag = (purposes != 0).then(|| purposes | ((shown.unwrap_or(0) as u64) << 8));
        let outcome = self.presenter.draw(inputs, egui_frame, tag)?;
        for a in actions {
            self.act(a);
        }
        if let DrawOutcome::Presented = outcome {
            self.presented += 1;
            self.fps_count += 1;
            let dt = self.fps_since.elapsed().as_secs_f64();
            if dt >= 1.0 {
                self.display_fps = self.fps_count as f64 / dt;
                tracing::info!("display {:.1} fps, decode {:.1} fps", self.display_fps, self.player.decode_fps());
                self.fps_count = 0;
                self.fps_since = Instant::now();
            }
            if wanted.is_some() && shown == wanted {
                self.captures.settled += 1;
            }
            if purposes & CAPTURE_RECORD != 0 {
                if let Some(r) = &mut self.captures.recording {
                    r.last_frame = shown;
                }
            }
            if purposes & CAPTURE_SNAPSHOT != 0 {
                self.captures.snapshots_pending -= 1;
            }
        }
        let captured = if purposes & CAPTURE_SCREENSHOT != 0 && matches!(outcome, DrawOutcome::Presented) {
            // The screenshot ends the run: wait for it (and anything before it) now.
            self.presenter.flush_captures()?
        } else {
            self.presenter.take_captures()
        };
        for c in captured {
            if let Some(exit) = self.handle_capture(c)? {
                return Ok(Some(exit));
            }
        }
        Ok(None)
    }

    /// Hands a captured composite to the recording, the snapshot file and/or the screenshot.
    fn handle_capture(&mut self, c: Captured) -> anyhow::Result<Exit> {
        let frame = (c.tag >> 8) as usize;
        if c.tag & CAPTURE_SNAPSHOT != 0 {
            self.save_snapshot(&c);
        }
        if c.tag & CAPTURE_RECORD != 0 {
            let size = (c.shot.width, c.shot.height);
            let pushed = match &mut self.captures.recording {
                Some(r) if r.size == size => Some(r.push(c.shot.clone())),
                Some(_) => None,
                None => Some(Ok(())),
            };
            match pushed {
                Some(Ok(())) => {}
                Some(Err(e)) => {
                    self.notify(format!("recording failed: {e:#}"));
                    if let Err(e) = self.stop_recording() {
                        self.notify(format!("{e:#}"));
                    }
                }
                None => {
                    // An MP4 has one frame size: a resized window ends the recording.
                    if let Err(e) = self.stop_recording() {
                        self.notify(format!("{e:#}"));
                    }
                    self.notify("the window was resized: recording stopped and saved".into());
                }
            }
        }
        if c.tag & CAPTURE_SCREENSHOT != 0 {
            let path = self.options_screenshot_path().expect("a screenshot was asked for");
            let reference = self.player.reference.as_ref().map(|(r, _)| r);
            let reads = read_paths(&self.player.info.input, reference, self.warp_params.as_deref(), &self.motion);
            recording::save_png(&path, &reads, &c.shot)?;
            eprintln!(
                "vidscope: saved {}x{} screenshot of frame {frame} to {} (display {:.1} fps)",
                c.shot.width,
                c.shot.height,
                path.display(),
                self.display_fps
            );
            return Ok(Some(Ok(())));
        }
        Ok(None)
    }

    /// Writes the shown frame's block stats next to recordings (`--record-dir`).
    fn export_stats(&mut self) {
        let Some(frame) = self.player.shown() else {
            return self.notify("no frame to export yet".into());
        };
        let (motion, mc) = (&self.player.motion, &self.player.mc_stats);
        let errors = |f: usize| self.player.decode_errors.get(&f).copied().unwrap_or(0);
        let decode_errors = errors(frame) + frame.checked_sub(1).map_or(0, errors);
        let input_name = std::path::Path::new(&self.player.info.input)
            .file_name()
            .map_or(self.player.info.input.clone(), |n| n.to_string_lossy().into_owned());
        let stats = crate::formats::FrameStats {
            decode_errors,
            frame,
            grid: self.player.grid(),
            stats: &self.player.stats,
            motion: (!motion.is_empty()).then_some(motion.as_slice()),
            mc: (!mc.is_empty()).then_some(mc.as_slice()),
            ab: (!self.player.ab.stats.is_empty()).then_some(self.player.ab.stats.as_slice()),
            input_name: &input_name,
            fps: self.player.info.fps,
        };
        let made =
            recording::create_unique(&self.captures.record_dir, &self.player.info.input, "stats", frame, "", |p| {
                std::fs::create_dir(p)
            });
        // With a pinned block, its cost surface too: uint32 [2R + 1, 2R + 1], indexed [dy + R, dx + R].
        let n = 2 * u64::from(self.player.surface_range) + 1;
        let surface =
            (self.pinned.is_some() && self.player.surface.len() as u64 == n * n).then_some(&self.player.surface);
        let exported = made.and_then(|(dir, ())| {
            crate::formats::export_frame_stats(&dir, &stats)
                .and_then(|dir| match surface {
                    Some(sads) => crate::formats::write_npy(&dir.join("cost_surface.npy"), &[n, n], sads).map(|()| dir),
                    None => Ok(dir),
                })
                .inspect_err(|_| {
                    // Leave no half export behind; say so if even that fails.
                    if let Err(e) = std::fs::remove_dir_all(&dir) {
                        tracing::warn!("{}: cannot remove the unfinished export: {e}", dir.display());
                    }
                })
        });
        match exported {
            Ok(dir) => self.notify(format!("exported frame {frame}'s block stats to {}", dir.display())),
            Err(e) => self.notify(format!("export failed: {e:#}")),
        }
    }

    fn start_recording(&mut self) {
        let frame = self.player.shown().unwrap_or(0);
        let path = recording::output_path(
            &self.captures.record_dir,
            &self.player.info.input,
            self.settings.mode.name(),
            frame,
            "mp4",
        );
        let size = self.presenter.extent();
        match Recording::start(path, size, self.player.info.fps) {
            Ok(r) => {
                self.notify(format!("recording to {}", r.path.display()));
                self.captures.recording = Some(r);
            }
            Err(e) => self.notify(format!("cannot record: {e:#}")),
        }
    }

    /// Saves a P snapshot capture as PNG, saying where (or why not) in the UI.
    fn save_snapshot(&mut self, c: &Captured) {
        let frame = (c.tag >> 8) as usize;
        let mode = self.settings.mode.name();
        match recording::save_snapshot(&self.captures.record_dir, &self.player.info.input, mode, frame, &c.shot) {
            Ok(path) => self.notify(format!("saved snapshot of frame {frame} to {}", path.display())),
            Err(e) => self.notify(format!("{e:#}")),
        }
    }

    /// Writes the captures still in flight, then finishes the file; nothing when not recording.
    fn stop_recording(&mut self) -> anyhow::Result<()> {
        if self.captures.recording.is_none() {
            return Ok(());
        }
        for c in self.presenter.flush_captures()? {
            if c.tag & CAPTURE_SNAPSHOT != 0 {
                self.save_snapshot(&c);
            }
            if c.tag & CAPTURE_RECORD != 0 {
                if let Some(r) = self.captures.recording.as_mut().filter(|r| r.size == (c.shot.width, c.shot.height)) {
                    r.push(c.shot)?;
                }
            }
        }
        if let Some(r) = self.captures.recording.take() {
            let summary = r.finish()?;
            self.notify(summary);
        }
        Ok(())
    }

    fn options_screenshot_frame(&self) -> Option<usize> {
        self.captures.screenshot.as_ref().map(|(_, n)| *n)
    }

    fn options_screenshot_path(&self) -> Option<PathBuf> {
        self.captures.screenshot.as_ref().map(|(p, _)| p.clone())
    }
}

/// The in-window file dialog (egui-file-dialog: works wherever the viewer does, Xvfb included, with
/// no desktop portal or GTK), listing videos first; directories load on a thread so the UI never waits.
fn open_dialog() -> FileDialog {
    const VIDEOS: [&str; 14] =
        ["mp4", "mkv", "mov", "avi", "webm", "y4m", "m4v", "ts", "mts", "mpg", "mpeg", "flv", "264", "265"];
    FileDialog::new()
        .title("Open a video")
        .add_file_filter_extensions("videos", VIDEOS.to_vec())
        .default_file_filter("videos")
}

/// The HUD's colour line: pixel format and how raw mode converts it.
/// The HUD's second A/B line: chroma and YUV PSNRs and MS-SSIM, where defined (`None`: neither).
fn ab_more_line(ab: &AbFrame) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(e) = ab.yuv {
        parts.push(format!(
            "PSNR U {}  V {}  YUV 6:1:1 {}  4:1:1 {}",
            format_db(e.psnr_u),
            format_db(e.psnr_v),
            format_db(e.psnr_yuv_611),
            format_db(e.psnr_yuv_411)
        ));
    }
    if let Some(m) = ab.ms_ssim {
        parts.push(format!("MS-SSIM {m:.4}"));
    }
    (!parts.is_empty()).then(|| format!("A/B  {}", parts.join("  ")))
}

fn colour_label(info: &StreamInfo, has_chroma: bool, luma_only: bool) -> String {
    match (has_chroma, luma_only) {
        (false, _) => format!("{}  shown as gray luma", info.pixel_format),
        (true, true) => format!("{}  luma only (Y to show colour)", info.pixel_format),
        (true, false) => format!("{}  {}", info.pixel_format, info.colour.describe()),
    }
}

/// Opens `input` only to check that its frames fit the device's images (before a player creates any).
fn fits_device(ctx: &GpuContext, input: &str) -> anyhow::Result<()> {
    let info = crate::video::open(input)?.info().clone();
    Ok(ctx.check_image_size(input, info.width, info.height)?)
}

/// `--at-frame n` must be one of the input's `count` frames.
fn check_screenshot_frame(n: usize, count: usize) -> anyhow::Result<()> {
    anyhow::ensure!(n < count, "--at-frame {n}: the input ends after {count} frames (0..={})", count.saturating_sub(1));
    Ok(())
}

/// The HUD's damage line: decoder errors so far and on the frame shown, and the frames lost
/// mid-stream (a misalignment); `None` for a clean input.
fn decode_errors_line(
    errors: &std::collections::BTreeMap<usize, u32>,
    lost: &std::collections::BTreeMap<usize, u32>,
    shown: Option<usize>,
) -> Option<String> {
    if errors.is_empty() {
        return None;
    }
    let total: u64 = errors.values().map(|&n| u64::from(n)).sum();
    let here = shown.and_then(|f| errors.get(&f)).copied().unwrap_or(0);
    let mut line = format!("decode errors: {total} in {} frame(s), this frame {here} (concealed)", errors.len());
    if let Some((first, _)) = lost.first_key_value() {
        let frames: u64 = lost.values().map(|&n| u64::from(n)).sum();
        line += &format!("; {frames} frame(s) lost, first before frame {first}: misaligned from there");
    }
    Some(line)
}
