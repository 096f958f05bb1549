//! vidscope: GPU video diagnostics (diff, block stats, motion search, residuals, A/B comparison) with an
//! exact CPU reference. The library of the `vidscope` binary: the headless drivers (`analysis`) and,
//! re-exported, the workspace's crates — `reference`/`safe_fs` (vidscope-core), `gpu`, `passes`,
//! `video`, and the viewer's `ui`/`viewer` (vidscope-view). docs/ARCHITECTURE.md has the layers.
#![forbid(unsafe_code)]

pub mod analysis;

pub use vidscope_core::{codec_mv, formats, frame, reference, safe_fs};
pub use vidscope_gpu as gpu;
pub use vidscope_passes as passes;
pub use vidscope_video as video;
pub use vidscope_view::{ui, viewer};

#[cfg(test)]
mod layer_rules;
