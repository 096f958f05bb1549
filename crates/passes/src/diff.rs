//! diff pass: |cur − prev| luma into the "diff" plane (shaders/diff.comp); CPU reference
//! `reference::diff`.

use super::image_pass::ImagePass;
use super::pass::{DumpExport, Export, Group, PassDesc, Res};
use super::spirv;
use crate::gpu::{GpuContext, GpuError};
use crate::outputs as out;
use std::sync::Arc;

/// |cur − prev| of input 0 into "diff". (The shader computes |a − b| of any two images: the A/B and
/// residual passes use it too.)
pub const DIFF: PassDesc = PassDesc {
    name: "diff",
    group: Group::Diff,
    make: |ctx| Ok(Box::new(diff_pass(ctx)?)),
    exports: &[Export::Dump(DumpExport { kind: "diff", plane: out::DIFF, per_pair: true })],
};

pub fn diff_pass(ctx: &Arc<GpuContext>) -> Result<ImagePass, GpuError> {
    Ok(ImagePass::compute(ctx, DIFF.name, spirv!("diff"))?.read(Res::Cur(0)).read(Res::Prev(0)).write(out::DIFF))
}
