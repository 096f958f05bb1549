//! The viewer's panel model: the actions keys and widgets ask for, the hover readout and the HUD's
//! numbers. (What the picture shows and how it is set, `Settings`, is `vidscope_scene::settings`.)

use crate::passes::PassTimings;
pub use vidscope_scene::settings::*;

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
    /// Drive the prediction from the next motion source given (search, flow, codec, params).
    NextMotionSource,
    ToggleFullscreen,
    ResetView,
    /// A key asked for an A/B view without a reference open.
    NeedsReference,
    /// Pin block (by, bx) for the readout while the pointer is off the picture (again: unpin).
    PinBlock {
        by: u32,
        bx: u32,
    },
    Quit,
}

/// What the pointer is over, or the pinned block (at its centre pixel) while it is off the picture.
#[derive(Clone, Debug, Default)]
pub struct Hover {
    /// The readout is of the pinned block, not of the pointer.
    pub pinned: bool,
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
    /// The refined vector (qx, qy) in quarter pixels, with `--subpel`.
    pub qpel: Option<(i32, i32)>,
    /// The block's symbols, when the symbols pass ran on this frame.
    pub symbols: Option<HoverSymbols>,
    /// A, B and the block's A/B error, with a reference.
    pub ab: Option<HoverAb>,
    /// (label, value) of each pass metric whose pass ran on this frame.
    pub pass_metrics: Vec<(&'static str, f32)>,
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
    /// How the arrows are drawn (one per block or per group, the gain filter), while they are on.
    pub arrows: Option<String>,
    /// What the codec's vectors are (units, picture type, counts per set), while they are drawn.
    pub codec_mvs: Option<String>,
    /// Whether the input has codec vectors (FFmpeg decodes it): the panel's toggle is off otherwise.
    pub codec_mvs_available: bool,
    pub recording: bool,
    /// The reference (B) line: its name, offset and how it differs from A (frame rate, pixel format).
    pub reference: Option<String>,
    /// The shown frame's A/B luma (MSE, PSNR, SSIM); PSNR is infinite for identical frames.
    pub ab_frame: Option<(f64, f64, Option<f64>)>,
    /// The shown frame's chroma and YUV PSNRs and MS-SSIM, as one line (where defined).
    pub ab_more: Option<String>,
    /// Decoder errors so far and on this frame, when the input is damaged.
    pub decode_errors: Option<String>,
    /// The stream's notices: stream choice, ignored rotation, interlacing, pixel-format changes.
    pub notices: Vec<String>,
    /// The pinned block's cost surface, while a block is pinned.
    pub surface: Option<SurfaceView>,
}

/// A block's cost surface for the panel.
#[derive(Clone, Debug, Default)]
pub struct SurfaceView {
    /// (by, bx).
    pub block: (u32, u32),
    pub range: u32,
    /// (2R + 1)² SADs, row-major over (dy + R, dx + R); empty until computed.
    pub sads: Vec<u32>,
    /// The block's vector (dx, dy), when motion search ran.
    pub chosen: Option<(i32, i32)>,
}
