//! signed_diff pass: clamp(A − B + 128, 0, 255) luma into a storage image (shaders/signed_diff.comp),
//! FFmpeg's `blend=all_mode=grainextract`; CPU reference `reference::signed_diff`.

use super::spirv;
use crate::gpu::{vk, Binding, ComputePipeline, GpuContext, GpuError, LumaImage, Recorder};
use std::sync::Arc;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct SignedDiffPush {
    pub width: u32,
    pub height: u32,
}

pub struct SignedDiffPass {
    pipeline: ComputePipeline,
}

impl SignedDiffPass {
    pub fn new(ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        let image = vk::DescriptorType::STORAGE_IMAGE;
        let pipeline = ComputePipeline::new(
            ctx,
            "signed_diff",
            spirv!("signed_diff"),
            &[image, image, image],
            std::mem::size_of::<SignedDiffPush>() as u32,
        )?;
        Ok(Self { pipeline })
    }

    /// Records `out = clamp(a − b + 128, 0, 255)`; the three images must have the same size.
    pub fn record(&self, rec: &mut Recorder, a: &LumaImage, b: &LumaImage, out: &LumaImage) -> Result<(), GpuError> {
        if (a.width, a.height) != (b.width, b.height) || (a.width, a.height) != (out.width, out.height) {
            return Err(GpuError::Other("signed_diff: the A, B and output images differ in size".into()));
        }
        let push = SignedDiffPush { width: a.width, height: a.height };
        rec.dispatch(
            &self.pipeline,
            &[Binding::Image(a), Binding::Image(b), Binding::Image(out)],
            bytemuck::bytes_of(&push),
            [a.width.div_ceil(16), a.height.div_ceil(16), 1],
        )
    }
}
