//! The reference video (B) an input is compared with (`--ref`, `--ref-start`), and how its stream
//! differs from the input's beyond the pixels: one type and one report for every command.

use crate::StreamInfo;

/// The reference video (B): frame t of the input (A) is compared with frame t + `start` of B.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    pub input: String,
    /// `--ref-start`.
    pub start: usize,
}

/// Whether B can be compared with A from B's frame `start`: the same size, and a frame at `start`
/// when B's frame count is known. The one check every command makes (the driver when it opens the
/// pair, the viewer and `record` before anything opens); the message names B.
pub fn check_comparable(a: &StreamInfo, b: &StreamInfo, start: usize) -> Result<(), String> {
    if (b.width, b.height) != (a.width, a.height) {
        return Err(format!(
            "--ref {}: {}x{} differs from {} ({}x{}); compared videos must have the same size",
            b.input, b.width, b.height, a.input, a.width, a.height
        ));
    }
    match b.frame_count {
        Some(n) if start as u64 >= n => {
            Err(format!("--ref-start {start}: {} has {n} frames (0..={})", b.input, n.saturating_sub(1)))
        }
        _ => Ok(()),
    }
}

/// How B's stream differs from A's beyond its pixels (frame rate, pixel format): one line each,
/// empty when it does not. (Their sizes must match; the driver refuses them otherwise.)
pub fn reference_differences(a: &StreamInfo, b: &StreamInfo) -> Vec<String> {
    let mut lines = Vec::new();
    if (a.fps - b.fps).abs() > 1e-3 {
        lines.push(format!(
            "{} runs at {:.3} fps, {} at {:.3} fps; frames are compared by index",
            b.input, b.fps, a.input, a.fps
        ));
    }
    if a.pixel_format != b.pixel_format {
        lines.push(format!(
            "{} is {}, {} is {}; both are compared as 8-bit luma",
            b.input, b.pixel_format, a.input, a.pixel_format
        ));
    }
    lines
}
