//! Errors from opening and decoding video. Each message is one line naming the input and the problem.

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
}
