//! What the picture shows and how it is set: modes, metrics, colormaps and the settings the viewer's
//! panels and keys edit (and `vidscope record` takes from its options). No widgets, no window, no
//! command line (the CLI wraps these types as it does `ValidationArg`).

use crate::passes::{metric_exports, Export, Group, MetricExport, PASSES};
use crate::reference::{BlockSize, Lambda, QuantStep, SearchRange, Subpel};

/// What the picture shows (`--mode`; keys 1–8, and X for the A/B modes, which need `--ref`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mode {
    /// The input (A), in colour when it has chroma.
    #[default]
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
    /// Each block coloured by its motion vector on the Middlebury colour wheel, on a fixed scale
    /// (`Settings::flow_scale`; docs/ARCHITECTURE.md, "Flow colours").
    Flow,
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
    pub const ALL: [Mode; 13] = [
        Mode::Raw,
        Mode::Diff,
        Mode::Heatmap,
        Mode::HeatmapDiff,
        Mode::Predicted,
        Mode::Residual,
        Mode::Split,
        Mode::Trits,
        Mode::Flow,
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
            Mode::Flow => "9 flow (colour wheel)",
            Mode::B => "X B (reference)",
            Mode::AbDiff => "X |A − B| (amplified)",
            Mode::AbSigned => "X A − B + 128",
            Mode::AbMark => "X mark A ≠ B",
        }
    }

    /// The `--mode` name (`raw`, `heatmap-diff`, ...), used in file names.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Raw => "raw",
            Mode::Diff => "diff",
            Mode::Heatmap => "heatmap",
            Mode::HeatmapDiff => "heatmap-diff",
            Mode::Predicted => "predicted",
            Mode::Residual => "residual",
            Mode::Split => "split",
            Mode::Trits => "trits",
            Mode::Flow => "flow",
            Mode::B => "b",
            Mode::AbDiff => "ab-diff",
            Mode::AbSigned => "ab-signed",
            Mode::AbMark => "ab-mark",
        }
    }

    /// What the mode shows, in a few words (the command line's help).
    pub fn about(self) -> Option<&'static str> {
        Some(match self {
            Mode::Raw => "The input (A), in colour when it has chroma",
            Mode::Predicted => "The motion-compensated prediction of the current frame from the previous one",
            Mode::Residual => "|current − predicted|",
            Mode::Split => "Diff (left) and residual (right) side by side",
            Mode::Trits => "One digit plane of the residual symbol stream: −1 blue, 0 dark gray, +1 orange",
            Mode::Flow => {
                "Each block coloured by its motion on the Middlebury wheel, full saturation at --flow-scale px"
            }
            Mode::B => "The reference (B, --ref) in gray",
            Mode::AbDiff => "|A − B|, amplified ×1…×64",
            Mode::AbSigned => "The signed difference A − B + 128, clamped (FFmpeg's blend=all_mode=grainextract)",
            Mode::AbMark => "Every pixel where A ≠ B in magenta, over gray A",
            Mode::Diff | Mode::Heatmap | Mode::HeatmapDiff => return None,
        })
    }

    /// The `mode` push constant of shaders/display.comp (1 and 3 show the second plane, see `plane`).
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
            Mode::Flow => 9,
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
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
    /// A metric a pass declares (`MetricExport`): listed, named and drawn from its descriptor.
    Pass(&'static MetricExport),
}

impl Metric {
    /// The metrics with their own code here; `all()` adds those the passes declare.
    pub const BUILT_IN: [Metric; 8] = [
        Metric::Sad,
        Metric::Sse,
        Metric::Mean,
        Metric::McSad,
        Metric::McSse,
        Metric::Nonzero,
        Metric::Rate,
        Metric::AbPsnr,
    ];

    /// Every metric: the built-in ones, then each one a registered pass declares.
    pub fn all() -> Vec<Metric> {
        Metric::BUILT_IN.into_iter().chain(metric_exports().map(Metric::Pass)).collect()
    }

    /// The pass metric's export and the group of the pass that declares it.
    pub fn pass_export(self) -> Option<(&'static MetricExport, Group)> {
        let Metric::Pass(m) = self else { return None };
        let group = PASSES.iter().find(|desc| desc.exports.iter().any(|e| matches!(e, Export::Metric(x) if x == m)));
        Some((m, group.map_or(Group::Diff, |desc| desc.group)))
    }

    /// The fixed bands of the A/B PSNR heatmap (scale not auto), worst first, as the shader draws them.
    pub const PSNR_BANDS: [&'static str; 8] = ["<20", "20–25", "25–30", "30–35", "35–40", "40–45", "45–50", "≥50"];

    /// The `--metric` name (`sad`, `mc-sad`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Metric::Sad => "sad",
            Metric::Sse => "sse",
            Metric::Mean => "mean",
            Metric::McSad => "mc-sad",
            Metric::McSse => "mc-sse",
            Metric::Nonzero => "nonzero",
            Metric::Rate => "rate",
            Metric::AbPsnr => "ab-psnr",
            Metric::Pass(m) => m.name,
        }
    }

    /// What the metric is, in a few words (the command line's help).
    pub fn about(self) -> Option<&'static str> {
        Some(match self {
            Metric::McSad => "SAD of the current frame against its motion-compensated prediction",
            Metric::Nonzero => "Non-zero trits of the block's residual symbols, all planes (header word 6)",
            Metric::Rate => "MDL bits of the block (mv + residual, `reference::rate`)",
            Metric::AbPsnr => "PSNR of A against the reference B per block, 10·log10(255²·n / SSE) dB (needs `--ref`)",
            Metric::Pass(m) => m.about,
            _ => return None,
        })
    }

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
            Metric::Pass(m) => m.label,
        }
    }

    /// The `metric` push constant; MC metrics read the residual's block stats in the same layout,
    /// the learner metrics the player's per-block (non-zero, rate f32 bits, mv f32 bits, 0) buffer,
    /// pass metrics the player's per-block values (f32 bits in `.x`).
    pub fn shader_index(self) -> u32 {
        match self {
            Metric::Pass(_) => 5,
            Metric::Sad | Metric::McSad | Metric::Nonzero => 0,
            Metric::Sse | Metric::McSse => 1,
            Metric::Mean => 2,
            Metric::Rate => 3,
            Metric::AbPsnr => 4,
        }
    }

    /// Whether the metric compares with the reference (B) and so needs `--ref`.
    pub fn needs_reference(self) -> bool {
        self == Metric::AbPsnr || self.pass_group() == Some(Group::Compare)
    }

    /// Whether the metric comes from the symbol stream (non-zero trits, rate).
    pub fn is_learner(self) -> bool {
        matches!(self, Metric::Nonzero | Metric::Rate)
    }

    /// Whether a lower value is worse (A/B PSNR): the worst-blocks list then starts at the lowest.
    pub fn lower_is_worse(self) -> bool {
        self == Metric::AbPsnr
    }

    pub fn is_motion_compensated(self) -> bool {
        matches!(self, Metric::McSad | Metric::McSse)
    }

    /// Whether the metric needs the motion passes to run (the MC metrics, a motion pass's metric).
    pub fn needs_motion(self) -> bool {
        self.is_motion_compensated() || matches!(self.pass_group(), Some(Group::Motion | Group::Backward | Group::Flow))
    }

    /// Whether the metric needs the symbols pass to run.
    pub fn needs_symbols(self) -> bool {
        self.is_learner() || self.pass_group() == Some(Group::Symbols)
    }

    pub fn pass_group(self) -> Option<Group> {
        self.pass_export().map(|(_, group)| group)
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

pub const SPEEDS: [f32; 5] = [0.25, 0.5, 1.0, 2.0, 4.0];

/// Everything the user can set.
#[derive(Clone, Debug)]
pub struct Settings {
    pub mode: Mode,
    pub metric: Metric,
    pub colormap: Colormap,
    pub block: BlockSize,
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
    pub range: SearchRange,
    /// Motion search weight λ: the vectors minimise SAD + λ·(|dx| + |dy|).
    pub lambda: Lambda,
    /// The backward search and the forward–backward check (`--fb`; also on while the fb-error metric
    /// is shown).
    pub fb: bool,
    /// Sub-pixel precision of the vectors that drive the prediction (`--subpel`).
    pub subpel: Subpel,
    /// Motion-vector arrows over the picture, coloured by the block's MC-SAD.
    pub arrows: bool,
    /// Arrow length in multiples of the vector.
    pub arrow_scale: f32,
    /// The codec's own motion vectors as arrows (`--codec-mvs`; the decoder exports them only then).
    pub codec_mvs: bool,
    /// The flow view's scale: a vector this long (pixels) is fully saturated; `None` = the search
    /// range R. Fixed, never normalised per frame, so colours compare across frames.
    pub flow_scale: Option<f32>,
    /// Arrows hide vectors whose MC gain (zero-vector SAD − best SAD) is below this; 0 shows all
    /// (`--min-gain`).
    pub min_gain: u32,
    /// Set by the O key: the open-file field takes the keyboard focus on the next frame.
    pub focus_open: bool,
    pub playing: bool,
    pub looping: bool,
    pub speed: f32,
    pub show_ui: bool,
    /// The digit plane the trit view shows (0 = most significant), below `planes()`.
    pub trit_plane: u32,
    /// Quantiser step Q of the symbol stream (1 = lossless).
    pub quant: QuantStep,
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
        self.mode == Mode::Trits || (self.mode.is_heatmap() && self.metric.needs_symbols())
    }

    /// Digit planes of the symbol stream at `quant`.
    pub fn planes(&self) -> u32 {
        crate::reference::symbols::planes_for_quant(self.quant.get())
    }

    /// `trit_plane`, kept below `planes()` (after the quantiser grew).
    pub fn shown_plane(&self) -> u32 {
        self.trit_plane.min(self.planes() - 1)
    }

    /// The flow view's scale in pixels: `flow_scale`, else the search range (at least 1).
    pub fn flow_scale_px(&self) -> f32 {
        crate::reference::flow_colour::flow_scale_px(self.flow_scale, self.range.get())
    }

    /// Whether what is shown needs the reference (B) that is not open.
    pub fn missing_reference(&self) -> bool {
        !self.reference
            && (self.mode.needs_reference()
                || (self.mode.is_heatmap() && self.metric.needs_reference())
                || self.wipe.is_some())
    }

    /// Whether the backward search runs: asked for, or the heatmap shows its metric.
    pub fn needs_backward(&self) -> bool {
        self.fb || (self.mode.is_heatmap() && self.metric.pass_group() == Some(Group::Backward))
    }

    /// Whether what is shown needs motion search (slow on a CPU Vulkan device, so only then). The
    /// arrows' gain filter reads the motion costs, which come with it (the motion pass).
    pub fn needs_motion(&self) -> bool {
        self.needs_backward()
            || self.arrows
            || matches!(self.mode, Mode::Predicted | Mode::Residual | Mode::Split | Mode::Flow)
            || (self.mode.is_heatmap() && self.metric.needs_motion())
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            mode: Mode::Raw,
            metric: Metric::Sad,
            colormap: Colormap::Viridis,
            block: BlockSize::default(),
            opacity: 0.6,
            auto_scale: true,
            fixed_scale: 4096.0,
            grid: false,
            luma_only: false,
            plots: false,
            range: SearchRange::default(),
            lambda: Lambda::default(),
            fb: false,
            subpel: Subpel::default(),
            arrows: false,
            arrow_scale: 4.0,
            codec_mvs: false,
            flow_scale: None,
            min_gain: 0,
            focus_open: false,
            playing: true,
            looping: true,
            speed: 1.0,
            show_ui: true,
            trit_plane: 0,
            quant: QuantStep::default(),
            reference: false,
            amplify: 1,
            wipe: None,
        }
    }
}
