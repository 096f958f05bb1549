//! diff pass: |cur - ref| luma into a storage image (shaders/diff.comp).

use super::pass::{FrameSettings, Output, Pass, PassIo, Res};
use super::spirv;
use crate::gpu::{vk, Binding, ComputePipeline, GpuContext, GpuError, LumaImage, Recorder};
use std::sync::Arc;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct DiffPush {
    pub width: u32,
    pub height: u32,
}

pub struct DiffPass {
    pipeline: ComputePipeline,
}

impl DiffPass {
    pub fn new(ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        let image = vk::DescriptorType::STORAGE_IMAGE;
        let pipeline = ComputePipeline::new(
            ctx,
            "diff",
            spirv!("diff"),
            &[image, image, image],
            std::mem::size_of::<DiffPush>() as u32,
        )?;
        Ok(Self { pipeline })
    }

    pub fn record(
        &self,
        rec: &mut Recorder,
        cur: &LumaImage,
        reference: &LumaImage,
        out: &LumaImage,
    ) -> Result<(), GpuError> {
        let push = DiffPush { width: cur.width, height: cur.height };
        rec.dispatch(
            &self.pipeline,
            &[Binding::Image(cur), Binding::Image(reference), Binding::Image(out)],
            bytemuck::bytes_of(&push),
            [cur.width.div_ceil(16), cur.height.div_ceil(16), 1],
        )
    }
}

impl Pass for DiffPass {
    fn name(&self) -> &'static str {
        "diff"
    }

    fn reads(&self, _: &FrameSettings) -> Vec<Res> {
        vec![Res::Cur(0), Res::Prev(0)]
    }

    fn outputs(&self) -> Vec<Output> {
        vec![Output::image("diff")]
    }

    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, _: &FrameSettings) -> Result<(), GpuError> {
        DiffPass::record(self, rec, io.image(Res::Cur(0))?, io.image(Res::Prev(0))?, io.image(Res::Image("diff"))?)
    }
}
