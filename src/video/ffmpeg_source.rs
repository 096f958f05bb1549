//! FFmpeg input (feature `ffmpeg`): demux the best video stream, decode it (threaded), and extract 8-bit luma.
//!
//! Supported pixel formats and how luma is taken (as stored, no range conversion):
//! - 8-bit: `yuv420p`, `yuvj420p`, `yuv422p`, `yuvj422p`, `yuv444p`, `yuvj444p`, `nv12`, `nv21`, `gray`
//!   — the Y plane is copied.
//! - 10/12-bit little-endian, LSB-aligned: `yuv420p10le`, `yuv420p12le`, `yuv422p10le`, `yuv422p12le`,
//!   `yuv444p10le`, `yuv444p12le`, `gray10le`, `gray12le` — each sample `>> (depth - 8)`.
//! - `p010le` (10 bits MSB-aligned in 16-bit words) — each word `>> 8`, which equals `(word >> 6) >> 2`.
//!
//! Anything else is [`VideoError::UnsupportedPixelFormat`]. FFmpeg's own log is silenced (set the
//! environment variable `VIDSCOPE_FFMPEG_LOG` to `error`, `warning`, `info` or `debug` to see it).

use std::sync::Once;

use ff::format::Pixel;
use ffmpeg_next as ff;

use super::{FrameSource, LumaFrame, StreamInfo, VideoError};

/// How the luma plane of a pixel format is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Luma {
    /// One byte per sample.
    U8,
    /// 16-bit little-endian words, reduced by `>> shift`.
    U16 { shift: u32 },
}

/// Luma layout and bit depth of a supported pixel format; `None` when unsupported.
fn classify(format: Pixel) -> Option<(Luma, u32)> {
    use Pixel as P;
    Some(match format {
        P::YUV420P
        | P::YUVJ420P
        | P::YUV422P
        | P::YUVJ422P
        | P::YUV444P
        | P::YUVJ444P
        | P::NV12
        | P::NV21
        | P::GRAY8 => (Luma::U8, 8),
        P::YUV420P10LE | P::YUV422P10LE | P::YUV444P10LE | P::GRAY10LE => (Luma::U16 { shift: 2 }, 10),
        P::YUV420P12LE | P::YUV422P12LE | P::YUV444P12LE | P::GRAY12LE => (Luma::U16 { shift: 4 }, 12),
        P::P010LE => (Luma::U16 { shift: 8 }, 10),
        _ => return None,
    })
}

/// FFmpeg's name for a pixel format (`yuv420p10le`, ...).
fn format_name(format: Pixel) -> String {
    match format.descriptor() {
        Some(d) => d.name().to_string(),
        None => format!("{format:?}").to_lowercase(),
    }
}

/// Copies the luma plane (`data` with `stride` bytes per row) into a tight 8-bit `width * height`
/// buffer. `None` if the plane is too small for the size.
fn extract_luma(data: &[u8], stride: usize, width: usize, height: usize, luma: Luma) -> Option<Vec<u8>> {
    let bytes_per_sample = match luma {
        Luma::U8 => 1,
        Luma::U16 { .. } => 2,
    };
    let row_bytes = width.checked_mul(bytes_per_sample)?;
    if height == 0 || width == 0 {
        return Some(Vec::new());
    }
    let needed = stride.checked_mul(height - 1)?.checked_add(row_bytes)?;
    if stride < row_bytes || data.len() < needed {
        return None;
    }
    let mut out = Vec::with_capacity(width * height);
    for y in 0..height {
        let row = &data[y * stride..y * stride + row_bytes];
        match luma {
            Luma::U8 => out.extend_from_slice(row),
            Luma::U16 { shift } => {
                out.extend(row.chunks_exact(2).map(|s| (u16::from_le_bytes([s[0], s[1]]) >> shift).min(255) as u8))
            }
        }
    }
    Some(out)
}

pub(super) fn init_ffmpeg() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // `init` only registers things on old FFmpeg versions and cannot fail on 5.x and later.
        let _ = ff::init();
        use ff::log::Level;
        let level = match std::env::var("VIDSCOPE_FFMPEG_LOG").as_deref() {
            Ok("error") => Level::Error,
            Ok("warning") => Level::Warning,
            Ok("info") => Level::Info,
            Ok("verbose") => Level::Verbose,
            Ok("debug") => Level::Debug,
            _ => Level::Quiet,
        };
        ff::log::set_level(level);
    });
}

/// Decodes the best video stream of anything FFmpeg opens; see the module documentation.
pub struct FfmpegSource {
    info: StreamInfo,
    // Field order matters for drop order only in that each owns its own FFmpeg context.
    decoder: ff::decoder::Video,
    input: ff::format::context::Input,
    stream_index: usize,
    frame: ff::frame::Video,
    /// A frame decoded at open time (when the format was not known from the headers).
    pending: Option<LumaFrame>,
    next_index: usize,
    eof_sent: bool,
    /// Set after the end or an error; later calls return `Ok(None)`.
    done: bool,
}

impl FfmpegSource {
    pub fn open(path: &str) -> Result<Self, VideoError> {
        init_ffmpeg();
        let open_err = |reason: String| VideoError::Open { path: path.to_string(), reason };
        let not_video = |reason: String| VideoError::NotVideo { path: path.to_string(), reason };

        let input = ff::format::input(path).map_err(|e| match e {
            // The OS said no (missing file, permissions, ...): a plain open error.
            ff::Error::Other { .. } => open_err(e.to_string()),
            _ => not_video(e.to_string()),
        })?;

        let (stream_index, fps, frame_count, parameters) = {
            let stream =
                input.streams().best(ff::media::Type::Video).ok_or_else(|| not_video("no video stream".into()))?;
            let rate = |r: ff::Rational| {
                (r.numerator() > 0 && r.denominator() > 0)
                    .then(|| f64::from(r.numerator()) / f64::from(r.denominator()))
            };
            let fps = rate(stream.avg_frame_rate()).or_else(|| rate(stream.rate())).unwrap_or(25.0);
            let frames = stream.frames();
            let frame_count = (frames > 0).then_some(frames as u64);
            (stream.index(), fps, frame_count, stream.parameters())
        };
        let codec = parameters.id().name().to_string();

        let mut context = ff::codec::Context::from_parameters(parameters)
            .map_err(|e| open_err(format!("cannot set up the {codec} decoder: {e}")))?;
        context.set_threading(ff::threading::Config {
            kind: ff::threading::Type::Frame,
            count: 0, // automatic
            ..Default::default()
        });
        let decoder =
            context.decoder().video().map_err(|e| open_err(format!("cannot open a decoder for codec {codec}: {e}")))?;

        let format = decoder.format();
        let (width, height) = (decoder.width(), decoder.height());
        let known = format != Pixel::None && width > 0 && height > 0;
        if known && classify(format).is_none() {
            return Err(VideoError::UnsupportedPixelFormat { path: path.to_string(), format: format_name(format) });
        }
        let bit_depth = classify(format).map_or(8, |(_, depth)| depth);

        let mut source = FfmpegSource {
            info: StreamInfo {
                input: path.to_string(),
                width,
                height,
                frame_count,
                fps,
                pixel_format: format_name(format),
                bit_depth,
                codec,
            },
            decoder,
            input,
            stream_index,
            frame: ff::frame::Video::empty(),
            pending: None,
            next_index: 0,
            eof_sent: false,
            done: false,
        };

        if !known {
            // The headers did not say: decode the first frame to learn size and format.
            source.info.width = 0;
            source.info.height = 0;
            let first = source.decode_next()?;
            let Some(first) = first else {
                return Err(not_video("the video stream has no decodable frames".into()));
            };
            source.info.width = first.width;
            source.info.height = first.height;
            let format = source.frame.format();
            source.info.pixel_format = format_name(format);
            source.info.bit_depth = classify(format).map_or(8, |(_, depth)| depth);
            source.pending = Some(first);
        }
        Ok(source)
    }

    fn corrupt(&self, reason: String) -> VideoError {
        VideoError::Corrupt { path: self.info.input.clone(), frame: self.next_index, reason }
    }

    /// Decodes the next frame in decode order, feeding packets as the decoder asks for them.
    fn decode_next(&mut self) -> Result<Option<LumaFrame>, VideoError> {
        loop {
            match self.decoder.receive_frame(&mut self.frame) {
                Ok(()) => {
                    let frame = self.convert()?;
                    self.next_index += 1;
                    return Ok(Some(frame));
                }
                Err(ff::Error::Eof) => return Ok(None),
                Err(ff::Error::Other { errno: ff::error::EAGAIN }) => {
                    if self.eof_sent {
                        // Drained but no EOF reported: nothing more will come.
                        return Ok(None);
                    }
                    self.feed()?;
                }
                Err(e) => return Err(self.corrupt(format!("decoding failed: {e}"))),
            }
        }
    }

    /// Sends the next packet of our stream to the decoder, or the end-of-stream flush.
    fn feed(&mut self) -> Result<(), VideoError> {
        // Consecutive unreadable packets tolerated before giving up.
        const MAX_SKIPPED: usize = 1000;
        let mut skipped = 0;
        loop {
            let mut packet = ff::Packet::empty();
            match packet.read(&mut self.input) {
                Ok(()) => {
                    if packet.stream() != self.stream_index || packet.size() == 0 {
                        continue;
                    }
                    return match self.decoder.send_packet(&packet) {
                        Ok(()) => Ok(()),
                        Err(e) => Err(self.corrupt(format!("decoding failed: {e}"))),
                    };
                }
                Err(ff::Error::Eof) => {
                    self.eof_sent = true;
                    return match self.decoder.send_eof() {
                        Ok(()) | Err(ff::Error::Eof) => Ok(()),
                        Err(e) => Err(self.corrupt(format!("flushing the decoder failed: {e}"))),
                    };
                }
                // The demuxer can resync past a damaged packet.
                Err(ff::Error::InvalidData) if skipped < MAX_SKIPPED => skipped += 1,
                Err(e) => return Err(self.corrupt(format!("reading the file failed: {e}"))),
            }
        }
    }

    /// The decoded frame in `self.frame` as 8-bit luma.
    fn convert(&self) -> Result<LumaFrame, VideoError> {
        let f = &self.frame;
        let format = f.format();
        let Some((luma, _)) = classify(format) else {
            return Err(VideoError::UnsupportedPixelFormat {
                path: self.info.input.clone(),
                format: format_name(format),
            });
        };
        let (w, h) = (f.width(), f.height());
        if self.info.width != 0 && (w, h) != (self.info.width, self.info.height) {
            return Err(VideoError::SizeChanged {
                path: self.info.input.clone(),
                frame: self.next_index,
                got_w: w,
                got_h: h,
                want_w: self.info.width,
                want_h: self.info.height,
            });
        }
        if w == 0 || h == 0 || f.planes() == 0 {
            return Err(self.corrupt("decoder returned an empty frame".into()));
        }
        let data = extract_luma(f.data(0), f.stride(0), w as usize, h as usize, luma)
            .ok_or_else(|| self.corrupt("decoded luma plane is smaller than the frame".into()))?;
        Ok(LumaFrame { index: self.next_index, width: w, height: h, data })
    }
}

impl FrameSource for FfmpegSource {
    fn info(&self) -> &StreamInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<LumaFrame>, VideoError> {
        if let Some(frame) = self.pending.take() {
            return Ok(Some(frame));
        }
        if self.done {
            return Ok(None);
        }
        let result = self.decode_next();
        if !matches!(result, Ok(Some(_))) {
            self.done = true;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_table() {
        assert_eq!(classify(Pixel::YUV420P), Some((Luma::U8, 8)));
        assert_eq!(classify(Pixel::NV21), Some((Luma::U8, 8)));
        assert_eq!(classify(Pixel::GRAY8), Some((Luma::U8, 8)));
        assert_eq!(classify(Pixel::YUV422P10LE), Some((Luma::U16 { shift: 2 }, 10)));
        assert_eq!(classify(Pixel::GRAY12LE), Some((Luma::U16 { shift: 4 }, 12)));
        assert_eq!(classify(Pixel::P010LE), Some((Luma::U16 { shift: 8 }, 10)));
        assert_eq!(classify(Pixel::RGB24), None);
        assert_eq!(classify(Pixel::YUV420P10BE), None);
        assert_eq!(format_name(Pixel::YUV420P10LE), "yuv420p10le");
        assert_eq!(format_name(Pixel::GRAY8), "gray");
    }

    #[test]
    fn extracts_rows_respecting_stride() {
        // 3x2 8-bit plane with stride 5 (two padding bytes per row).
        let data = [1, 2, 3, 99, 99, 4, 5, 6, 99, 99];
        assert_eq!(extract_luma(&data, 5, 3, 2, Luma::U8), Some(vec![1, 2, 3, 4, 5, 6]));
        // The last row needs no padding.
        assert_eq!(extract_luma(&data[..8], 5, 3, 2, Luma::U8), Some(vec![1, 2, 3, 4, 5, 6]));
        assert_eq!(extract_luma(&data[..7], 5, 3, 2, Luma::U8), None);
        assert_eq!(extract_luma(&data, 2, 3, 2, Luma::U8), None);
    }

    #[test]
    fn reduces_16bit_samples() {
        // 2x1, stride 6: 10-bit LSB-aligned.
        let words: [u16; 3] = [1023, 512, 0xFFFF];
        let data: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        assert_eq!(extract_luma(&data, 6, 2, 1, Luma::U16 { shift: 2 }), Some(vec![255, 128]));
        // P010: 10 bits in the top of the word.
        let words: [u16; 2] = [1023 << 6, 300 << 6];
        let data: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        assert_eq!(extract_luma(&data, 4, 2, 1, Luma::U16 { shift: 8 }), Some(vec![255, 75]));
        // 12-bit.
        let data: Vec<u8> = [4095u16, 16].iter().flat_map(|w| w.to_le_bytes()).collect();
        assert_eq!(extract_luma(&data, 4, 2, 1, Luma::U16 { shift: 4 }), Some(vec![255, 1]));
    }
}
