//! The inputs a player opens, checked before anything is shown or recorded.

use crate::player::Reference;
use crate::video::StreamInfo;

/// Opens the inputs the way the viewer will and checks that they can be compared (same size, the
/// reference long enough to start at `--ref-start`), so a bad pair is a one-line error before any
/// window. Returns the input's stream information (size, frame count).
pub fn probe_inputs(input: &str, stream: Option<usize>, reference: Option<&Reference>) -> anyhow::Result<StreamInfo> {
    let probe = crate::video::open_with(input, crate::video::OpenOptions { stream })?;
    let info = probe.info().clone();
    drop(probe);
    if let Some(r) = reference {
        let probe = crate::video::open(&r.input)?;
        let b = probe.info().clone();
        drop(probe);
        anyhow::ensure!(
            (b.width, b.height) == (info.width, info.height),
            "--ref {}: {}x{} differs from {} ({}x{}); compared videos must have the same size",
            r.input,
            b.width,
            b.height,
            info.input,
            info.width,
            info.height
        );
        if let Some(n) = b.frame_count {
            anyhow::ensure!(
                (r.start as u64) < n,
                "--ref-start {}: {} has {n} frames (0..={})",
                r.start,
                r.input,
                n.saturating_sub(1)
            );
        }
    }
    Ok(info)
}
