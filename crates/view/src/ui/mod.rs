//! The viewer's egui panels (controls, seek bar, HUD, heatmap legend, hover readout) and its key
//! bindings. Pure UI: it edits [`Settings`] and returns [`Action`]s for the viewer to carry out.

pub mod colormap;
pub mod plots;

use crate::passes::PassTimings;
use winit::keyboard::{Key, NamedKey};

/// What the picture shows (`--mode`; keys 1–8, and X for the A/B modes, which need `--ref`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Mode {
    /// The input (A), in colour when it has chroma.
    #[default]
    #[value(alias = "a")]
    Raw,
    Diff,
    Heatmap,
    HeatmapDiff,
    /// The motion-compensated prediction of the current frame from the previous one.
    Predicted,
    /// |current − predicted|.
    Residual,
    /// Diff (left) and residual (right) side by side.
    Split,
    /// One digit plane of the residual symbol stream (docs/symbols.md): −1 blue, 0 dark gray, +1 orange.
    Trits,
    /// The reference (B, `--ref`) in gray.
    B,
    /// |A − B|, amplified ×1…×64.
    AbDiff,
    /// The signed difference A − B + 128, clamped (FFmpeg's `blend=all_mode=grainextract`).
    AbSigned,
    /// "Mark differences": every pixel where A ≠ B in magenta, over gray A.
    AbMark,
}

impl Mode {
    pub const ALL: [Mode; 12] = [
        Mode::Raw,
        Mode::Diff,
        Mode::Heatmap,
        Mode::HeatmapDiff,
        Mode::Predicted,
        Mode::Residual,
        Mode::Split,
        Mode::Trits,
        Mode::B,
        Mode::AbDiff,
        Mode::AbSigned,
        Mode::AbMark,
    ];

    /// The A/B views the X key cycles through (A is the raw mode).
    pub const AB_CYCLE: [Mode; 5] = [Mode::Raw, Mode::B, Mode::AbDiff, Mode::AbSigned, Mode::AbMark];

    pub fn label(self) -> &'static str {
        match self {
            Mode::Raw => "1 raw",
            Mode::Diff => "2 diff",
            Mode::Heatmap => "3 heatmap over raw",
            Mode::HeatmapDiff => "4 heatmap over diff",
            Mode::Predicted => "5 predicted",
            Mode::Residual => "6 residual",
            Mode::Split => "7 diff | residual",
            Mode::Trits => "8 trit plane",
            Mode::B => "X B (reference)",
            Mode::AbDiff => "X |A − B| (amplified)",
            Mode::AbSigned => "X A − B + 128",
            Mode::AbMark => "X mark A ≠ B",
        }
    }

    /// The `mode` push constant of shaders/display.comp (1 and 3 show the second plane, see `plane`).
    /// The `--mode` name (`raw`, `heatmap-diff`, ...), used in file names.
    pub fn name(self) -> String {
        clap::ValueEnum::to_possible_value(&self).map(|v| v.get_name().to_string()).unwrap_or_default()
    }

    pub fn shader_index(self) -> u32 {
        match self {
            Mode::Raw => 0,
            Mode::Diff | Mode::Predicted | Mode::Residual | Mode::Split => 1,
            Mode::Heatmap => 2,
            Mode::HeatmapDiff => 3,
            Mode::Trits => 4,
            Mode::B => 5,
            Mode::AbDiff => 6,
            Mode::AbSigned => 7,
            Mode::AbMark => 8,
        }
    }

    /// Whether the mode shows the reference (B) and so needs `--ref`.
    pub fn needs_reference(self) -> bool {
        matches!(self, Mode::B | Mode::AbDiff | Mode::AbSigned | Mode::AbMark)
    }

    /// Which plane the display pass reads as its second image.
    pub fn plane(self) -> Plane {
        match self {
            Mode::Predicted => Plane::Predicted,
            Mode::Residual => Plane::Residual,
            _ => Plane::Diff,
        }
    }

    pub fn is_heatmap(self) -> bool {
        matches!(self, Mode::Heatmap | Mode::HeatmapDiff)
    }
}

/// The second image of the display pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plane {
    Diff,
    Predicted,
    Residual,
}

/// The per-block value the heatmap shows (key M cycles).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Metric {
    #[default]
    Sad,
    Sse,
    Mean,
    /// SAD of the current frame against its motion-compensated prediction.
    McSad,
    McSse,
    /// Non-zero trits of the block's residual symbols, all planes (header word 6).
    Nonzero,
    /// MDL bits of the block (mv + residual, `reference::rate`).
    Rate,
    /// PSNR of A against the reference B per block, 10·log10(255²·n / SSE) dB (needs `--ref`).
    AbPsnr,
}

impl Metric {
    pub const ALL: [Metric; 8] = [
        Metric::Sad,
        Metric::Sse,
        Metric::Mean,
        Metric::McSad,
        Metric::McSse,
        Metric::Nonzero,
        Metric::Rate,
        Metric::AbPsnr,
    ];

    /// The fixed bands of the A/B PSNR heatmap (scale not auto), worst first, as the shader draws them.
    pub const PSNR_BANDS: [&'static str; 8] = ["<20", "20–25", "25–30", "30–35", "35–40", "40–45", "45–50", "≥50"];

    pub fn label(self) -> &'static str {
        match self {
            Metric::Sad => "SAD",
            Metric::Sse => "SSE",
            Metric::Mean => "mean",
            Metric::McSad => "MC-SAD",
            Metric::McSse => "MC-SSE",
            Metric::Nonzero => "non-zero trits",
            Metric::Rate => "rate (bits)",
            Metric::AbPsnr => "A/B PSNR (dB)",
        }
    }

    /// The `metric` push constant; MC metrics read the residual's block stats in the same layout,
    /// the learner metrics the player's per-block (non-zero, rate f32 bits, mv f32 bits, 0) buffer.
    pub fn shader_index(self) -> u32 {
        match self {
            Metric::Sad | Metric::McSad | Metric::Nonzero => 0,
            Metric::Sse | Metric::McSse => 1,
            Metric::Mean => 2,
            Metric::Rate => 3,
            Metric::AbPsnr => 4,
        }
    }

    /// Whether the metric compares with the reference (B) and so needs `--ref`.
    pub fn needs_reference(self) -> bool {
        self == Metric::AbPsnr
    }

    /// Whether the metric comes from the symbol stream (non-zero trits, rate).
    pub fn is_learner(self) -> bool {
        matches!(self, Metric::Nonzero | Metric::Rate)
    }

    pub fn is_motion_compensated(self) -> bool {
        matches!(self, Metric::McSad | Metric::McSse)
    }
}

/// Heatmap colormap (key C cycles).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Colormap {
    #[default]
    Viridis,
    Inferno,
    Turbo,
}

impl Colormap {
    pub const ALL: [Colormap; 3] = [Colormap::Viridis, Colormap::Inferno, Colormap::Turbo];

    pub fn label(self) -> &'static str {
        match self {
            Colormap::Viridis => "viridis",
            Colormap::Inferno => "inferno",
            Colormap::Turbo => "turbo",
        }
    }

    pub fn shader_index(self) -> u32 {
        self as u32
    }
}

pub const BLOCK_SIZES: [u32; 6] = [4, 8, 16, 32, 64, 128];
/// Motion search ranges offered by the S key and the widget (any 0..=64 works on the command line).
pub const RANGES: [u32; 7] = [1, 2, 4, 8, 16, 32, 64];
pub const SPEEDS: [f32; 5] = [0.25, 0.5, 1.0, 2.0, 4.0];

/// Everything the user can set.
#[derive(Clone, Debug)]
pub struct Settings {
    pub mode: Mode,
    pub metric: Metric,
    pub colormap: Colormap,
    pub block: u32,
    pub opacity: f32,
    pub auto_scale: bool,
    /// The metric value at the top of the colormap when `auto_scale` is off.
    pub fixed_scale: f32,
    pub grid: bool,
    /// Raw mode shows luma as gray even when the source has colour (what the passes see).
    pub luma_only: bool,
    /// The plots panel (per-frame totals, block curve).
    pub plots: bool,
    /// Motion search range R.
    pub range: u32,
    /// Motion-vector arrows over the picture, coloured by the block's MC-SAD.
    pub arrows: bool,
    /// Arrow length in multiples of the vector.
    pub arrow_scale: f32,
    /// Set by the O key: the open-file field takes the keyboard focus on the next frame.
    pub focus_open: bool,
    pub playing: bool,
    pub looping: bool,
    pub speed: f32,
    pub show_ui: bool,
    /// The digit plane the trit view shows (0 = most significant), below `planes()`.
    pub trit_plane: u32,
    /// Quantiser step Q of the symbol stream, 1..=255 (1 = lossless).
    pub quant: u32,
    /// Whether a reference (B) is open: the A/B modes, the PSNR metric and the wipe need one.
    pub reference: bool,
    /// The gain of the |A − B| view, 1..=64.
    pub amplify: u32,
    /// The wipe (A left, B right): its divider as a fraction of the picture's width.
    pub wipe: Option<f32>,
}

impl Settings {
    /// Whether what is shown needs the symbol stream (trit view, non-zero and rate heatmaps).
    pub fn needs_symbols(&self) -> bool {
        self.mode == Mode::Trits || (self.mode.is_heatmap() && self.metric.is_learner())
    }

    /// Digit planes of the symbol stream at `quant`.
    pub fn planes(&self) -> u32 {
        crate::reference::symbols::planes_for_quant(self.quant.clamp(1, crate::reference::symbols::MAX_QUANT))
    }

    /// `trit_plane`, kept below `planes()` (after the quantiser grew).
    pub fn shown_plane(&self) -> u32 {
        self.trit_plane.min(self.planes() - 1)
    }

    /// Whether what is shown needs the reference (B) that is not open.
    pub fn missing_reference(&self) -> bool {
        !self.reference
            && (self.mode.needs_reference()
                || (self.mode.is_heatmap() && self.metric.needs_reference())
                || self.wipe.is_some())
    }

    /// Whether what is shown needs motion search (slow on a CPU Vulkan device, so only then).
    pub fn needs_motion(&self) -> bool {
        self.arrows
            || matches!(self.mode, Mode::Predicted | Mode::Residual | Mode::Split)
            || (self.mode.is_heatmap() && self.metric.is_motion_compensated())
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            mode: Mode::Raw,
            metric: Metric::Sad,
            colormap: Colormap::Viridis,
            block: 16,
            opacity: 0.6,
            auto_scale: true,
            fixed_scale: 4096.0,
            grid: false,
            luma_only: false,
            plots: false,
            range: 16,
            arrows: false,
            arrow_scale: 4.0,
            focus_open: false,
            playing: true,
            looping: true,
            speed: 1.0,
            show_ui: true,
            trit_plane: 0,
            quant: 1,
            reference: false,
            amplify: 1,
            wipe: None,
        }
    }
}

/// Things the viewer does in answer to a key or widget.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Step by this many frames (pauses).
    Step(i64),
    Seek(usize),
    /// The block size changed (the frame graph is rebuilt).
    BlockChanged,
    /// The motion search range changed (the current frame is recomputed).
    RangeChanged,
    Open(String),
    /// Show the file dialog.
    Browse,
    /// Start or stop recording the composite to MP4.
    ToggleRecord,
    /// Save the composite of the frame on screen as PNG.
    Snapshot,
    /// Write the shown frame's block stats as CSV + NPY (analyze's formats).
    ExportStats,
    ToggleFullscreen,
    ResetView,
    /// A key asked for an A/B view without a reference open.
    NeedsReference,
    Quit,
}

/// What the pointer is over.
#[derive(Clone, Copy, Debug, Default)]
pub struct Hover {
    pub x: u32,
    pub y: u32,
    pub luma: u8,
    /// (Cb, Cr) at the pixel, when the source has colour.
    pub chroma: Option<(u8, u8)>,
    pub by: u32,
    pub bx: u32,
    pub sad: u32,
    pub sse: u32,
    pub mean: f32,
    /// (dx, dy, MC-SAD) of the block, when motion search ran on this frame.
    pub motion: Option<(i32, i32, u32)>,
    /// The block's symbols, when the symbols pass ran on this frame.
    pub symbols: Option<HoverSymbols>,
    /// A, B and the block's A/B error, with a reference.
    pub ab: Option<HoverAb>,
}

/// The hovered pixel of A and B and its block's A/B SAD, SSE and PSNR.
#[derive(Clone, Copy, Debug, Default)]
pub struct HoverAb {
    pub a: u8,
    pub b: u8,
    pub sad: u32,
    pub sse: u32,
    /// Infinite for identical blocks.
    pub psnr: f64,
}

/// The hovered block's symbol stream: non-zero trits per plane and its MDL rate.
#[derive(Clone, Copy, Debug, Default)]
pub struct HoverSymbols {
    pub planes: u32,
    pub nonzero: [u32; 6],
    pub mv_bits: f64,
    pub residual_bits: f64,
}

/// What the HUD and panels show.
#[derive(Clone, Debug, Default)]
pub struct Hud {
    pub input: String,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    /// Pixel format and colour conversion, e.g. `yuv420p  BT.709 limited (tagged)`.
    pub colour: String,
    /// The frame on screen (decode order), if any.
    pub frame: Option<usize>,
    /// Total frames when known (else the most seen so far).
    pub frames_total: Option<usize>,
    pub display_fps: f64,
    pub decode_fps: f64,
    pub timings: PassTimings,
    pub has_timestamps: bool,
    /// Set when playback cannot keep up with the file's frame rate.
    pub behind: Option<String>,
    pub present_mode: String,
    pub device: String,
    /// The heatmap's colour range (min, max) in metric units.
    pub scale: (f32, f32),
    pub hover: Option<Hover>,
    /// Output pixels per source pixel.
    pub zoom: f32,
    /// An error or notice to show (e.g. a file that could not be opened).
    pub message: Option<String>,
    /// Where the prediction comes from, while a view uses it.
    pub prediction: Option<String>,
    pub recording: bool,
    /// The reference (B) line: its name, offset and how it differs from A (frame rate, pixel format).
    pub reference: Option<String>,
    /// The shown frame's A/B luma (MSE, PSNR, SSIM); PSNR is infinite for identical frames.
    pub ab_frame: Option<(f64, f64, Option<f64>)>,
    /// Decoder errors so far and on this frame, when the input is damaged.
    pub decode_errors: Option<String>,
    /// The stream's notices: stream choice, ignored rotation, interlacing, pixel-format changes.
    pub notices: Vec<String>,
}

fn cycle<T: Copy + PartialEq>(all: &[T], current: T) -> T {
    let i = all.iter().position(|x| *x == current).unwrap_or(0);
    all[(i + 1) % all.len()]
}

fn speed_step(speed: f32, up: bool) -> f32 {
    let i = SPEEDS.iter().position(|s| (*s - speed).abs() < 1e-3).unwrap_or(2);
    if up {
        SPEEDS[(i + 1).min(SPEEDS.len() - 1)]
    } else {
        SPEEDS[i.saturating_sub(1)]
    }
}

/// The key bindings (shown in the README and the controls panel).
pub const KEYS: &[(&str, &str)] = &[
    ("1 2 3 4", "mode: raw, diff, heatmap over raw, heatmap over diff"),
    ("5 6 7", "mode: motion-compensated prediction, residual |cur − pred|, diff | residual side by side"),
    ("8", "mode: one trit plane of the residual symbols (−1 blue, 0 dark gray, +1 orange)"),
    ("X", "with --ref: cycle A, B, |A − B| (amplified), A − B + 128, mark differences (A ≠ B in magenta)"),
    ("W", "with --ref: wipe, A left of the divider and B right (drag the divider)"),
    ("+ / −", "|A − B| amplification ×2 / ÷2 (×1…×64)"),
    ("T", "cycle the trit plane shown (0 = most significant)"),
    ("space", "play / pause"),
    ("→ / ←", "step one frame forward / back (pauses)"),
    ("Home", "first frame"),
    ("M", "cycle metric: SAD, SSE, mean, MC-SAD, MC-SSE, non-zero trits, rate, A/B PSNR (with --ref)"),
    ("S", "cycle motion search range 1…64"),
    ("V", "motion-vector arrows (coloured by MC-SAD)"),
    ("O", "type a file to open (focuses the path field; Enter opens)"),
    ("D", "file dialog to open a video"),
    ("R", "start / stop recording the picture to MP4"),
    ("P", "save a PNG snapshot of the picture"),
    ("E", "export the frame's block stats (CSV + NPY)"),
    ("K", "plots: per-frame SAD / SSE, block under the pointer"),
    ("B", "cycle block size 4…128"),
    ("C", "cycle colormap: viridis, inferno, turbo"),
    ("G", "block grid lines"),
    ("Y", "raw in colour / luma only"),
    ("A", "auto / fixed heatmap scale (A/B PSNR: fixed 5 dB bands)"),
    ("L", "loop"),
    ("[ / ]", "speed down / up (0.25x–4x)"),
    ("F", "fullscreen"),
    ("wheel / drag", "zoom at the cursor / pan"),
    ("0", "reset view (fit)"),
    ("H", "hide / show the UI"),
    ("Q, Esc", "quit"),
];

/// Applies a key press (when egui does not want the keyboard).
pub fn on_key(key: &Key, s: &mut Settings) -> Option<Action> {
    match key {
        Key::Named(NamedKey::Space) => s.playing = !s.playing,
        Key::Named(NamedKey::ArrowRight) => return Some(Action::Step(1)),
        Key::Named(NamedKey::ArrowLeft) => return Some(Action::Step(-1)),
        Key::Named(NamedKey::Home) => return Some(Action::Seek(0)),
        Key::Named(NamedKey::Escape) => return Some(Action::Quit),
        Key::Character(c) => match c.to_lowercase().as_str() {
            "1" => s.mode = Mode::Raw,
            "2" => s.mode = Mode::Diff,
            "3" => s.mode = Mode::Heatmap,
            "4" => s.mode = Mode::HeatmapDiff,
            "5" => s.mode = Mode::Predicted,
            "6" => s.mode = Mode::Residual,
            "7" => s.mode = Mode::Split,
            "8" => s.mode = Mode::Trits,
            "x" if !s.reference => return Some(Action::NeedsReference),
            "x" => s.mode = cycle(&Mode::AB_CYCLE, s.mode),
            "w" if !s.reference => return Some(Action::NeedsReference),
            "w" => s.wipe = if s.wipe.is_some() { None } else { Some(0.5) },
            "+" | "=" => s.amplify = (s.amplify * 2).clamp(1, 64),
            "-" => s.amplify = (s.amplify / 2).clamp(1, 64),
            "t" => s.trit_plane = (s.shown_plane() + 1) % s.planes(),
            "s" => {
                s.range = cycle(&RANGES, s.range);
                return Some(Action::RangeChanged);
            }
            "m" => {
                s.metric = cycle(&Metric::ALL, s.metric);
                if s.metric.needs_reference() && !s.reference {
                    s.metric = cycle(&Metric::ALL, s.metric);
                }
            }
            "c" => s.colormap = cycle(&Colormap::ALL, s.colormap),
            "b" => {
                s.block = cycle(&BLOCK_SIZES, s.block);
                return Some(Action::BlockChanged);
            }
            "g" => s.grid = !s.grid,
            "y" => s.luma_only = !s.luma_only,
            "v" => s.arrows = !s.arrows,
            "o" => {
                s.show_ui = true;
                s.focus_open = true;
            }
            "d" => return Some(Action::Browse),
            "r" => return Some(Action::ToggleRecord),
            "p" => return Some(Action::Snapshot),
            "e" => return Some(Action::ExportStats),
            "k" => s.plots = !s.plots,
            "a" => s.auto_scale = !s.auto_scale,
            "l" => s.looping = !s.looping,
            "[" => s.speed = speed_step(s.speed, false),
            "]" => s.speed = speed_step(s.speed, true),
            "f" => return Some(Action::ToggleFullscreen),
            "0" => return Some(Action::ResetView),
            "h" => s.show_ui = !s.show_ui,
            "q" => return Some(Action::Quit),
            _ => {}
        },
        _ => {}
    }
    None
}

/// One motion-vector arrow in egui points: from the block centre towards where the block came from
/// in the previous frame (pred(x, y) = ref(x + dx, y + dy)); `t` in 0..1 picks its colour.
#[derive(Clone, Copy, Debug)]
pub struct Arrow {
    pub from: (f32, f32),
    pub to: (f32, f32),
    pub t: f32,
}

/// Paints the arrows on the background layer: over the picture, under the panels, also with the UI hidden.
pub fn draw_arrows(ctx: &egui::Context, arrows: &[Arrow], map: Colormap) {
    let painter = ctx.layer_painter(egui::LayerId::background());
    for a in arrows {
        let [r, g, b] = colormap::sample(map, a.t);
        let colour = egui::Color32::from_rgb(r, g, b);
        let from = egui::pos2(a.from.0, a.from.1);
        let vec = egui::vec2(a.to.0 - a.from.0, a.to.1 - a.from.1);
        if vec.length() < 0.5 {
            painter.circle_filled(from, 1.5, colour);
        } else {
            painter.arrow(from, vec, egui::Stroke::new(1.5, colour));
        }
    }
}

/// Draws every panel; returns what the user asked for.
pub fn draw(ui: &mut egui::Ui, s: &mut Settings, hud: &Hud, path: &mut String) -> Vec<Action> {
    let mut actions = Vec::new();
    if !s.show_ui {
        return actions;
    }
    let ctx = ui.ctx().clone();
    seek_bar(ui, s, hud, &mut actions);
    controls(&ctx, s, hud, path, &mut actions);
    hud_panel(&ctx, s, hud);
    actions
}

fn controls(ctx: &egui::Context, s: &mut Settings, hud: &Hud, path: &mut String, actions: &mut Vec<Action>) {
    egui::Window::new("vidscope").default_pos([8.0, 8.0]).resizable(false).show(ctx, |ui| {
        let reference = s.reference;
        egui::ComboBox::from_label("mode").selected_text(s.mode.label()).show_ui(ui, |ui| {
            for m in Mode::ALL {
                let enabled = reference || !m.needs_reference();
                ui.add_enabled_ui(enabled, |ui| ui.selectable_value(&mut s.mode, m, m.label()))
                    .response
                    .on_disabled_hover_text("needs a reference video (--ref REF)");
            }
        });
        egui::ComboBox::from_label("metric").selected_text(s.metric.label()).show_ui(ui, |ui| {
            for m in Metric::ALL {
                let enabled = reference || !m.needs_reference();
                ui.add_enabled_ui(enabled, |ui| ui.selectable_value(&mut s.metric, m, m.label()))
                    .response
                    .on_disabled_hover_text("needs a reference video (--ref REF)");
            }
        });
        ui.add_enabled_ui(reference, |ui| {
            ui.add(egui::Slider::new(&mut s.amplify, 1..=64).logarithmic(true).text("amplify |A − B| ×"));
            ui.horizontal(|ui| {
                let mut on = s.wipe.is_some();
                ui.checkbox(&mut on, "wipe A | B");
                let mut at = s.wipe.unwrap_or(0.5);
                ui.add_enabled(on, egui::Slider::new(&mut at, 0.0..=1.0).show_value(false));
                s.wipe = on.then_some(at);
            });
        })
        .response
        .on_disabled_hover_text("needs a reference video (--ref REF)");
        let old_block = s.block;
        egui::ComboBox::from_label("block").selected_text(s.block.to_string()).show_ui(ui, |ui| {
            for b in BLOCK_SIZES {
                ui.selectable_value(&mut s.block, b, b.to_string());
            }
        });
        if s.block != old_block {
            actions.push(Action::BlockChanged);
        }
        let old_range = s.range;
        egui::ComboBox::from_label("search range").selected_text(format!("±{}", s.range)).show_ui(ui, |ui| {
            for r in RANGES {
                ui.selectable_value(&mut s.range, r, format!("±{r}"));
            }
        });
        if s.range != old_range {
            actions.push(Action::RangeChanged);
        }
        ui.horizontal(|ui| {
            ui.checkbox(&mut s.arrows, "vector arrows");
            ui.add_enabled(s.arrows, egui::Slider::new(&mut s.arrow_scale, 0.5..=8.0).text("length"));
        });
        egui::ComboBox::from_label("colormap").selected_text(s.colormap.label()).show_ui(ui, |ui| {
            for c in Colormap::ALL {
                ui.selectable_value(&mut s.colormap, c, c.label());
            }
        });
        ui.add(egui::Slider::new(&mut s.opacity, 0.0..=1.0).text("opacity"));
        ui.horizontal(|ui| {
            ui.checkbox(&mut s.auto_scale, "auto scale");
            ui.add_enabled(
                !s.auto_scale,
                egui::DragValue::new(&mut s.fixed_scale).range(1.0..=1.0e9).speed(16.0).prefix("max "),
            );
        });
        ui.horizontal(|ui| {
            let planes = s.planes();
            let mut plane = s.shown_plane();
            ui.add(egui::Slider::new(&mut plane, 0..=planes - 1).text("trit plane"));
            s.trit_plane = plane;
            ui.add(egui::DragValue::new(&mut s.quant).range(1..=crate::reference::symbols::MAX_QUANT).prefix("Q "));
        });
        ui.horizontal(|ui| {
            ui.checkbox(&mut s.grid, "block grid");
            ui.checkbox(&mut s.luma_only, "luma only");
        });
        if s.mode.is_heatmap() {
            legend(ui, s, hud);
        }
        ui.separator();
        ui.horizontal(|ui| {
            ui.label("open");
            let field =
                ui.add(egui::TextEdit::singleline(path).hint_text("file path or synthetic:WxH").desired_width(180.0));
            if std::mem::take(&mut s.focus_open) {
                field.request_focus();
            }
            let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if (ui.button("Open").clicked() || enter) && !path.trim().is_empty() {
                actions.push(Action::Open(path.trim().to_string()));
            }
            if ui.button("Browse…").clicked() {
                actions.push(Action::Browse);
            }
        });
        ui.label(egui::RichText::new("or drop a file on the window").weak());
        ui.horizontal(|ui| {
            let record = if hud.recording { "■ stop recording" } else { "● record" };
            if ui.button(record).clicked() {
                actions.push(Action::ToggleRecord);
            }
            if ui.button("snapshot").clicked() {
                actions.push(Action::Snapshot);
            }
            if ui.button("export stats").clicked() {
                actions.push(Action::ExportStats);
            }
            ui.checkbox(&mut s.plots, "plots");
        });
        if let Some(m) = &hud.message {
            ui.colored_label(egui::Color32::from_rgb(255, 120, 100), m);
        }
        ui.collapsing("keys", |ui| {
            egui::Grid::new("keys").show(ui, |ui| {
                for (k, what) in KEYS {
                    ui.monospace(*k);
                    ui.label(*what);
                    ui.end_row();
                }
            });
        });
    });
}

fn legend(ui: &mut egui::Ui, s: &Settings, hud: &Hud) {
    if s.metric == Metric::AbPsnr && !s.auto_scale {
        return psnr_bands_legend(ui, s);
    }
    let (rect, _) = ui.allocate_exact_size(egui::vec2(200.0, 14.0), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    let steps = 64;
    for i in 0..steps {
        let t = i as f32 / (steps - 1) as f32;
        let [r, g, b] = colormap::sample(s.colormap, t);
        let x0 = rect.left() + rect.width() * i as f32 / steps as f32;
        let x1 = rect.left() + rect.width() * (i + 1) as f32 / steps as f32 + 0.5;
        painter.rect_filled(
            egui::Rect::from_min_max(egui::pos2(x0, rect.top()), egui::pos2(x1, rect.bottom())),
            0.0,
            egui::Color32::from_rgb(r, g, b),
        );
    }
    ui.horizontal(|ui| {
        ui.monospace(format_value(hud.scale.0));
        ui.label(format!("{} ({})", s.metric.label(), if s.auto_scale { "auto" } else { "fixed" }));
        ui.monospace(format_value(hud.scale.1));
    });
    if s.metric == Metric::AbPsnr {
        ui.label(egui::RichText::new("worst on the right; identical blocks are left untinted").weak());
    } else if s.metric != Metric::Mean {
        ui.label(egui::RichText::new("blocks with 0 are left untinted").weak());
    }
}

/// The A/B PSNR heatmap's fixed bands: one swatch per 5 dB, as the shader colours them.
fn psnr_bands_legend(ui: &mut egui::Ui, s: &Settings) {
    let n = Metric::PSNR_BANDS.len();
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 2.0;
        for (k, name) in Metric::PSNR_BANDS.iter().enumerate() {
            let t = 1.0 - k as f32 / (n - 1) as f32;
            let [r, g, b] = colormap::sample(s.colormap, t);
            let fill = egui::Color32::from_rgb(r, g, b);
            let text = if (r as u32 + g as u32 + b as u32) > 384 { egui::Color32::BLACK } else { egui::Color32::WHITE };
            let (rect, _) = ui.allocate_exact_size(egui::vec2(34.0, 16.0), egui::Sense::hover());
            ui.painter().rect_filled(rect, 2.0, fill);
            ui.painter().text(rect.center(), egui::Align2::CENTER_CENTER, name, egui::FontId::monospace(9.0), text);
        }
    });
    ui.label(format!("{} in fixed bands (A: auto scale)", s.metric.label()));
    ui.label(egui::RichText::new("identical blocks (SSE 0, PSNR ∞) are left untinted").weak());
}

fn format_value(v: f32) -> String {
    if v.abs() >= 1.0e6 {
        format!("{v:.3e}")
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A PSNR in dB, `inf` for identical pictures (as FFmpeg prints it).
fn format_db(db: f64) -> String {
    if db.is_finite() {
        format!("{db:.2} dB")
    } else {
        "inf".into()
    }
}

fn seek_bar(ui: &mut egui::Ui, s: &mut Settings, hud: &Hud, actions: &mut Vec<Action>) {
    egui::Panel::bottom("seek").show(ui, |ui| {
        ui.horizontal(|ui| {
            if ui.button(if s.playing { "⏸" } else { "▶" }).clicked() {
                s.playing = !s.playing;
            }
            if ui.button("⏮").on_hover_text("step back (←)").clicked() {
                actions.push(Action::Step(-1));
            }
            if ui.button("⏭").on_hover_text("step forward (→)").clicked() {
                actions.push(Action::Step(1));
            }
            ui.checkbox(&mut s.looping, "loop");
            egui::ComboBox::from_id_salt("speed").selected_text(format!("{}x", s.speed)).width(60.0).show_ui(
                ui,
                |ui| {
                    for sp in SPEEDS {
                        ui.selectable_value(&mut s.speed, sp, format!("{sp}x"));
                    }
                },
            );
            if ui.button("fullscreen").on_hover_text("F").clicked() {
                actions.push(Action::ToggleFullscreen);
            }
            if ui
                .button(format!("fit ({:.2}x)", hud.zoom))
                .on_hover_text("reset view (0); wheel zooms, drag pans")
                .clicked()
            {
                actions.push(Action::ResetView);
            }
            let last = hud.frames_total.unwrap_or(1).max(1) - 1;
            let mut frame = hud.frame.unwrap_or(0);
            ui.spacing_mut().slider_width = (ui.available_width() - 120.0).max(60.0);
            let slider = ui.add(egui::Slider::new(&mut frame, 0..=last).text("frame"));
            if slider.drag_stopped() || (slider.changed() && !slider.dragged()) {
                actions.push(Action::Seek(frame));
            }
        });
    });
}

fn hud_panel(ctx: &egui::Context, s: &Settings, hud: &Hud) {
    egui::Area::new(egui::Id::new("hud")).anchor(egui::Align2::RIGHT_TOP, [-8.0, 8.0]).show(ctx, |ui| {
        egui::Frame::popup(ui.style()).show(ui, |ui| {
            let frame = hud.frame.map(|f| f.to_string()).unwrap_or_else(|| "-".into());
            let time = hud.frame.map(|f| f as f64 / hud.fps.max(1e-9)).unwrap_or(0.0);
            let total = hud.frames_total.map(|t| t.to_string()).unwrap_or_else(|| "?".into());
            ui.monospace(format!("{}  {}x{} @ {:.2} fps", hud.input, hud.width, hud.height, hud.fps));
            ui.monospace(&hud.colour);
            ui.monospace(format!("frame {frame} / {total}   t = {time:.3} s   {}", s.mode.label()));
            if let Some(r) = &hud.reference {
                ui.monospace(r);
            }
            if let Some((mse, psnr, ssim)) = hud.ab_frame {
                let ssim = ssim.map_or("-".into(), |v| format!("{v:.4}"));
                let amp = if s.mode == Mode::AbDiff { format!("   |A − B| ×{}", s.amplify) } else { String::new() };
                ui.monospace(format!("A/B  MSE {mse:.2}  PSNR {}  SSIM {ssim}{amp}", format_db(psnr)));
            }
            if s.needs_symbols() {
                let plane = s.shown_plane();
                let pred = if s.needs_motion() { "motion-compensated" } else { "zero-motion" };
                ui.monospace(format!("symbols Q {}  {} planes  plane {plane}  ({pred} residual)", s.quant, s.planes()));
            }
            ui.monospace(format!(
                "display {:.1} fps   decode {:.1} fps   {}{}",
                hud.display_fps,
                hud.decode_fps,
                if s.playing { "playing" } else { "paused" },
                if s.speed != 1.0 { format!(" {}x", s.speed) } else { String::new() }
            ));
            if hud.has_timestamps {
                let t = &hud.timings;
                // Every pass that ran, three to a line.
                let mut items = vec![format!("upload {:.3}", t.upload_ms)];
                items.extend(t.passes.iter().map(|(name, ms)| format!("{name} {ms:.3}")));
                for (k, line) in items.chunks(3).enumerate() {
                    ui.monospace(format!("{}{}", if k == 0 { "GPU ms: " } else { "        " }, line.join("  ")));
                }
            } else {
                ui.monospace("GPU ms: no timestamps on this queue");
            }
            if let Some(p) = &hud.prediction {
                ui.monospace(p);
            }
            ui.monospace(format!("{}  present {}", hud.device, hud.present_mode));
            if let Some(b) = &hud.behind {
                ui.colored_label(egui::Color32::from_rgb(255, 170, 60), b);
            }
            if let Some(d) = &hud.decode_errors {
                ui.colored_label(egui::Color32::from_rgb(255, 170, 60), d);
            }
            for n in &hud.notices {
                ui.colored_label(egui::Color32::from_rgb(255, 170, 60), n);
            }
            if let Some(h) = &hud.hover {
                ui.separator();
                match h.chroma {
                    Some((cb, cr)) => ui.monospace(format!("pixel ({}, {})  Y {}  Cb {cb}  Cr {cr}", h.x, h.y, h.luma)),
                    None => ui.monospace(format!("pixel ({}, {})  luma {}", h.x, h.y, h.luma)),
                };
                ui.monospace(format!(
                    "block (by {}, bx {})  SAD {}  SSE {}  mean {:.2}",
                    h.by, h.bx, h.sad, h.sse, h.mean
                ));
                if let Some(ab) = &h.ab {
                    ui.monospace(format!("A {}  B {}  A − B {}", ab.a, ab.b, i32::from(ab.a) - i32::from(ab.b)));
                    ui.monospace(format!("A/B block  SAD {}  SSE {}  PSNR {}", ab.sad, ab.sse, format_db(ab.psnr)));
                }
                if let Some((dx, dy, mc_sad)) = h.motion {
                    ui.monospace(format!("vector ({dx}, {dy})  MC-SAD {mc_sad}"));
                }
                if let Some(sym) = &h.symbols {
                    let counts = &sym.nonzero[..sym.planes as usize];
                    let counts: Vec<String> = counts.iter().map(u32::to_string).collect();
                    ui.monospace(format!("non-zero trits per plane [{}]", counts.join(", ")));
                    ui.monospace(format!(
                        "rate {:.1} bits = mv {:.1} + residual {:.1}",
                        sym.mv_bits + sym.residual_bits,
                        sym.mv_bits,
                        sym.residual_bits
                    ));
                }
            }
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_cycles_the_trit_plane_over_the_planes_of_the_quantiser_and_8_selects_the_trit_view() {
        let mut s = Settings::default();
        let key = |c: &str| Key::Character(c.into());
        assert!(!s.needs_symbols());
        on_key(&key("8"), &mut s);
        assert_eq!(s.mode, Mode::Trits);
        assert!(s.needs_symbols() && !s.needs_motion());
        let seen: Vec<u32> = (0..7)
            .map(|_| {
                on_key(&key("t"), &mut s);
                s.trit_plane
            })
            .collect();
        assert_eq!(seen, [1, 2, 3, 4, 5, 0, 1]);
        // Q = 100 has 2 planes: plane 1 stays, a larger one is shown as the last.
        s.trit_plane = 5;
        s.quant = 100;
        assert_eq!((s.planes(), s.shown_plane()), (2, 1));
        on_key(&key("t"), &mut s);
        assert_eq!(s.trit_plane, 0);
    }

    #[test]
    fn only_the_learner_metrics_need_the_symbols_in_a_heatmap() {
        let mut s = Settings { mode: Mode::Heatmap, ..Settings::default() };
        for m in Metric::ALL {
            s.metric = m;
            assert_eq!(s.needs_symbols(), matches!(m, Metric::Nonzero | Metric::Rate), "{m:?}");
        }
        s.mode = Mode::Raw;
        s.metric = Metric::Rate;
        assert!(!s.needs_symbols());
    }

    #[test]
    fn the_ab_keys_need_a_reference_and_cycle_the_ab_views_wipe_and_gain() {
        let key = |c: &str| Key::Character(c.into());
        let mut s = Settings::default();
        assert_eq!(on_key(&key("x"), &mut s), Some(Action::NeedsReference));
        assert_eq!(on_key(&key("w"), &mut s), Some(Action::NeedsReference));
        assert_eq!((s.mode, s.wipe), (Mode::Raw, None));
        // Without a reference M skips the A/B PSNR metric.
        let metrics: Vec<Metric> = (0..8)
            .map(|_| {
                on_key(&key("m"), &mut s);
                s.metric
            })
            .collect();
        assert!(!metrics.contains(&Metric::AbPsnr), "{metrics:?}");
        let mut s = Settings { reference: true, ..Settings::default() };
        let modes: Vec<Mode> = (0..5)
            .map(|_| {
                on_key(&key("x"), &mut s);
                s.mode
            })
            .collect();
        assert_eq!(modes, [Mode::B, Mode::AbDiff, Mode::AbSigned, Mode::AbMark, Mode::Raw]);
        on_key(&key("w"), &mut s);
        assert_eq!(s.wipe, Some(0.5));
        on_key(&key("w"), &mut s);
        assert_eq!(s.wipe, None);
        let gains: Vec<u32> = ["+", "+", "=", "+", "+", "+", "+", "-"]
            .iter()
            .map(|k| {
                on_key(&key(k), &mut s);
                s.amplify
            })
            .collect();
        assert_eq!(gains, [2, 4, 8, 16, 32, 64, 64, 32]);
        assert!(!s.missing_reference());
        s.reference = false;
        s.mode = Mode::AbMark;
        assert!(s.missing_reference());
    }
}
