//! What the registered passes ([`PASSES`], lib.rs) offer users: the groups they are selected by, and
//! their exports (arrays, metrics, dump kinds) looked up from their descriptors.

use super::pass::{ArrayExport, DumpExport, Export, Group, MetricExport, PassDesc, Registered};
use super::PASSES;
use crate::gpu::{GpuContext, GpuError};
use std::sync::Arc;

/// Every heatmap metric the passes declare, in registration order.
pub fn metric_exports() -> impl Iterator<Item = &'static MetricExport> {
    PASSES.iter().flat_map(|desc| desc.exports).filter_map(|e| match e {
        Export::Metric(m) => Some(m),
        _ => None,
    })
}

/// Every `--dump` kind the passes declare, with the pass that writes its plane.
pub fn dump_exports() -> impl Iterator<Item = (&'static PassDesc, &'static DumpExport)> {
    PASSES.iter().copied().flat_map(|desc| desc.exports.iter().map(move |e| (desc, e))).filter_map(
        |(desc, e)| match e {
            Export::Dump(d) => Some((desc, d)),
            _ => None,
        },
    )
}

/// Every pass, made.
pub fn registered_passes(ctx: &Arc<GpuContext>) -> Result<Vec<Registered>, GpuError> {
    PASSES.iter().map(|desc| Registered::make(desc, ctx)).collect()
}

/// Which passes run on each frame, by the groups users name (`bench --passes`): `motion` also runs
/// warp (prediction) and the residual; `symbols` writes the symbol stream of cur − pred (pred = the
/// prediction when `motion` runs, else frame t − 1: zero motion); `compare` runs the A/B passes on
/// input 0 against input 1 (`--ref`); `backward` the backward search and forward–backward check (`--fb`,
/// with `motion`); `surface` the cost surface of the chosen block (`FramePipeline::set_surface_block`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PassSelection {
    pub diff: bool,
    pub stats: bool,
    pub motion: bool,
    pub symbols: bool,
    pub compare: bool,
    pub backward: bool,
    pub surface: bool,
    pub subpel: bool,
    /// A learner's dense flow is compared with the search (`--flow`).
    pub flow: bool,
}

impl PassSelection {
    pub const ALL: Self = Self { symbols: false, ..Self::ANALYZE };
    /// Zero-motion passes only (diff and block stats).
    pub const ZERO_MOTION: Self = Self { motion: false, ..Self::ALL };
    /// Everything `analyze` exports without a reference or `--fb`: all passes and the symbol stream.
    pub const ANALYZE: Self = Self { diff: true, stats: true, motion: true, symbols: true, ..Self::NONE };
    pub const NONE: Self = Self {
        diff: false,
        stats: false,
        motion: false,
        symbols: false,
        compare: false,
        backward: false,
        surface: false,
        subpel: false,
        flow: false,
    };

    /// The registered pass names this selection runs, in registration order.
    pub fn pass_names(&self) -> Vec<&'static str> {
        PASSES.iter().filter(|desc| self.selects(desc.group)).map(|desc| desc.name).collect()
    }

    /// The arrays that `analyze` writes for this selection: those of every pass it runs.
    pub fn array_exports(&self) -> Vec<&'static ArrayExport> {
        PASSES
            .iter()
            .filter(|desc| self.selects(desc.group))
            .flat_map(|desc| desc.exports)
            .filter_map(|e| match e {
                Export::Array(a) => Some(a),
                _ => None,
            })
            .collect()
    }

    /// Whether the passes of `group` run: diff and stats together run fused, reading each frame once.
    fn selects(&self, group: Group) -> bool {
        let both = self.diff && self.stats;
        match group {
            Group::Diff => self.diff && !both,
            Group::Stats => self.stats && !both,
            Group::DiffAndStats => both,
            Group::Motion => self.motion,
            Group::Backward => self.backward && self.motion,
            Group::Surface => self.surface,
            Group::Subpel => self.subpel && self.motion,
            Group::Symbols => self.symbols,
            Group::Compare => self.compare,
            Group::Flow => self.flow && self.motion,
        }
    }

    /// Selects the passes of `group`.
    fn select(&mut self, group: Group) {
        match group {
            Group::Diff => self.diff = true,
            Group::Stats => self.stats = true,
            Group::DiffAndStats => (self.diff, self.stats) = (true, true),
            Group::Motion => self.motion = true,
            Group::Backward => (self.motion, self.backward) = (true, true),
            Group::Surface => self.surface = true,
            Group::Subpel => (self.motion, self.subpel) = (true, true),
            Group::Symbols => self.symbols = true,
            Group::Compare => self.compare = true,
            Group::Flow => (self.motion, self.flow) = (true, true),
        }
    }

    /// Parses `bench --passes`: a comma list of groups (diff, stats, motion, symbols, compare) or of
    /// registered pass names, each of which selects its group.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut selection = Self::NONE;
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let group = match item {
                "diff" => Group::Diff,
                "stats" | "block_stats" => Group::Stats,
                "motion" | "motion_search" => Group::Motion,
                "fb" => Group::Backward,
                "subpel" => Group::Subpel,
                "symbols" => Group::Symbols,
                "compare" => Group::Compare,
                "flow" => Group::Flow,
                other => match PASSES.iter().find(|desc| desc.name == other) {
                    Some(desc) => desc.group,
                    None => {
                        let names: Vec<_> = PASSES.iter().map(|desc| desc.name).collect();
                        return Err(format!(
                            "--passes {other}: unknown pass (groups: diff, stats, motion, fb, subpel, symbols, compare; passes: {})",
                            names.join(", ")
                        ));
                    }
                },
            };
            selection.select(group);
        }
        if selection == Self::NONE {
            return Err(format!("--passes {list:?}: no pass selected"));
        }
        Ok(selection)
    }
}
