//! The inputs a player opens, checked before anything is shown or recorded.

use crate::player::Reference;
use crate::video::StreamInfo;

/// Opens the inputs the way the viewer will and checks that they can be compared (same size, the
/// reference long enough to start at `--ref-start`), so a bad pair is a one-line error before any
/// window (`open`: the input's stream, and `--codec-mvs`, which only a video FFmpeg decodes takes).
/// Returns the input's stream information (size, frame count).
pub fn probe_inputs(
    input: &str,
    open: crate::video::OpenOptions,
    reference: Option<&Reference>,
) -> anyhow::Result<StreamInfo> {
    let probe = crate::video::open_with(input, open)?;
    let info = probe.info().clone();
    drop(probe);
    if let Some(r) = reference {
        let probe = crate::video::open(&r.input)?;
        let b = probe.info().clone();
        drop(probe);
        crate::video::check_comparable(&info, &b, r.start).map_err(anyhow::Error::msg)?;
    }
    Ok(info)
}
