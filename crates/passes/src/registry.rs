//! The list of passes the frame pipeline knows, in their natural order, and the user-facing groups
//! they are selected by. Adding a pass: its shader, its pass file (implementing [`Pass`] and
//! declaring its [`PassDesc`]), its CPU reference and parity test, and one entry in [`PASSES`].

use super::pass::{Group, PassDesc, Registered};
use super::{AB_DIFF, AB_SIGNED, AB_STATS, DIFF, DIFF_STATS, MOTION, RESIDUAL, SSIM, STATS, SYMBOLS, WARP};
use crate::gpu::{GpuContext, GpuError};
use std::sync::Arc;

/// Every pass, in registration order (the pipeline keeps this order where dependencies allow).
pub const PASSES: [&PassDesc; 11] =
    [&DIFF, &STATS, &DIFF_STATS, &MOTION, &WARP, &RESIDUAL, &SYMBOLS, &AB_DIFF, &AB_SIGNED, &AB_STATS, &SSIM];

/// Every pass, made.
pub fn registered_passes(ctx: &Arc<GpuContext>) -> Result<Vec<Registered>, GpuError> {
    PASSES.iter().map(|desc| Registered::make(desc, ctx)).collect()
}

/// Which passes run on each frame, by the groups users name (`bench --passes`): `motion` also runs
/// warp (prediction) and the residual; `symbols` writes the symbol stream of cur − pred (pred = the
/// prediction when `motion` runs, else frame t − 1: zero motion); `compare` runs the A/B passes on
/// input 0 against input 1 (`--ref`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PassSelection {
    pub diff: bool,
    pub stats: bool,
    pub motion: bool,
    pub symbols: bool,
    pub compare: bool,
}

impl PassSelection {
    pub const ALL: Self = Self { diff: true, stats: true, motion: true, symbols: false, compare: false };
    /// Zero-motion passes only (diff and block stats).
    pub const ZERO_MOTION: Self = Self { diff: true, stats: true, motion: false, symbols: false, compare: false };
    /// Everything `analyze` exports without a reference: all passes and the symbol stream.
    pub const ANALYZE: Self = Self { diff: true, stats: true, motion: true, symbols: true, compare: false };
    pub const NONE: Self = Self { diff: false, stats: false, motion: false, symbols: false, compare: false };

    /// The registered pass names this selection runs, in registration order.
    pub fn pass_names(&self) -> Vec<&'static str> {
        PASSES.iter().filter(|desc| self.selects(desc.group)).map(|desc| desc.name).collect()
    }

    /// Whether the passes of `group` run: diff and stats together run fused, reading each frame once.
    fn selects(&self, group: Group) -> bool {
        let both = self.diff && self.stats;
        match group {
            Group::Diff => self.diff && !both,
            Group::Stats => self.stats && !both,
            Group::DiffAndStats => both,
            Group::Motion => self.motion,
            Group::Symbols => self.symbols,
            Group::Compare => self.compare,
        }
    }

    /// Parses `bench --passes`: a comma list of diff, stats, motion, symbols.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut selection = Self::NONE;
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item {
                "diff" => selection.diff = true,
                "stats" | "block_stats" => selection.stats = true,
                "motion" | "motion_search" => selection.motion = true,
                "symbols" => selection.symbols = true,
                "compare" => selection.compare = true,
                other => {
                    return Err(format!(
                        "--passes {other}: unknown pass (available: diff, stats, motion, symbols, compare)"
                    ))
                }
            }
        }
        if selection == Self::NONE {
            return Err(format!("--passes {list:?}: no pass selected"));
        }
        Ok(selection)
    }
}
