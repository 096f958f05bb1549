//! The list of passes the frame pipeline knows, in their natural order, and the user-facing groups
//! they are selected by. Adding a pass: its shader, its pass file implementing [`Pass`], its CPU
//! reference and parity test, and one line in [`registered_passes`].

use super::pass::Pass;
use super::{
    AbDiffPass, AbStatsPass, BlockStatsPass, DiffPass, DiffStatsPass, MotionSearchPass, ResidualPass, SignedDiffPass,
    SsimPass, SymbolsPass, WarpPass,
};
use crate::gpu::{GpuContext, GpuError};
use std::sync::Arc;

/// Every pass, in registration order (the pipeline keeps this order where dependencies allow).
pub fn registered_passes(ctx: &Arc<GpuContext>) -> Result<Vec<Box<dyn Pass>>, GpuError> {
    Ok(vec![
        Box::new(DiffPass::new(ctx)?),
        Box::new(BlockStatsPass::new(ctx)?),
        Box::new(DiffStatsPass::new(ctx)?),
        Box::new(MotionSearchPass::new(ctx)?),
        Box::new(WarpPass::new(ctx)?),
        Box::new(ResidualPass::new(ctx)?),
        Box::new(SymbolsPass::new(ctx)?),
        Box::new(AbDiffPass::new(ctx)?),
        Box::new(SignedDiffPass::new(ctx)?),
        Box::new(AbStatsPass::new(ctx)?),
        Box::new(SsimPass::new(ctx)?),
    ])
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

    /// The registered pass names this selection runs.
    pub fn pass_names(&self) -> Vec<&'static str> {
        // diff and stats together run fused, reading each frame once.
        let both = self.diff && self.stats;
        let groups: [(bool, &[&'static str]); 6] = [
            (both, &["diff_stats"]),
            (self.diff && !both, &["diff"]),
            (self.stats && !both, &["stats"]),
            (self.motion, &["motion", "warp", "residual"]),
            (self.symbols, &["symbols"]),
            (self.compare, &["ab_diff", "ab_signed", "ab_stats", "ssim"]),
        ];
        groups.iter().filter(|(on, _)| *on).flat_map(|(_, names)| names.iter().copied()).collect()
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
