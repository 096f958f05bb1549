//! Video input: frame sources (FFmpeg, .y4m, synthetic), 8-bit luma frames, and the decode thread;
//! video output: the MP4 recorder (`encode.rs`) and the SIGINT/SIGTERM stop flag its callers poll.
//!
//! Every source yields [`LumaFrame`]s: the 8-bit luma plane, tightly packed (stride = width),
//! reduced from higher bit depths by `>> (depth - 8)` as docs/ARCHITECTURE.md promises.
#![forbid(unsafe_code)]

mod decode_thread;
mod encode;
mod error;
#[cfg(feature = "ffmpeg")]
mod ffmpeg_source;
mod flow_reader;
mod frame_rate;
mod image_sequence;
mod input_alias;
mod input_kind;
#[cfg(feature = "ffmpeg")]
mod mp4_writer;
mod npy_source;
mod reference_input;
mod shutdown;
mod staged_decode;
mod synthetic;
mod y4m;

pub use decode_thread::DecodeThread;
pub use encode::{Container, Mp4Recorder, RecorderOptions, RecordingSummary, X264_PRESETS};
pub use error::{EncodeError, VideoError};
#[cfg(feature = "ffmpeg")]
pub use ffmpeg_source::MAX_FRAMES_OF_ANOTHER_SIZE;
pub use flow_reader::{FlowPair, FlowReader};
pub use frame::{
    reduce_plane, reduce_sample, ChromaPlanes, ColourInfo, ColourMatrix, LumaFrame, RgbaFrame, StreamInfo,
};
pub use frame_rate::fps_fraction;
pub use input_alias::{input_string, remove_aliases};
pub use input_kind::{input_files, read_paths};
pub use npy_source::{set_npy_scale, NpySource, NPY_FPS};
pub use reference_input::{check_comparable, find_offset, reference_differences, OffsetSearch, RefStart, Reference};
pub use shutdown::{Interrupted, Shutdown};
pub use staged_decode::StagedDecodeThread;
pub use synthetic::{SyntheticSource, SYNTHETIC_MOTION};
pub use vidscope_core::frame;
pub use vidscope_core::stream_meta::{self, FieldOrder, FormatChange, StreamChoice, StreamMeta};
pub use y4m::Y4mSource;

/// A stream of decoded luma frames in decode order.
pub trait FrameSource: Send {
    fn info(&self) -> &StreamInfo;
    /// The next frame, `Ok(None)` at the end of the stream.
    fn next_frame(&mut self) -> Result<Option<LumaFrame>, VideoError>;

    /// The next frame with its 8-bit luma plane written into `luma` (`width * height` bytes, e.g. the
    /// mapped staging memory a GPU upload reads) instead of a new buffer. The frame returned carries
    /// everything else (index, size, decoder errors, format change) but no pixels: its `data` is
    /// empty and its `chroma` `None`. The values written are exactly `next_frame`'s luma.
    ///
    /// The default decodes with `next_frame` and copies the plane; a source that can write straight
    /// into `luma` (the `.y4m` reader reads the file into it and skips the chroma) overrides it.
    fn next_frame_into(&mut self, luma: &mut [u8]) -> Result<Option<LumaFrame>, VideoError> {
        let Some(mut frame) = self.next_frame()? else {
            return Ok(None);
        };
        copy_luma(&self.info().input, &frame, luma)?;
        frame.data = Vec::new();
        frame.chroma = None;
        Ok(Some(frame))
    }
}

/// Copies `frame`'s luma plane into `luma`, which must be exactly its size.
fn copy_luma(input: &str, frame: &LumaFrame, luma: &mut [u8]) -> Result<(), VideoError> {
    if luma.len() != frame.data.len() {
        return Err(VideoError::Corrupt {
            path: input.to_string(),
            frame: frame.index,
            reason: format!("a {}-byte luma plane for a {}-byte frame buffer", frame.data.len(), luma.len()),
        });
    }
    luma.copy_from_slice(&frame.data);
    Ok(())
}

/// How to open an input beyond its name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// `--stream N`: the N-th video stream of the file (0-based, ffmpeg's `-map 0:v:N`); `None` =
    /// FFmpeg's best video stream.
    pub stream: Option<usize>,
    /// `--codec-mvs`: export the codec's motion vectors onto each frame ([`LumaFrame::codec_mvs`]);
    /// FFmpeg inputs only (it costs decode time, so only when asked).
    pub codec_mvs: bool,
}

/// Opens `input` with default options (see [`open_with`]).
pub fn open(input: &str) -> Result<Box<dyn FrameSource>, VideoError> {
    open_with(input, OpenOptions::default())
}

/// Opens `input`: `synthetic:WxH[@FPS]`, a `.y4m` file, an image sequence pattern such as
/// `f%03d.png`, or (with the `ffmpeg` feature) anything FFmpeg opens. Pipes are refused (see
/// [`input_kind`]).
pub fn open_with(input: &str, opts: OpenOptions) -> Result<Box<dyn FrameSource>, VideoError> {
    if let (true, Some(kind)) = (opts.codec_mvs, without_codec_vectors(input)) {
        return Err(VideoError::NoCodecVectors { path: input.to_string(), kind });
    }
    if let Some(spec) = input.strip_prefix("synthetic:") {
        let source = SyntheticSource::parse(spec)?;
        check_single_stream(input, opts)?;
        return Ok(Box::new(source));
    }
    let path = std::path::Path::new(input);
    let image_frames = match input_kind::classify(input)? {
        input_kind::InputKind::File => None,
        input_kind::InputKind::ImageSequence => Some(image_sequence::count_frames(input)?),
    };
    let extension = |ext: &str| path.extension().is_some_and(|e| e.eq_ignore_ascii_case(ext));
    if image_frames.is_none() && (extension("npy") || extension("npz")) {
        let source = NpySource::open(path)?;
        check_single_stream(input, opts)?;
        return Ok(Box::new(source));
    }
    if image_frames.is_none() && path.extension().is_some_and(|e| e.eq_ignore_ascii_case("y4m")) {
        let source = Y4mSource::open(path)?;
        check_single_stream(input, opts)?;
        return Ok(Box::new(source));
    }
    open_with_ffmpeg(input, opts, image_frames)
}

/// Sources with one video stream accept `--stream 0` only.
fn check_single_stream(input: &str, opts: OpenOptions) -> Result<(), VideoError> {
    match opts.stream {
        Some(n) if n > 0 => Err(VideoError::NoSuchStream {
            path: input.to_string(),
            asked: n,
            available: "it has 1: 0 = the only video stream".into(),
        }),
        _ => Ok(()),
    }
}

/// What `input` is when it is a source FFmpeg does not decode, which has no codec motion vectors
/// (`--codec-mvs` is refused for it); `None` for anything FFmpeg decodes.
pub fn without_codec_vectors(input: &str) -> Option<&'static str> {
    if input.starts_with("synthetic:") {
        return Some("a synthetic source");
    }
    let extension = std::path::Path::new(input).extension()?.to_ascii_lowercase();
    match extension.to_str()? {
        "npy" | "npz" => Some("a NumPy frame stack"),
        "y4m" => Some("a .y4m file (raw frames)"),
        _ => None,
    }
}

#[cfg(feature = "ffmpeg")]
fn open_with_ffmpeg(
    input: &str,
    opts: OpenOptions,
    image_frames: Option<u64>,
) -> Result<Box<dyn FrameSource>, VideoError> {
    use ffmpeg_source::InputName;
    let name = match image_frames {
        Some(frames) => InputName::ImageSequence { frames },
        None => InputName::File,
    };
    Ok(Box::new(ffmpeg_source::FfmpegSource::open(input, opts.stream, name, opts.codec_mvs)?))
}

#[cfg(not(feature = "ffmpeg"))]
fn open_with_ffmpeg(
    input: &str,
    _opts: OpenOptions,
    _image_frames: Option<u64>,
) -> Result<Box<dyn FrameSource>, VideoError> {
    Err(VideoError::Open {
        path: input.to_string(),
        reason: "this build has no FFmpeg support (feature `ffmpeg`); use a .y4m file or synthetic:WxH".into(),
    })
}
