//! FFmpeg input (feature `ffmpeg`): demux the best video stream (or the one `--stream N` names),
//! decode it (on one thread, see below), and extract 8-bit luma.
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
//!
//! Damaged input is decoded on, as the ffmpeg CLI does: a packet the decoder rejects is dropped, a
//! failed receive is skipped, the demuxer resyncs past unreadable data, and the decoder conceals
//! what it can. Each of those, and each frame flagged corrupt or concealed by the decoder, counts as
//! one error in [`LumaFrame::decode_errors`] of the next frame that comes out (errors after the last
//! frame on the last frame, which is held back one frame for that). A frame of another size than the
//! stream's (what a corrupt header gives) is skipped and counted the same way, unless more than
//! [`MAX_FRAMES_OF_ANOTHER_SIZE`] come in a row: that is a real size change. Only what cannot be
//! decoded on is an error: the file cannot be read, a size change, an unsupported pixel format, or no
//! frame at all.
//!
//! **One decoding thread**, so that the count and the concealed pixels are a function of the file.
//! With FFmpeg's frame threads (5.1) both depended on timing in streams whose frames are reordered
//! (B-frames): such a frame is handed out by the thread of a later packet, which copies its damage
//! flags whether or not the thread decoding it has set them yet (at the end of the stream too), and
//! the concealed pixels differed from run to run as well (`examples/decode_errors.rs --repeat 20
//! --hash` shows both on the corrupt corpus's B-frame files). Slice threads are no way out: FFmpeg's
//! H.264 decoder turns concealment off with them, which loses the damage of every lost slice, and
//! x264 writes one slice per frame, so they gain nothing there.
//!
//! The stream facts of [`StreamMeta`] come from here: which video stream (see [`stream_choice`]),
//! the display matrix (ignored, reported), and the field order of the first decoded frame. The first
//! frame is decoded at open so that the pixel format and field order describe it; a frame whose
//! pixel format differs from the previous frame's carries a [`FormatChange`].

use std::sync::Once;

use ff::format::Pixel;
use ffmpeg_next as ff;
use vidscope_core::codec_mv::{CodecMotionVector, CodecVectors, PictureType};

use super::{
    ChromaPlanes, ColourInfo, ColourMatrix, FieldOrder, FormatChange, FrameSource, LumaFrame, StreamChoice, StreamInfo,
    StreamMeta, VideoError,
};

/// How the samples of a pixel format's planes are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sample {
    /// One byte per sample.
    U8,
    /// 16-bit little-endian words, reduced by `>> shift`.
    U16 { shift: u32 },
}

impl Sample {
    fn bytes(self) -> usize {
        match self {
            Sample::U8 => 1,
            Sample::U16 { .. } => 2,
        }
    }

    fn to_u8(self, bytes: &[u8]) -> u8 {
        match self {
            Sample::U8 => bytes[0],
            Sample::U16 { shift } => super::frame::reduce_sample([bytes[0], bytes[1]], shift),
        }
    }
}

/// Where a pixel format keeps its chroma.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Chroma {
    None,
    /// Cb in plane 1, Cr in plane 2.
    Planar {
        shift_x: u32,
        shift_y: u32,
    },
    /// Both in plane 1, interleaved (Cb first unless `cr_first`), subsampled 2x2.
    Interleaved {
        cr_first: bool,
    },
}

/// The storage of a supported pixel format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Layout {
    sample: Sample,
    depth: u32,
    chroma: Chroma,
    /// The `yuvj*` formats are full range whatever the stream's tag says.
    full_range: bool,
}

/// The layout of a supported pixel format; `None` when unsupported.
fn classify(format: Pixel) -> Option<Layout> {
    use Pixel as P;
    const S420: Chroma = Chroma::Planar { shift_x: 1, shift_y: 1 };
    const S422: Chroma = Chroma::Planar { shift_x: 1, shift_y: 0 };
    const S444: Chroma = Chroma::Planar { shift_x: 0, shift_y: 0 };
    let u8 = |chroma, full_range| Layout { sample: Sample::U8, depth: 8, chroma, full_range };
    let u16 =
        |depth: u32, chroma| Layout { sample: Sample::U16 { shift: depth - 8 }, depth, chroma, full_range: false };
    Some(match format {
        P::YUV420P => u8(S420, false),
        P::YUVJ420P => u8(S420, true),
        P::YUV422P => u8(S422, false),
        P::YUVJ422P => u8(S422, true),
        P::YUV444P => u8(S444, false),
        P::YUVJ444P => u8(S444, true),
        P::NV12 => u8(Chroma::Interleaved { cr_first: false }, false),
        P::NV21 => u8(Chroma::Interleaved { cr_first: true }, false),
        P::GRAY8 => u8(Chroma::None, false),
        P::YUV420P10LE => u16(10, S420),
        P::YUV422P10LE => u16(10, S422),
        P::YUV444P10LE => u16(10, S444),
        P::GRAY10LE => u16(10, Chroma::None),
        P::YUV420P12LE => u16(12, S420),
        P::YUV422P12LE => u16(12, S422),
        P::YUV444P12LE => u16(12, S444),
        P::GRAY12LE => u16(12, Chroma::None),
        // 10 bits in the top of each 16-bit word: `>> 8` equals `(word >> 6) >> 2`.
        P::P010LE => Layout {
            sample: Sample::U16 { shift: 8 },
            depth: 10,
            chroma: Chroma::Interleaved { cr_first: false },
            full_range: false,
        },
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

/// Copies a plane (`data` with `stride` bytes per row) of `width * height` pixels of `channels`
/// interleaved samples into one tight 8-bit buffer per channel. `None` if the plane is too small.
fn extract_plane(
    data: &[u8],
    stride: usize,
    width: usize,
    height: usize,
    sample: Sample,
    channels: usize,
) -> Option<Vec<Vec<u8>>> {
    let pixel_bytes = sample.bytes() * channels;
    let row_bytes = width.checked_mul(pixel_bytes)?;
    if height == 0 || width == 0 {
        return Some(vec![Vec::new(); channels]);
    }
    let needed = stride.checked_mul(height - 1)?.checked_add(row_bytes)?;
    if stride < row_bytes || data.len() < needed {
        return None;
    }
    let mut out = vec![Vec::with_capacity(width * height); channels];
    for y in 0..height {
        let row = &data[y * stride..y * stride + row_bytes];
        if channels == 1 && sample == Sample::U8 {
            out[0].extend_from_slice(row);
            continue;
        }
        for pixel in row.chunks_exact(pixel_bytes) {
            for (c, plane) in out.iter_mut().enumerate() {
                plane.push(sample.to_u8(&pixel[c * sample.bytes()..]));
            }
        }
    }
    Some(out)
}

/// The luma plane alone (see [`extract_plane`]).
fn extract_luma(data: &[u8], stride: usize, width: usize, height: usize, sample: Sample) -> Option<Vec<u8>> {
    extract_plane(data, stride, width, height, sample, 1).and_then(|mut planes| planes.pop())
}

/// The stream's YCbCr matrix and range from the decoder's tags (`yuvj*` formats are full range).
fn colour_info(decoder: &ff::decoder::Video, layout: Option<Layout>, height: u32) -> ColourInfo {
    use ff::color::{Range, Space};
    let mut info = ColourInfo::guessed(height);
    let tagged = match decoder.color_space() {
        Space::BT709 => Some(ColourMatrix::Bt709),
        Space::BT470BG | Space::SMPTE170M | Space::FCC | Space::SMPTE240M => Some(ColourMatrix::Bt601),
        Space::BT2020NCL | Space::BT2020CL => Some(ColourMatrix::Bt2020),
        _ => None,
    };
    if let Some(matrix) = tagged {
        info.matrix = matrix;
        info.matrix_tagged = true;
    }
    match decoder.color_range() {
        Range::JPEG => (info.full_range, info.range_tagged) = (true, true),
        Range::MPEG => (info.full_range, info.range_tagged) = (false, true),
        _ => {}
    }
    if layout.is_some_and(|l| l.full_range) {
        (info.full_range, info.range_tagged) = (true, true);
    }
    info
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
    /// Errors since the last frame came out of the decoder (see the module documentation).
    errors: u32,
    /// Errors in a row without a frame: past [`MAX_ERRORS_IN_A_ROW`] the stream is given up.
    errors_in_a_row: usize,
    /// The frame decoded last, returned once the next one (or the end) shows which errors follow it.
    held: Option<LumaFrame>,
    /// An error that ended the stream, returned after the held frame.
    failed: Option<VideoError>,
    /// The pixel format of the frame decoded last (a change is reported on the next frame).
    last_format: Option<Pixel>,
    /// Frames of another size than the stream's skipped in a row (see [`MAX_FRAMES_OF_ANOTHER_SIZE`]).
    other_size_in_a_row: usize,
    /// Packets of our stream to read at most (an image sequence's files), then the end.
    packet_limit: Option<u64>,
    /// Packets of our stream read so far.
    packets: u64,
    /// One frame's duration in the stream's time base, where the stream has a steady rate (see
    /// [`steady_frame_step`]): a larger gap between two frames' timestamps is frames lost.
    frame_step: Option<f64>,
    /// The timestamp of the frame delivered last.
    last_timestamp: Option<i64>,
    /// Frames known dropped since the last frame came out (a rejected packet, a failed decode, a
    /// frame of another size): what counts as lost where timestamps cannot tell.
    dropped_since_last: u32,
    /// Frames carry the codec's motion vectors (`--codec-mvs`).
    codec_mvs: bool,
}

/// One frame's duration in time-base ticks, where the stream's nominal rate (`r_frame_rate`) and its
/// average rate agree within 10 % (a steady stream, whatever frames are missing from it); `None` for
/// variable-rate streams, where a gap in timestamps is no sign of a lost frame.
fn steady_frame_step(stream: &ff::format::stream::Stream) -> Option<f64> {
    let (nominal, average, tick) =
        (positive(stream.rate())?, positive(stream.avg_frame_rate()), positive(stream.time_base())?);
    if average.is_some_and(|a| (a - nominal).abs() > 0.1 * nominal) {
        return None;
    }
    Some(1.0 / (nominal * tick))
}

/// A rate or time base as a number, `None` when FFmpeg does not know it (0/0, 0/1).
fn positive(r: ff::Rational) -> Option<f64> {
    (r.numerator() > 0 && r.denominator() > 0).then(|| f64::from(r.numerator()) / f64::from(r.denominator()))
}

/// Errors without any frame in between after which decoding on is pointless (a file of garbage).
const MAX_ERRORS_IN_A_ROW: usize = 1000;

/// Frames of another size than the stream's that are skipped as damage when they come in a row (a
/// corrupt header decodes to a few frames of some other size, then the stream's next headers put it
/// back); one more in a row is a real size change, [`VideoError::SizeChanged`].
pub const MAX_FRAMES_OF_ANOTHER_SIZE: usize = 8;

/// How FFmpeg is to read an input's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputName {
    /// The file of that name, also where the name looks like an image sequence pattern (`f%03d.png`
    /// that exists as a file is that file, not a sequence).
    File,
    /// An image sequence pattern naming `frames` files in a row (counted by
    /// [`super::image_sequence::count_frames`]): read up to the first missing index, not past it.
    ImageSequence { frames: u64 },
}

impl FfmpegSource {
    /// Opens `path` (read as `name` says) and its video stream `stream` (position among the video
    /// streams), or FFmpeg's best video stream when `None`.
    /// With `codec_mvs` the decoder exports the codec's motion vectors (`export_side_data=mvs`, which
    /// costs decode time) and each frame carries them ([`LumaFrame::codec_mvs`]).
    pub fn open(path: &str, stream: Option<usize>, name: InputName, codec_mvs: bool) -> Result<Self, VideoError> {
        init_ffmpeg();
        let open_err = |reason: String| VideoError::Open { path: path.to_string(), reason };
        let not_video = |reason: String| VideoError::NotVideo { path: path.to_string(), reason };

        // FFmpeg's image2 demuxer takes any image name with a `%d` field as a pattern, and by default
        // also skips gaps in the numbering; say which one the name is (other demuxers ignore this).
        let mut options = ff::Dictionary::new();
        options.set("pattern_type", if name == InputName::File { "none" } else { "sequence" });
        let input = ff::format::input_with_dictionary(path, options).map_err(|e| match e {
            // The OS said no (missing file, permissions, ...): a plain open error.
            ff::Error::Other { .. } => open_err(e.to_string()),
            _ => not_video(e.to_string()),
        })?;

        let choice = stream_choice(path, &input, stream)?;
        let (stream_index, fps, frame_count, parameters, rotation_deg, frame_step) = {
            let stream = input.stream(choice.stream_index).ok_or_else(|| not_video("no video stream".into()))?;
            let fps = positive(stream.avg_frame_rate()).or_else(|| positive(stream.rate())).unwrap_or(25.0);
            let frames = stream.frames();
            let frame_count = (frames > 0).then_some(frames as u64);
            let step = steady_frame_step(&stream);
            (stream.index(), fps, frame_count, stream.parameters(), display_rotation(&stream), step)
        };
        let codec = parameters.id().name().to_string();

        let mut context = ff::codec::Context::from_parameters(parameters)
            .map_err(|e| open_err(format!("cannot set up the {codec} decoder: {e}")))?;
        // One thread: see the module documentation.
        context.set_threading(ff::threading::Config::count(1));
        let decoder = open_decoder(context, codec_mvs)
            .map_err(|e| open_err(format!("cannot open a decoder for codec {codec}: {e}")))?;

        let format = decoder.format();
        let (width, height) = (decoder.width(), decoder.height());
        let known = format != Pixel::None && width > 0 && height > 0;
        if known && classify(format).is_none() {
            return Err(VideoError::UnsupportedPixelFormat { path: path.to_string(), format: format_name(format) });
        }
        let bit_depth = classify(format).map_or(8, |l| l.depth);
        let colour = colour_info(&decoder, classify(format), height);

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
                colour,
                meta: StreamMeta { choice, rotation_deg, field_order: FieldOrder::Unknown },
            },
            decoder,
            input,
            stream_index,
            frame: ff::frame::Video::empty(),
            pending: None,
            next_index: 0,
            eof_sent: false,
            done: false,
            errors: 0,
            errors_in_a_row: 0,
            held: None,
            failed: None,
            last_format: None,
            other_size_in_a_row: 0,
            packet_limit: None,
            packets: 0,
            frame_step,
            last_timestamp: None,
            dropped_since_last: 0,
            codec_mvs,
        };
        if let InputName::ImageSequence { frames } = name {
            // image2 gives no count, and reads past a gap in the numbering; the files on disk say.
            source.info.frame_count = Some(frames);
            source.packet_limit = Some(frames);
        }

        source.read_first_frame(known)?;
        Ok(source)
    }

    /// Decodes the first frame, which says what the stream starts as (format, field order) and,
    /// where the headers did not (`!known`), its size; kept pending for `next_frame`.
    fn read_first_frame(&mut self, known: bool) -> Result<(), VideoError> {
        if !known {
            self.info.width = 0;
            self.info.height = 0;
            let Some(first) = self.decode_next()? else {
                let reason = "the video stream has no decodable frames".into();
                return Err(VideoError::NotVideo { path: self.info.input.clone(), reason });
            };
            self.info.width = first.width;
            self.info.height = first.height;
            self.info.colour = colour_info(&self.decoder, classify(self.frame.format()), first.height);
            self.pending = Some(first);
        } else {
            // An error here is the stream's, delivered in order like any later one.
            match self.decode_next() {
                Ok(first) => self.pending = first,
                Err(e) => (self.done, self.failed) = (true, Some(e)),
            }
        }
        if self.pending.is_some() {
            let format = self.frame.format();
            self.info.pixel_format = format_name(format);
            self.info.bit_depth = classify(format).map_or(8, |l| l.depth);
            self.info.meta.field_order = field_order(&self.frame);
        }
        Ok(())
    }

    fn corrupt(&self, reason: String) -> VideoError {
        VideoError::Corrupt { path: self.info.input.clone(), frame: self.next_index, reason }
    }

    /// Counts one decoder error; fails once there were too many in a row without a frame.
    fn count_error(&mut self, what: &str, e: &dyn std::fmt::Display) -> Result<(), VideoError> {
        self.errors = self.errors.saturating_add(1);
        self.errors_in_a_row += 1;
        tracing::debug!("{}: before frame {}: {what}: {e}", self.info.input, self.next_index);
        if self.errors_in_a_row > MAX_ERRORS_IN_A_ROW {
            return Err(self.corrupt(format!("{MAX_ERRORS_IN_A_ROW} decoder errors in a row, last: {what}: {e}")));
        }
        Ok(())
    }

    /// Counts one error that also cost a frame (see [`Self::frames_lost`]).
    fn count_dropped(&mut self, what: &str, e: &dyn std::fmt::Display) -> Result<(), VideoError> {
        self.dropped_since_last += 1;
        self.count_error(what, e)
    }

    /// Whether the decoded frame in `self.frame` is to be skipped as damage for being of another size
    /// than the stream's (counted as an error); the error for a real size change, past
    /// [`MAX_FRAMES_OF_ANOTHER_SIZE`] such frames in a row, naming the first of them.
    fn skip_other_size(&mut self) -> Result<bool, VideoError> {
        let (w, h) = (self.frame.width(), self.frame.height());
        if self.info.width == 0 || (w, h) == (self.info.width, self.info.height) {
            self.other_size_in_a_row = 0;
            return Ok(false);
        }
        self.other_size_in_a_row += 1;
        if self.other_size_in_a_row > MAX_FRAMES_OF_ANOTHER_SIZE {
            return Err(VideoError::SizeChanged {
                path: self.info.input.clone(),
                frame: self.next_index,
                got_w: w,
                got_h: h,
                want_w: self.info.width,
                want_h: self.info.height,
            });
        }
        let size = format!("{w}x{h}, not {}x{}", self.info.width, self.info.height);
        self.count_dropped("a frame of another size skipped", &size)?;
        Ok(true)
    }

    /// Decodes the next frame in decode order, feeding packets as the decoder asks for them, and
    /// counting (not stopping at) the errors on the way.
    fn decode_next(&mut self) -> Result<Option<LumaFrame>, VideoError> {
        loop {
            match self.decoder.receive_frame(&mut self.frame) {
                Ok(()) => {
                    if self.skip_other_size()? {
                        continue;
                    }
                    let mut frame = self.convert()?;
                    let format = self.frame.format();
                    if self.last_format.replace(format).is_some_and(|last| last != format) {
                        frame.format_change = Some(FormatChange {
                            frame: self.next_index as u64,
                            pix_fmt: format_name(format),
                            bit_depth: classify(format).map_or(8, |l| l.depth),
                        });
                    }
                    // The decoder concealed damage in this frame, or marked it corrupt.
                    if self.frame.is_corrupt() || self.frame.has_decode_errors() {
                        tracing::debug!(
                            "{}: frame {} was concealed or is corrupt (corrupt flag {}, {:?})",
                            self.info.input,
                            self.next_index,
                            self.frame.is_corrupt(),
                            self.frame.decode_error_flags()
                        );
                        self.errors = self.errors.saturating_add(1);
                    }
                    // A lost frame is damage even where the decoder saw none (a packet missing
                    // from the file decodes as a clean stream with a gap).
                    frame.frames_lost_before = self.frames_lost();
                    frame.decode_errors = std::mem::take(&mut self.errors).max(frame.frames_lost_before);
                    if frame.frames_lost_before > 0 {
                        tracing::debug!(
                            "{}: {} frame(s) lost before frame {}",
                            self.info.input,
                            frame.frames_lost_before,
                            self.next_index
                        );
                    }
                    self.errors_in_a_row = 0;
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
                // A frame that failed to decode: skipped, as ffmpeg does.
                Err(e) => self.count_dropped("decoding failed", &e)?,
            }
        }
    }

    /// Sends the next packet of our stream to the decoder, or the end-of-stream flush. A packet the
    /// decoder rejects is dropped and the next one sent; unreadable data is skipped (the demuxer
    /// resyncs), each counted as an error.
    fn feed(&mut self) -> Result<(), VideoError> {
        loop {
            if self.packet_limit.is_some_and(|limit| self.packets >= limit) {
                return self.send_eof();
            }
            let mut packet = ff::Packet::empty();
            match packet.read(&mut self.input) {
                Ok(()) => {
                    if packet.stream() != self.stream_index || packet.size() == 0 {
                        continue;
                    }
                    self.packets += 1;
                    match self.decoder.send_packet(&packet) {
                        Ok(()) => return Ok(()),
                        Err(e) => self.count_dropped("packet rejected", &e)?,
                    }
                }
                Err(ff::Error::Eof) => return self.send_eof(),
                // The demuxer can resync past damaged data.
                Err(e @ ff::Error::InvalidData) => self.count_error("unreadable data skipped", &e)?,
                Err(e) => return Err(self.corrupt(format!("reading the file failed: {e}"))),
            }
        }
    }

    /// Frames of the stream missing just before the decoded frame in `self.frame`: from the gap
    /// between its timestamp and the last frame's where the stream has a steady rate, else the frames
    /// known dropped on the way.
    fn frames_lost(&mut self) -> u32 {
        let dropped = std::mem::take(&mut self.dropped_since_last);
        let timestamp = self.frame.timestamp();
        let last = self.last_timestamp;
        self.last_timestamp = timestamp.or(last);
        match (self.frame_step, last, timestamp) {
            (Some(step), Some(last), Some(now)) if now > last => {
                // Steps of one frame from the last frame to this one; 1 when nothing is missing.
                let steps = ((now - last) as f64 / step).round();
                (steps as u32).saturating_sub(1)
            }
            _ => dropped,
        }
    }

    /// Starts the decoder's end-of-stream flush.
    fn send_eof(&mut self) -> Result<(), VideoError> {
        self.eof_sent = true;
        match self.decoder.send_eof() {
            Ok(()) | Err(ff::Error::Eof) => Ok(()),
            Err(e) => Err(self.corrupt(format!("flushing the decoder failed: {e}"))),
        }
    }

    /// The decoded frame in `self.frame` (of the stream's size) as 8-bit luma plus chroma.
    fn convert(&self) -> Result<LumaFrame, VideoError> {
        let f = &self.frame;
        let format = f.format();
        let Some(layout) = classify(format) else {
            return Err(VideoError::UnsupportedPixelFormat {
                path: self.info.input.clone(),
                format: format_name(format),
            });
        };
        let (w, h) = (f.width(), f.height());
        if w == 0 || h == 0 || f.planes() == 0 {
            return Err(self.corrupt("decoder returned an empty frame".into()));
        }
        let data = extract_luma(f.data(0), f.stride(0), w as usize, h as usize, layout.sample)
            .ok_or_else(|| self.corrupt("decoded luma plane is smaller than the frame".into()))?;
        let chroma = self.convert_chroma(layout)?;
        let codec_mvs = match self.codec_mvs {
            true => Some(self.codec_vectors()?),
            false => None,
        };
        Ok(LumaFrame {
            index: self.next_index,
            width: w,
            height: h,
            data,
            chroma,
            decode_errors: 0,
            frames_lost_before: 0,
            format_change: None,
            codec_mvs,
        })
    }

    /// The decoded frame's motion-vector side data (none on an intra frame: empty) and picture type.
    fn codec_vectors(&self) -> Result<CodecVectors, VideoError> {
        let vectors = match self.frame.side_data(ff::frame::side_data::Type::MotionVectors) {
            Some(data) => CodecMotionVector::parse_side_data(data.data()).map_err(|e| self.corrupt(e))?,
            None => Vec::new(),
        };
        let picture = match self.frame.kind() {
            ff::picture::Type::I => PictureType::I,
            ff::picture::Type::P => PictureType::P,
            ff::picture::Type::B => PictureType::B,
            _ => PictureType::Other,
        };
        Ok(CodecVectors { picture, vectors })
    }

    /// The chroma planes of the decoded frame, 8-bit, or `None` for gray formats.
    fn convert_chroma(&self, layout: Layout) -> Result<Option<ChromaPlanes>, VideoError> {
        let f = &self.frame;
        let (shift_x, shift_y, channels) = match layout.chroma {
            Chroma::None => return Ok(None),
            Chroma::Planar { shift_x, shift_y } => (shift_x, shift_y, 1),
            Chroma::Interleaved { .. } => (1, 1, 2),
        };
        let (cw, ch) = ChromaPlanes::plane_size(f.width(), f.height(), shift_x, shift_y);
        let small = || self.corrupt("decoded chroma plane is smaller than the frame".into());
        let plane = |i: usize| {
            if i >= f.planes() {
                return None;
            }
            extract_plane(f.data(i), f.stride(i), cw as usize, ch as usize, layout.sample, channels)
        };
        let (cb, cr) = match layout.chroma {
            Chroma::Interleaved { cr_first } => {
                let mut both = plane(1).ok_or_else(small)?;
                let (second, first) = (both.pop().ok_or_else(small)?, both.pop().ok_or_else(small)?);
                if cr_first {
                    (second, first)
                } else {
                    (first, second)
                }
            }
            _ => {
                let cb = plane(1).and_then(|mut p| p.pop()).ok_or_else(small)?;
                let cr = plane(2).and_then(|mut p| p.pop()).ok_or_else(small)?;
                (cb, cr)
            }
        };
        Ok(Some(ChromaPlanes { width: cw, height: ch, shift_x, shift_y, cb, cr }))
    }
}

/// Opens the decoder of `context`; with `codec_mvs` asking it to export its motion vectors as side
/// data (`export_side_data=mvs`, the name FFmpeg 5.1 and 7.1 both take; `flags2=+export_mvs` is its
/// older form).
fn open_decoder(context: ff::codec::Context, codec_mvs: bool) -> Result<ff::decoder::Video, ff::Error> {
    let decoder = context.decoder();
    if !codec_mvs {
        return decoder.video();
    }
    let codec = ff::decoder::find(decoder.id()).ok_or(ff::Error::DecoderNotFound)?;
    let mut options = ff::Dictionary::new();
    options.set("export_side_data", "mvs");
    decoder.open_as_with(codec, options)?.video()
}

/// The video stream to read: the `asked`-th video stream, or FFmpeg's best one; with a description
/// of every video stream for the notice and the error.
fn stream_choice(
    path: &str,
    input: &ff::format::context::Input,
    asked: Option<usize>,
) -> Result<StreamChoice, VideoError> {
    let video: Vec<usize> =
        input.streams().filter(|s| s.parameters().medium() == ff::media::Type::Video).map(|s| s.index()).collect();
    if video.is_empty() {
        return Err(VideoError::NotVideo { path: path.to_string(), reason: "no video stream".into() });
    }
    let describe = |index: usize| {
        let Some(stream) = input.stream(index) else { return format!("#0:{index}") };
        let parameters = stream.parameters();
        let codec = parameters.id().name().to_string();
        // The size needs a decoder context; only worth it when there is a choice to describe.
        let size = (video.len() > 1)
            .then(|| ff::codec::Context::from_parameters(parameters).ok()?.decoder().video().ok())
            .flatten()
            .map(|d| format!(" {}x{}", d.width(), d.height()))
            .unwrap_or_default();
        format!("{codec}{size} (#0:{index})")
    };
    let streams: Vec<String> = video.iter().map(|&i| describe(i)).collect();
    let video_stream = match asked {
        Some(n) if n < video.len() => n,
        Some(n) => {
            let list: Vec<String> = streams.iter().enumerate().map(|(i, d)| format!("{i} = {d}")).collect();
            return Err(VideoError::NoSuchStream {
                path: path.to_string(),
                asked: n,
                available: format!("it has {}: {}", video.len(), list.join(", ")),
            });
        }
        None => {
            let best = input.streams().best(ff::media::Type::Video).map(|s| s.index());
            best.and_then(|b| video.iter().position(|&i| i == b)).unwrap_or(0)
        }
    };
    Ok(StreamChoice { video_stream, stream_index: video[video_stream], streams, by_user: asked.is_some() })
}

/// The stream's display rotation in ffprobe's `rotation` convention (see [`StreamMeta`]), from its
/// display matrix side data, else its `rotate` tag; `None` when there is none or it is 0.
fn display_rotation(stream: &ff::format::stream::Stream) -> Option<f64> {
    let from_matrix = stream
        .side_data()
        .find(|sd| sd.kind() == ff::codec::packet::side_data::Type::DisplayMatrix)
        .and_then(|sd| rotation_from_matrix(sd.data()));
    let from_tag = || stream.metadata().get("rotate").and_then(|v| v.trim().parse::<f64>().ok());
    let deg = from_matrix.or_else(from_tag)?;
    // Into (−180, 180], rounded to 1/100 degree as ffprobe prints it.
    let mut deg = (deg * 100.0).round() / 100.0 % 360.0;
    if deg <= -180.0 {
        deg += 360.0;
    } else if deg > 180.0 {
        deg -= 360.0;
    }
    (deg != 0.0).then_some(deg)
}

/// FFmpeg's `av_display_rotation_get` (what ffprobe prints as `rotation`) on the 3x3 16.16
/// fixed-point matrix (nine native-endian i32); `None` for a malformed or degenerate matrix.
fn rotation_from_matrix(data: &[u8]) -> Option<f64> {
    if data.len() < 36 {
        return None;
    }
    let m = |i: usize| {
        f64::from(i32::from_ne_bytes([data[4 * i], data[4 * i + 1], data[4 * i + 2], data[4 * i + 3]])) / 65536.0
    };
    let scale0 = m(0).hypot(m(3));
    let scale1 = m(1).hypot(m(4));
    if scale0 == 0.0 || scale1 == 0.0 {
        return None;
    }
    Some(-(m(1) / scale1).atan2(m(0) / scale0).to_degrees())
}

/// The field order a decoded frame's flags state (codecs that do not signal interlacing say progressive).
fn field_order(frame: &ff::frame::Video) -> FieldOrder {
    match (frame.is_interlaced(), frame.is_top_first()) {
        (false, _) => FieldOrder::Progressive,
        (true, true) => FieldOrder::Tt,
        (true, false) => FieldOrder::Bb,
    }
}

impl FrameSource for FfmpegSource {
    fn info(&self) -> &StreamInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<LumaFrame>, VideoError> {
        // One frame is held back, so that errors after the last frame land on it.
        loop {
            if self.done {
                if let Some(held) = self.held.take() {
                    return Ok(Some(held));
                }
                return self.failed.take().map_or(Ok(None), Err);
            }
            let next = match self.pending.take() {
                Some(frame) => Ok(Some(frame)),
                None => self.decode_next(),
            };
            match next {
                Ok(Some(frame)) => {
                    if let Some(held) = self.held.replace(frame) {
                        return Ok(Some(held));
                    }
                }
                Ok(None) => {
                    self.done = true;
                    if let Some(held) = &mut self.held {
                        held.decode_errors = held.decode_errors.saturating_add(std::mem::take(&mut self.errors));
                    }
                }
                Err(e) => {
                    // What came before the error is delivered first; the error ends the stream.
                    self.done = true;
                    self.failed = Some(e);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_table() {
        let l = |p| classify(p).map(|l: Layout| (l.sample, l.depth, l.chroma, l.full_range));
        let s420 = Chroma::Planar { shift_x: 1, shift_y: 1 };
        assert_eq!(l(Pixel::YUV420P), Some((Sample::U8, 8, s420, false)));
        assert_eq!(l(Pixel::YUVJ420P), Some((Sample::U8, 8, s420, true)));
        assert_eq!(l(Pixel::NV21), Some((Sample::U8, 8, Chroma::Interleaved { cr_first: true }, false)));
        assert_eq!(l(Pixel::GRAY8), Some((Sample::U8, 8, Chroma::None, false)));
        let s422 = Chroma::Planar { shift_x: 1, shift_y: 0 };
        assert_eq!(l(Pixel::YUV422P10LE), Some((Sample::U16 { shift: 2 }, 10, s422, false)));
        assert_eq!(l(Pixel::GRAY12LE), Some((Sample::U16 { shift: 4 }, 12, Chroma::None, false)));
        let nv = Chroma::Interleaved { cr_first: false };
        assert_eq!(l(Pixel::P010LE), Some((Sample::U16 { shift: 8 }, 10, nv, false)));
        assert_eq!(classify(Pixel::RGB24), None);
        assert_eq!(classify(Pixel::YUV420P10BE), None);
        assert_eq!(format_name(Pixel::YUV420P10LE), "yuv420p10le");
        assert_eq!(format_name(Pixel::GRAY8), "gray");
    }

    #[test]
    fn extracts_rows_respecting_stride() {
        // 3x2 8-bit plane with stride 5 (two padding bytes per row).
        let data = [1, 2, 3, 99, 99, 4, 5, 6, 99, 99];
        assert_eq!(extract_luma(&data, 5, 3, 2, Sample::U8), Some(vec![1, 2, 3, 4, 5, 6]));
        // The last row needs no padding.
        assert_eq!(extract_luma(&data[..8], 5, 3, 2, Sample::U8), Some(vec![1, 2, 3, 4, 5, 6]));
        assert_eq!(extract_luma(&data[..7], 5, 3, 2, Sample::U8), None);
        assert_eq!(extract_luma(&data, 2, 3, 2, Sample::U8), None);
    }

    #[test]
    fn splits_interleaved_chroma() {
        // 2x2 interleaved 8-bit (NV12 chroma of a 4x4 frame), stride 6.
        let data = [10, 20, 11, 21, 0, 0, 12, 22, 13, 23, 0, 0];
        let planes = extract_plane(&data, 6, 2, 2, Sample::U8, 2).unwrap();
        assert_eq!(planes, vec![vec![10, 11, 12, 13], vec![20, 21, 22, 23]]);
        // P010 chroma: 16-bit words, reduced by >> 8.
        let words: [u16; 2] = [512 << 6, 256 << 6];
        let data: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        let planes = extract_plane(&data, 4, 1, 1, Sample::U16 { shift: 8 }, 2).unwrap();
        assert_eq!(planes, vec![vec![128], vec![64]]);
    }

    #[test]
    fn reduces_16bit_samples() {
        // 2x1, stride 6: 10-bit LSB-aligned.
        let words: [u16; 3] = [1023, 512, 0xFFFF];
        let data: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        assert_eq!(extract_luma(&data, 6, 2, 1, Sample::U16 { shift: 2 }), Some(vec![255, 128]));
        // P010: 10 bits in the top of the word.
        let words: [u16; 2] = [1023 << 6, 300 << 6];
        let data: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        assert_eq!(extract_luma(&data, 4, 2, 1, Sample::U16 { shift: 8 }), Some(vec![255, 75]));
        // 12-bit.
        let data: Vec<u8> = [4095u16, 16].iter().flat_map(|w| w.to_le_bytes()).collect();
        assert_eq!(extract_luma(&data, 4, 2, 1, Sample::U16 { shift: 4 }), Some(vec![255, 1]));
    }
}
