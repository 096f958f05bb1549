//! The frame progress bar of the long headless commands (`analyze`, `record`): drawn on stderr only
//! when it is a terminal, hidden otherwise.

/// A bar over `total` frames (a counter when the total is unknown); `enabled = false` hides it.
pub fn frame_progress(enabled: bool, total: Option<u64>) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    if !enabled {
        return ProgressBar::with_draw_target(total, ProgressDrawTarget::hidden());
    }
    // indicatif draws nothing when stderr is not a terminal.
    let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
    let template = if total.is_some() {
        "{spinner} {wide_bar} {pos}/{len} frames {per_sec} eta {eta}"
    } else {
        "{spinner} {pos} frames {per_sec}"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}
