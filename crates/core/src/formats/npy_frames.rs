//! A learner's frame stack as an input (`pred.npy`; README "Inputs", docs/ARCHITECTURE.md "NumPy
//! frame stacks"): what the header must say, and how each frame's values become the 8-bit luma (and
//! chroma) every pass reads. The file reading itself is `video::NpySource`.
//!
//! Accepted, C order only: uint8 or uint16 [T, H, W] or [T, H, W, 1] (luma); uint8 [T, H, W, 3] or
//! [T, 3, H, W] (RGB); float32 or float16 of those shapes. Floats hold [0, 1] (or [0, 255] with
//! `--npy-range 255`) and are scaled to 0..255, clipped and rounded half up; uint16 holds `--npy-bits D`
//! bit samples, reduced as video of that depth is (`frame::reduce_sample`: v >> (D − 8)).

/// The element type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sample {
    U8,
    U16,
    F16,
    F32,
}

impl Sample {
    pub fn bytes(self) -> usize {
        match self {
            Sample::U8 => 1,
            Sample::U16 | Sample::F16 => 2,
            Sample::F32 => 4,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Sample::U8 => "uint8",
            Sample::U16 => "uint16",
            Sample::F16 => "float16",
            Sample::F32 => "float32",
        }
    }
}

/// Where the channels are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channels {
    /// [T, H, W] or [T, H, W, 1].
    Luma,
    /// [T, H, W, 3].
    RgbLast,
    /// [T, 3, H, W].
    RgbFirst,
}

/// A checked frame stack: its geometry and where the values start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NpyStack {
    pub frames: u64,
    pub height: u32,
    pub width: u32,
    pub sample: Sample,
    pub channels: Channels,
    /// Byte offset of frame 0 (after the header).
    pub data_offset: u64,
}

impl NpyStack {
    /// Bytes of one frame in the file.
    pub fn frame_bytes(&self) -> usize {
        let planes = if self.channels == Channels::Luma { 1 } else { 3 };
        self.width as usize * self.height as usize * planes * self.sample.bytes()
    }

    /// FFmpeg-style name of what the values are, for the manifest and the HUD.
    pub fn pixel_format(&self) -> String {
        let what = if self.channels == Channels::Luma { "gray" } else { "rgb" };
        format!("{} {what}", self.sample.name())
    }
}

/// How values become 8-bit samples (`--npy-range`, `--npy-bits`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NpyScale {
    /// Float values span [0, range]: 1 (the default) or 255.
    pub range: f32,
    /// uint16 samples have this many bits (9..=16; 16 by default).
    pub bits: u32,
}

impl Default for NpyScale {
    fn default() -> Self {
        Self { range: 1.0, bits: 16 }
    }
}

/// What is accepted, for messages.
pub const ACCEPTED: &str = "uint8/uint16/float16/float32 [T, H, W] or [T, H, W, 1], or uint8/float16/float32 RGB [T, H, W, 3] or [T, 3, H, W], C order";

/// Reads and checks the header at the start of `bytes` (the first kilobytes of the file).
pub fn parse_header(bytes: &[u8]) -> Result<NpyStack, String> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Err("an .npz archive; save one array with np.save (accepted: a single .npy)".into());
    }
    if !bytes.starts_with(b"\x93NUMPY") || bytes.len() < 10 {
        return Err("not a NumPy .npy file (no \\x93NUMPY magic)".into());
    }
    let header_len = match bytes[6] {
        1 => 10 + u16::from_le_bytes([bytes[8], bytes[9]]) as u64,
        2 | 3 if bytes.len() >= 12 => 12 + u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as u64,
        v => return Err(format!("NPY format version {v} is not supported")),
    };
    let npy = npyz::NpyFile::new(bytes).map_err(|e| format!("unreadable NPY header: {e}"))?;
    if npy.order() == npyz::Order::Fortran {
        return Err(format!(
            "Fortran order (fortran_order: True); save with np.ascontiguousarray (accepted: {ACCEPTED})"
        ));
    }
    let dtype = match npy.dtype() {
        npyz::DType::Plain(t) => t.to_string(),
        other => return Err(format!("dtype {other:?} (accepted: {ACCEPTED})")),
    };
    let sample = match dtype.as_str() {
        "|u1" | "<u1" => Sample::U8,
        "<u2" => Sample::U16,
        "<f2" => Sample::F16,
        "<f4" => Sample::F32,
        other => return Err(format!("dtype {other} (accepted: {ACCEPTED})")),
    };
    let shape = npy.shape().to_vec();
    let (frames, height, width, channels) = match shape[..] {
        [t, h, w] => (t, h, w, Channels::Luma),
        [t, h, w, 1] => (t, h, w, Channels::Luma),
        [t, h, w, 3] => (t, h, w, Channels::RgbLast),
        [t, 3, h, w] => (t, h, w, Channels::RgbFirst),
        _ => return Err(format!("shape {shape:?} (accepted: {ACCEPTED})")),
    };
    if sample == Sample::U16 && channels != Channels::Luma {
        return Err(format!("uint16 RGB {shape:?} (accepted: {ACCEPTED})"));
    }
    if frames == 0 || height == 0 || width == 0 || height > 16384 || width > 16384 {
        return Err(format!("shape {shape:?}: no frames, or a frame size outside 1..=16384"));
    }
    Ok(NpyStack { frames, height: height as u32, width: width as u32, sample, channels, data_offset: header_len })
}

/// Y'CbCr of an 8-bit RGB pixel: BT.601 full range ("JPEG"), with 16-bit fixed-point weights that sum
/// exactly: Y = (19595 R + 38470 G + 7471 B + 32768) >> 16, Cb = 128 + (−11059 R − 21709 G + 32768 B)/65536,
/// Cr = 128 + (32768 R − 27439 G − 5329 B)/65536, both rounded half up and clamped to 0..=255.
pub fn rgb_to_ycbcr(r: u8, g: u8, b: u8) -> (u8, u8, u8) {
    let (r, g, b) = (i64::from(r), i64::from(g), i64::from(b));
    let round = |v: i64| ((v + 128 * 65536 + 32768) >> 16).clamp(0, 255) as u8;
    let y = ((19595 * r + 38470 * g + 7471 * b + 32768) >> 16) as u8;
    (y, round(-11059 * r - 21709 * g + 32768 * b), round(32768 * r - 27439 * g - 5329 * b))
}

/// An IEEE half as f32 (NumPy's float16).
pub fn f16_to_f32(bits: u16) -> f32 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = (bits >> 10) & 0x1f;
    let frac = f32::from(bits & 0x3ff);
    match exp {
        0 => sign * frac * 2f32.powi(-24),
        31 if frac == 0.0 => sign * f32::INFINITY,
        31 => f32::NAN,
        e => sign * (1.0 + frac / 1024.0) * 2f32.powi(i32::from(e) - 15),
    }
}

/// A float value on the [0, range] scale as an 8-bit sample: ×255/range, clipped, rounded half up.
pub fn float_sample(v: f32, range: f32) -> Option<u8> {
    if v.is_nan() {
        return None;
    }
    let scaled = if range == 255.0 { v } else { v * 255.0 };
    Some((scaled.clamp(0.0, 255.0) + 0.5).floor() as u8)
}

/// Cb and Cr planes at the luma's size.
pub type CbCr = (Vec<u8>, Vec<u8>);

/// Frame `index`'s values (`stack.frame_bytes()` bytes) as 8-bit luma, and Cb, Cr at full resolution
/// for RGB stacks. The error names the frame and the first bad value.
pub fn convert_frame(
    raw: &[u8],
    stack: &NpyStack,
    scale: NpyScale,
    index: u64,
) -> Result<(Vec<u8>, Option<CbCr>), String> {
    let n = stack.width as usize * stack.height as usize;
    let planes = if stack.channels == Channels::Luma { 1 } else { 3 };
    let mut values = vec![0u8; n * planes];
    let nan = |i: usize| format!("frame {index}: NaN at element {i} (values must be numbers)");
    match stack.sample {
        Sample::U8 => values.copy_from_slice(&raw[..n * planes]),
        Sample::U16 => {
            let shift = scale.bits.saturating_sub(8);
            for (v, s) in values.iter_mut().zip(raw.chunks_exact(2)) {
                *v = crate::frame::reduce_sample([s[0], s[1]], shift);
            }
        }
        Sample::F16 => {
            for (i, (v, s)) in values.iter_mut().zip(raw.chunks_exact(2)).enumerate() {
                *v = float_sample(f16_to_f32(u16::from_le_bytes([s[0], s[1]])), scale.range).ok_or_else(|| nan(i))?;
            }
        }
        Sample::F32 => {
            for (i, (v, s)) in values.iter_mut().zip(raw.chunks_exact(4)).enumerate() {
                *v = float_sample(f32::from_le_bytes([s[0], s[1], s[2], s[3]]), scale.range).ok_or_else(|| nan(i))?;
            }
        }
    }
    let rgb = |i: usize| match stack.channels {
        Channels::RgbLast => (values[3 * i], values[3 * i + 1], values[3 * i + 2]),
        _ => (values[i], values[n + i], values[2 * n + i]),
    };
    match stack.channels {
        Channels::Luma => Ok((values, None)),
        _ => {
            let (mut y, mut cb, mut cr) = (vec![0u8; n], vec![0u8; n], vec![0u8; n]);
            for i in 0..n {
                let (r, g, b) = rgb(i);
                (y[i], cb[i], cr[i]) = rgb_to_ycbcr(r, g, b);
            }
            Ok((y, Some((cb, cr))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(dtype: &str, shape: &str, fortran: bool) -> Vec<u8> {
        let dict = format!(
            "{{'descr': '{dtype}', 'fortran_order': {}, 'shape': {shape}, }}",
            if fortran { "True" } else { "False" }
        );
        let mut header = dict.into_bytes();
        while !(10 + header.len() + 1).is_multiple_of(64) {
            header.push(b' ');
        }
        header.push(b'\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend((header.len() as u16).to_le_bytes());
        bytes.extend(header);
        bytes
    }

    #[test]
    fn headers_are_accepted_or_named() {
        let s = parse_header(&npy("|u1", "(4, 9, 7)", false)).unwrap();
        assert_eq!(
            (s.frames, s.height, s.width, s.sample, s.channels, s.data_offset),
            (4, 9, 7, Sample::U8, Channels::Luma, 128)
        );
        assert_eq!(parse_header(&npy("<f4", "(2, 3, 5, 6)", false)).unwrap().channels, Channels::RgbFirst);
        assert_eq!(parse_header(&npy("<f2", "(2, 5, 6, 3)", false)).unwrap().channels, Channels::RgbLast);
        assert_eq!(parse_header(&npy("<u2", "(2, 5, 6, 1)", false)).unwrap().sample, Sample::U16);
        let err = |d: &str, s: &str, f: bool| parse_header(&npy(d, s, f)).unwrap_err();
        assert!(err("|u1", "(4, 9, 7)", true).starts_with("Fortran order"));
        assert!(err("<i4", "(4, 9, 7)", false).starts_with("dtype <i4"));
        assert!(err("|u1", "(9, 7)", false).starts_with("shape [9, 7]"));
        assert!(err("<u2", "(2, 5, 6, 3)", false).starts_with("uint16 RGB"));
        assert!(parse_header(b"PK\x03\x04rest").unwrap_err().contains(".npz"));
    }

    #[test]
    fn colour_and_float_conversions_are_the_documented_ones() {
        assert_eq!(rgb_to_ycbcr(0, 0, 0), (0, 128, 128));
        assert_eq!(rgb_to_ycbcr(255, 255, 255), (255, 128, 128));
        assert_eq!(rgb_to_ycbcr(255, 0, 0), (76, 85, 255));
        assert_eq!(rgb_to_ycbcr(0, 0, 255), (29, 255, 107));
        assert_eq!(float_sample(0.5, 1.0), Some(128), "127.5 rounds half up");
        assert_eq!(float_sample(-3.0, 1.0), Some(0));
        assert_eq!(float_sample(2.0, 1.0), Some(255));
        assert_eq!(float_sample(100.49, 255.0), Some(100));
        assert_eq!(float_sample(f32::NAN, 1.0), None);
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0x3800), 0.5);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_to_f32(0xc000), -2.0);
    }
}
