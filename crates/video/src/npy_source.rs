//! A learner's frame stack (`.npy`, `core::formats::npy_frames`) as a frame source. Frames are read
//! with positioned reads, one frame at a time: opening reads only the header, so a file of any size
//! opens at once and memory stays at one frame however long it plays (a memory map would need
//! `unsafe`, which lives in `crates/gpu` only). The staged decoder's `next_frame_into` is the trait's
//! default: convert, then copy the luma. No frame rate is stored in an array: 30 fps.

use super::{FrameSource, VideoError};
use std::os::unix::fs::FileExt;
use vidscope_core::formats::npy_frames::{convert_frame, parse_header, CbCr, Channels, NpyScale, NpyStack, Sample};
use vidscope_core::frame::{ChromaPlanes, ColourInfo, ColourMatrix, LumaFrame, StreamInfo};
use vidscope_core::stream_meta::StreamMeta;

/// The frame rate a stack plays at (arrays carry none).
pub const NPY_FPS: f64 = 30.0;

static SCALE: std::sync::OnceLock<NpyScale> = std::sync::OnceLock::new();

/// Sets how every `.npy` input's values are read (`--npy-range`, `--npy-bits`: global options), once,
/// before any is opened; the default otherwise.
pub fn set_npy_scale(scale: NpyScale) {
    let _ = SCALE.set(scale);
}

pub struct NpySource {
    file: std::fs::File,
    stack: NpyStack,
    scale: NpyScale,
    info: StreamInfo,
    raw: Vec<u8>,
    next_index: u64,
}

impl NpySource {
    pub fn open(path: &std::path::Path) -> Result<Self, VideoError> {
        let name = path.display().to_string();
        let open_err = |reason: String| VideoError::Open { path: name.clone(), reason };
        let file = std::fs::File::open(path).map_err(|e| open_err(e.to_string()))?;
        let len = file.metadata().map_err(|e| open_err(e.to_string()))?.len();
        let mut head = vec![0u8; len.min(1 << 16) as usize];
        file.read_exact_at(&mut head, 0).map_err(|e| open_err(e.to_string()))?;
        let stack = parse_header(&head).map_err(|reason| VideoError::NotVideo { path: name.clone(), reason })?;
        let need = stack.data_offset + stack.frames * stack.frame_bytes() as u64;
        if len < need {
            return Err(VideoError::NotVideo {
                path: name,
                reason: format!("{len} bytes, but its header promises {need} (truncated?)"),
            });
        }
        let scale = SCALE.get().copied().unwrap_or_default();
        let rgb = stack.channels != Channels::Luma;
        if stack.sample == Sample::U16 && scale.bits > 8 {
            tracing::info!(
                "{name}: uint16 samples of {} bits, reduced to 8 as video of that depth (>> {})",
                scale.bits,
                scale.bits - 8
            );
        }
        let info = StreamInfo {
            input: name,
            width: stack.width,
            height: stack.height,
            frame_count: Some(stack.frames),
            fps: NPY_FPS,
            pixel_format: stack.pixel_format(),
            bit_depth: if stack.sample == Sample::U16 { scale.bits } else { 8 },
            codec: "npy".into(),
            // RGB stacks become BT.601 full-range Y'CbCr (npy_frames::rgb_to_ycbcr), shown in colour.
            colour: ColourInfo { matrix: ColourMatrix::Bt601, full_range: rgb, matrix_tagged: rgb, range_tagged: rgb },
            meta: StreamMeta::default(),
        };
        Ok(Self { file, raw: vec![0; stack.frame_bytes()], stack, scale, info, next_index: 0 })
    }

    /// Reads frame `next_index`'s bytes into `raw`.
    fn read_raw(&mut self) -> Result<bool, VideoError> {
        if self.next_index >= self.stack.frames {
            return Ok(false);
        }
        let offset = self.stack.data_offset + self.next_index * self.stack.frame_bytes() as u64;
        self.file.read_exact_at(&mut self.raw, offset).map_err(|e| VideoError::Corrupt {
            path: self.info.input.clone(),
            frame: self.next_index as usize,
            reason: e.to_string(),
        })?;
        Ok(true)
    }

    fn convert(&self) -> Result<(Vec<u8>, Option<CbCr>), VideoError> {
        convert_frame(&self.raw, &self.stack, self.scale, self.next_index).map_err(|reason| VideoError::Corrupt {
            path: self.info.input.clone(),
            frame: self.next_index as usize,
            reason,
        })
    }
}

impl FrameSource for NpySource {
    fn info(&self) -> &StreamInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<LumaFrame>, VideoError> {
        if !self.read_raw()? {
            return Ok(None);
        }
        let (luma, chroma) = self.convert()?;
        let (w, h) = (self.stack.width, self.stack.height);
        let mut frame = LumaFrame::gray(self.next_index as usize, w, h, luma);
        frame.chroma = chroma.map(|(cb, cr)| ChromaPlanes { width: w, height: h, shift_x: 0, shift_y: 0, cb, cr });
        self.next_index += 1;
        Ok(Some(frame))
    }
}
