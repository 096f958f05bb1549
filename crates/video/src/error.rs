//! Errors from opening and decoding video, and from recording it. Each message is one line naming the
//! file and the problem.

#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    #[error("{path}: cannot open: {reason}")]
    Open { path: String, reason: String },
    #[error("{path}: not a video file or no video stream: {reason}")]
    NotVideo { path: String, reason: String },
    #[error("{path}: unsupported pixel format {format} (supported: yuv420p/422p/444p, nv12, gray and their 10/12-bit variants)")]
    UnsupportedPixelFormat { path: String, format: String },
    #[error("{path}: corrupt or truncated video at frame {frame}: {reason}")]
    Corrupt { path: String, frame: usize, reason: String },
    #[error("{path}: frame {frame} is {got_w}x{got_h}, but the stream started at {want_w}x{want_h} (size changes are not supported)")]
    SizeChanged { path: String, frame: usize, got_w: u32, got_h: u32, want_w: u32, want_h: u32 },
    #[error("{spec}: bad synthetic source: {reason} (expected synthetic:WxH[@FPS], e.g. synthetic:640x360@30)")]
    BadSynthetic { spec: String, reason: String },
    #[error("{path}: decode thread stopped unexpectedly")]
    ThreadDied { path: String },
    #[error("{path}: --stream {asked}: no such video stream; {available}")]
    NoSuchStream { path: String, asked: usize, available: String },
    #[error("{path}: cannot read from a pipe (vidscope needs a seekable file); save it to a file first")]
    Pipe { path: String },
    #[error("{path}: no image file matches this sequence pattern (looked for {looked})")]
    NoImages { path: String, looked: String },
    #[error(
        "{path}: --codec-mvs needs a video that FFmpeg decodes, and this is {kind}, which has no codec motion vectors"
    )]
    NoCodecVectors { path: String, kind: &'static str },
}

/// Errors from recording an MP4 ([`super::Mp4Recorder`]). Each message is one line naming the output
/// file and the problem. `Clone` because a failure of the encoder thread is reported again by every
/// later `push` and by `finish`.
#[derive(Clone, Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("{path}: recording needs the ffmpeg feature (this build has no FFmpeg support)")]
    NoFfmpeg { path: String },
    #[error("{path}: bad recording settings: {reason}")]
    BadSettings { path: String, reason: String },
    #[error("{path}: cannot create the recording: {reason}")]
    Create { path: String, reason: String },
    #[error("{path}: cannot set up the H.264 encoder (libx264): {reason}")]
    Encoder { path: String, reason: String },
    #[error("{path}: frame {frame} rejected: {reason}")]
    BadFrame { path: String, frame: u64, reason: String },
    #[error("{path}: encoding or writing frame {frame} failed: {reason}")]
    Write { path: String, frame: u64, reason: String },
    #[error("{path}: finishing the recording failed: {reason}")]
    Finish { path: String, reason: String },
    #[error("{path}: encoder thread stopped unexpectedly")]
    ThreadDied { path: String },
}
