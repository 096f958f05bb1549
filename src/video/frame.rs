//! Frame and stream descriptions shared by every source.

/// One decoded frame's 8-bit luma plane, tightly packed: `data.len() == width * height`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LumaFrame {
    /// Index in decode order, 0-based.
    pub index: usize,
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

/// What a source knows about its stream before decoding.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamInfo {
    /// The input as the user named it (path or `synthetic:...`).
    pub input: String,
    pub width: u32,
    pub height: u32,
    /// Frame count when the container says (or the source knows); `None` when unknown.
    pub frame_count: Option<u64>,
    pub fps: f64,
    /// FFmpeg-style pixel format name of the source, e.g. `yuv420p`, `yuv420p10le`, `gray`.
    pub pixel_format: String,
    /// Bit depth of the source luma; values are reduced to 8 bits by `>> (bit_depth - 8)`.
    pub bit_depth: u32,
    /// Codec name (`h264`, `rawvideo`, `synthetic`, ...).
    pub codec: String,
}
