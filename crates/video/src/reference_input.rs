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
