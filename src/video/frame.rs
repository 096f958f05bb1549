//! Frame and stream descriptions shared by every source, and the RGBA frames the recorder takes.

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

/// One RGBA8 image for the recorder ([`super::Mp4Recorder`]): 4 bytes per pixel (R, G, B, A; alpha is
/// ignored), top row first, each row starting `stride` bytes after the previous one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RgbaFrame {
    pub width: u32,
    pub height: u32,
    /// Bytes from the start of one row to the start of the next, `>= width * 4`.
    pub stride: usize,
    pub data: Vec<u8>,
}

impl RgbaFrame {
    /// A tightly packed frame: `stride = width * 4`, so `data.len()` should be `width * height * 4`.
    pub fn new(width: u32, height: u32, data: Vec<u8>) -> Self {
        RgbaFrame { width, height, stride: width as usize * 4, data }
    }

    /// A frame whose rows are `stride` bytes apart (e.g. a mapped GPU readback with a row pitch); the
    /// last row needs only `width * 4` bytes.
    pub fn with_stride(width: u32, height: u32, stride: usize, data: Vec<u8>) -> Self {
        RgbaFrame { width, height, stride, data }
    }

    /// The `width * 4` bytes of row `y` (`y < height`; call [`Self::check`] first).
    pub fn row(&self, y: u32) -> &[u8] {
        let start = y as usize * self.stride;
        &self.data[start..start + self.width as usize * 4]
    }

    /// Why this frame's buffer cannot hold its rows, if it cannot.
    pub fn check(&self) -> Result<(), String> {
        let row_bytes = self.width as usize * 4;
        if self.width == 0 || self.height == 0 {
            return Err(format!("frame is {}x{}", self.width, self.height));
        }
        if self.stride < row_bytes {
            return Err(format!("row pitch {} is less than width * 4 = {row_bytes}", self.stride));
        }
        let needed = self.stride.checked_mul(self.height as usize - 1).and_then(|n| n.checked_add(row_bytes));
        match needed {
            Some(needed) if self.data.len() >= needed => Ok(()),
            _ => Err(format!(
                "{} bytes is too small for {}x{} RGBA with row pitch {}",
                self.data.len(),
                self.width,
                self.height,
                self.stride
            )),
        }
    }
}
