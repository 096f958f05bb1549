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
#[cfg(feature = "ffmpeg")]
mod mp4_writer;
mod shutdown;
mod synthetic;
mod y4m;

pub use decode_thread::DecodeThread;
pub use encode::{Container, Mp4Recorder, RecorderOptions, RecordingSummary, X264_PRESETS};
pub use error::{EncodeError, VideoError};
pub use frame::{
    reduce_plane, reduce_sample, ChromaPlanes, ColourInfo, ColourMatrix, LumaFrame, RgbaFrame, StreamInfo,
};
pub use shutdown::{Interrupted, Shutdown};
pub use synthetic::{SyntheticSource, SYNTHETIC_MOTION};
pub use vidscope_core::frame;
pub use y4m::Y4mSource;

/// A stream of decoded luma frames in decode order.
pub trait FrameSource: Send {
    fn info(&self) -> &StreamInfo;
    /// The next frame, `Ok(None)` at the end of the stream.
    fn next_frame(&mut self) -> Result<Option<LumaFrame>, VideoError>;
}

/// Opens `input`: `synthetic:WxH[@FPS]`, a `.y4m` file, or (with the `ffmpeg` feature) anything FFmpeg opens.
pub fn open(input: &str) -> Result<Box<dyn FrameSource>, VideoError> {
    if let Some(spec) = input.strip_prefix("synthetic:") {
        return Ok(Box::new(SyntheticSource::parse(spec)?));
    }
    let path = std::path::Path::new(input);
    let meta =
        std::fs::metadata(path).map_err(|e| VideoError::Open { path: input.to_string(), reason: e.to_string() })?;
    if meta.is_dir() {
        return Err(VideoError::Open { path: input.to_string(), reason: "is a directory".into() });
    }
    if meta.len() == 0 {
        return Err(VideoError::Open { path: input.to_string(), reason: "file is empty".into() });
    }
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("y4m")) {
        return Ok(Box::new(Y4mSource::open(path)?));
    }
    open_with_ffmpeg(input)
}

#[cfg(feature = "ffmpeg")]
fn open_with_ffmpeg(input: &str) -> Result<Box<dyn FrameSource>, VideoError> {
    Ok(Box::new(ffmpeg_source::FfmpegSource::open(input)?))
}

#[cfg(not(feature = "ffmpeg"))]
fn open_with_ffmpeg(input: &str) -> Result<Box<dyn FrameSource>, VideoError> {
    Err(VideoError::Open {
        path: input.to_string(),
        reason: "this build has no FFmpeg support (feature `ffmpeg`); use a .y4m file or synthetic:WxH".into(),
    })
}
