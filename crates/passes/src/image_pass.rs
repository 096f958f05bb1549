//! Image-to-image passes, declared rather than written (in the style of kajiya's
//! `SimpleRenderPass::new_compute(..).read(..).write(..)`): two frame-sized 8-bit images in, one out,
//! push constants (width, height), one 16×16 workgroup per tile. diff, ab_diff and ab_signed are such
//! passes; a new one is a shader and a declaration:
//!
//! ```ignore
//! ImagePass::compute(ctx, "ab_signed", spirv!("signed_diff"))?.read(Res::Cur(0)).read(Res::Cur(1)).write(out::AB_SIGNED)
//! ```

use super::pass::{FrameSettings, Output, Pass, PassIo, Res};
use crate::gpu::{vk, Binding, ComputePipeline, GpuContext, GpuError, LumaImage, Recorder};
use std::sync::Arc;

/// The push constants every image-to-image shader takes.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct ImagePush {
    pub width: u32,
    pub height: u32,
}

pub struct ImagePass {
    name: &'static str,
    reads: Vec<Res>,
    output: &'static str,
    pipeline: ComputePipeline,
}

impl ImagePass {
    /// The pass `name` running `spirv` (bindings: image a, image b, output image); add its two
    /// inputs with [`read`](Self::read) and its output plane with [`write`](Self::write).
    pub fn compute(ctx: &Arc<GpuContext>, name: &'static str, spirv: &[u8]) -> Result<Self, GpuError> {
        let image = vk::DescriptorType::STORAGE_IMAGE;
        let push = std::mem::size_of::<ImagePush>() as u32;
        let pipeline = ComputePipeline::new(ctx, name, spirv, &[image, image, image], push)?;
        Ok(Self { name, reads: Vec::new(), output: name, pipeline })
    }

    /// The next input image (a first, then b).
    pub fn read(mut self, res: Res) -> Self {
        self.reads.push(res);
        self
    }

    /// The plane it writes.
    pub fn write(mut self, plane: &'static str) -> Self {
        self.output = plane;
        self
    }

    /// Records `out = f(a, b)`; the three images must have the same size.
    pub fn record_images(
        &self,
        rec: &mut Recorder,
        a: &LumaImage,
        b: &LumaImage,
        out: &LumaImage,
    ) -> Result<(), GpuError> {
        if (a.width, a.height) != (b.width, b.height) || (a.width, a.height) != (out.width, out.height) {
            return Err(GpuError::Other(format!("{}: the input and output images differ in size", self.name)));
        }
        let push = ImagePush { width: a.width, height: a.height };
        rec.dispatch(
            &self.pipeline,
            &[Binding::Image(a), Binding::Image(b), Binding::Image(out)],
            bytemuck::bytes_of(&push),
            [a.width.div_ceil(16), a.height.div_ceil(16), 1],
        )
    }
}

impl Pass for ImagePass {
    fn reads(&self, _: &FrameSettings) -> Vec<Res> {
        self.reads.clone()
    }

    fn outputs(&self) -> Vec<Output> {
        vec![Output::image(self.output)]
    }

    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, _: &FrameSettings) -> Result<(), GpuError> {
        let [a, b] = self.reads[..] else {
            return Err(GpuError::Other(format!("{}: declared with {} inputs, not 2", self.name, self.reads.len())));
        };
        self.record_images(rec, io.image(a)?, io.image(b)?, io.image(Res::Image(self.output))?)
    }
}
