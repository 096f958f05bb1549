//! Frame and stream descriptions shared by every source, and the RGBA frames the recorder takes.

/// One decoded frame: its 8-bit luma plane, tightly packed (`data.len() == width * height`), which is
/// what every analysis pass reads, plus the chroma planes for colour display when the source has them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LumaFrame {
    /// Index in decode order, 0-based.
    pub index: usize,
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
    /// Cb and Cr, `None` for gray sources (and the synthetic one).
    pub chroma: Option<ChromaPlanes>,
    /// Errors the decoder reported on the way to this frame (a damaged packet dropped, a failed
    /// receive, a demuxer resync, the frame's own concealment / corrupt flags); errors after the last
    /// frame are counted on the last frame. 0 for a clean frame; the frame is still the decoder's
    /// best picture (decoding goes on as the ffmpeg CLI does). See README "Errors".
    pub decode_errors: u32,
    /// Frames of the stream known to be missing just before this one (a dropped packet, a frame that
    /// failed to decode or was skipped, a gap in presentation times): every later frame is that many
    /// steps further along the stream than its index says, which misaligns pairs and `--ref`. Each
    /// lost frame also counts as a decoder error (`decode_errors >= frames_lost_before`).
    pub frames_lost_before: u32,
    /// Set on the first frame in a pixel format other than the previous frame's (its luma is
    /// reduced by its own bit depth); `None` otherwise.
    pub format_change: Option<crate::stream_meta::FormatChange>,
    /// The codec's motion vectors of this frame as FFmpeg exports them and its picture type, when
    /// asked for (`--codec-mvs`); `None` when not asked or not an FFmpeg input.
    pub codec_mvs: Option<crate::codec_mv::CodecVectors>,
}

impl LumaFrame {
    /// A frame with luma only.
    pub fn gray(index: usize, width: u32, height: u32, data: Vec<u8>) -> Self {
        LumaFrame {
            index,
            width,
            height,
            data,
            chroma: None,
            decode_errors: 0,
            frames_lost_before: 0,
            format_change: None,
            codec_mvs: None,
        }
    }
}

/// The one reduction of a higher bit depth to the 8 bits every pass reads (docs/ARCHITECTURE.md: `>> (depth - 8)`):
/// one little-endian 16-bit sample shifted right by `shift` = depth − 8, clamped to 255 (a sample
/// above its nominal depth cannot wrap).
pub fn reduce_sample(le: [u8; 2], shift: u32) -> u8 {
    (u16::from_le_bytes(le) >> shift).min(255) as u8
}

/// [`reduce_sample`] over a plane of little-endian 16-bit samples.
pub fn reduce_plane(le_samples: &[u8], shift: u32) -> Vec<u8> {
    le_samples.chunks_exact(2).map(|s| reduce_sample([s[0], s[1]], shift)).collect()
}

/// The two chroma planes of a frame, 8-bit (reduced like luma), tightly packed, each
/// `width * height` samples. Luma pixel (x, y) takes chroma sample (x >> shift_x, y >> shift_y):
/// nearest-sample upsampling, which keeps every displayed value a decoded one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChromaPlanes {
    pub width: u32,
    pub height: u32,
    /// log2 of the horizontal and vertical subsampling (4:2:0 → 1, 1; 4:2:2 → 1, 0; 4:4:4 → 0, 0).
    pub shift_x: u32,
    pub shift_y: u32,
    pub cb: Vec<u8>,
    pub cr: Vec<u8>,
}

impl ChromaPlanes {
    /// The chroma plane size for a `width x height` frame with the given subsampling.
    pub fn plane_size(width: u32, height: u32, shift_x: u32, shift_y: u32) -> (u32, u32) {
        (width.div_ceil(1 << shift_x), height.div_ceil(1 << shift_y))
    }
}

/// The YCbCr → RGB matrix of a stream (ITU-R BT.601, BT.709 or BT.2020 non-constant luminance).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColourMatrix {
    Bt601,
    Bt709,
    Bt2020,
}

impl ColourMatrix {
    /// The matrix players assume for an untagged stream: BT.709 from 720 lines up, BT.601 below.
    pub fn guess_for_height(height: u32) -> Self {
        if height >= 720 {
            ColourMatrix::Bt709
        } else {
            ColourMatrix::Bt601
        }
    }

    /// (Kr, Kb) luma coefficients.
    pub fn coefficients(self) -> (f32, f32) {
        match self {
            ColourMatrix::Bt601 => (0.299, 0.114),
            ColourMatrix::Bt709 => (0.2126, 0.0722),
            ColourMatrix::Bt2020 => (0.2627, 0.0593),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ColourMatrix::Bt601 => "BT.601",
            ColourMatrix::Bt709 => "BT.709",
            ColourMatrix::Bt2020 => "BT.2020",
        }
    }
}

/// How a stream's YCbCr maps to RGB, and whether the stream said so or it was guessed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColourInfo {
    pub matrix: ColourMatrix,
    /// Full range (0..255, "JPEG") instead of limited (16..235 luma, 16..240 chroma).
    pub full_range: bool,
    /// Whether the matrix was tagged in the stream (else guessed from the height).
    pub matrix_tagged: bool,
    /// Whether the range was tagged (else limited, as players assume).
    pub range_tagged: bool,
}

impl ColourInfo {
    /// Untagged: the height decides the matrix, range limited.
    pub fn guessed(height: u32) -> Self {
        ColourInfo {
            matrix: ColourMatrix::guess_for_height(height),
            full_range: false,
            matrix_tagged: false,
            range_tagged: false,
        }
    }

    /// e.g. `BT.709 limited (tagged)` or `BT.601 limited (guessed)`.
    pub fn describe(&self) -> String {
        let range = if self.full_range { "full" } else { "limited" };
        let how = match (self.matrix_tagged, self.range_tagged) {
            (true, true) => "tagged",
            (false, false) => "guessed",
            (true, false) => "matrix tagged, range guessed",
            (false, true) => "range tagged, matrix guessed",
        };
        format!("{} {range} ({how})", self.matrix.name())
    }
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
    /// YCbCr → RGB conversion for display (meaningless for gray sources).
    pub colour: ColourInfo,
    /// Which video stream, display rotation (ignored), field order.
    pub meta: crate::stream_meta::StreamMeta,
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
