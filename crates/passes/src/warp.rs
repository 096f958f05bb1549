//! warp pass: the predicted frame from per-block motion vectors (exact), per-block similarity
//! parameters (bilinear) or a dense flow per pixel (integer bilinear, exact) read from SSBOs
//! (shaders/warp.comp).

pub use super::pass::WarpSource;
use super::pass::{DumpExport, Export, FrameSettings, Group, Output, Pass, PassDesc, PassIo, Res};
use super::spirv;
use crate::gpu::{vk, Binding, ComputePipeline, GpuBuffer, GpuContext, GpuError, LumaImage, Recorder};
use crate::outputs as out;
use crate::reference::{BlockGrid, WarpParams};
use std::sync::Arc;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct WarpPush {
    pub width: u32,
    pub height: u32,
    pub block: u32,
    pub blocks_x: u32,
    pub mode: u32,
}

/// Bytes per block of the parameter SSBO (vec4).
pub const PARAM_BYTES: u64 = 16;

pub struct WarpPass {
    pipeline: ComputePipeline,
}

impl WarpPass {
    pub fn new(ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        let (image, buffer) = (vk::DescriptorType::STORAGE_IMAGE, vk::DescriptorType::STORAGE_BUFFER);
        let pipeline = ComputePipeline::new(
            ctx,
            "warp",
            spirv!("warp"),
            &[image, image, buffer, buffer, buffer],
            std::mem::size_of::<WarpPush>() as u32,
        )?;
        Ok(Self { pipeline })
    }

    pub fn params_buffer_size(grid: &BlockGrid) -> u64 {
        grid.len() as u64 * PARAM_BYTES
    }

    /// Writes per-block parameters into a host-visible SSBO for `record` with `WarpSource::Params`.
    pub fn write_params(buffer: &mut GpuBuffer, params: &[WarpParams]) -> Result<(), GpuError> {
        let flat: Vec<[f32; 4]> = params.iter().map(|p| [p.a, p.b, p.tx, p.ty]).collect();
        let bytes: &[u8] = bytemuck::cast_slice(&flat);
        let target = buffer.bytes_mut();
        if target.len() < bytes.len() {
            return Err(GpuError::Other("warp params buffer too small for the grid".into()));
        }
        target[..bytes.len()].copy_from_slice(bytes);
        Ok(())
    }

    pub fn record(
        &self,
        rec: &mut Recorder,
        b: &WarpBindings,
        grid: &BlockGrid,
        source: WarpSource,
    ) -> Result<(), GpuError> {
        let push = WarpPush {
            width: grid.width,
            height: grid.height,
            block: grid.block,
            blocks_x: grid.blocks_x(),
            mode: match source {
                WarpSource::MotionVectors => 0,
                WarpSource::Params | WarpSource::Subpel => 1,
                WarpSource::Flow => 2,
            },
        };
        rec.dispatch(
            &self.pipeline,
            &[
                Binding::Image(b.reference),
                Binding::Image(b.pred),
                Binding::Buffer(b.vectors),
                Binding::Buffer(b.params),
                Binding::Buffer(b.flow),
            ],
            bytemuck::bytes_of(&push),
            [grid.width.div_ceil(16), grid.height.div_ceil(16), 1],
        )
    }
}

/// What the warp reads and writes: the reference frame, the prediction it writes, and the vector,
/// parameter and flow SSBOs (all bound; the source says which is read).
pub struct WarpBindings<'a> {
    pub reference: &'a LumaImage,
    pub pred: &'a LumaImage,
    pub vectors: &'a GpuBuffer,
    pub params: &'a GpuBuffer,
    pub flow: &'a GpuBuffer,
}

/// The predicted frame: frame t − 1 warped per block by the motion vectors or the learner's params.
/// The warp pass's identity (see `PassDesc`).
pub const WARP: PassDesc = PassDesc {
    name: "warp",
    group: Group::Motion,
    make: |ctx| Ok(Box::new(WarpPass::new(ctx)?)),
    exports: &[Export::Dump(DumpExport { kind: "predicted", plane: out::PREDICTED, per_pair: true })],
};

impl Pass for WarpPass {
    fn reads(&self, s: &FrameSettings) -> Vec<Res> {
        match s.warp {
            WarpSource::MotionVectors => vec![Res::Prev(0), Res::Buffer(out::VECTORS)],
            WarpSource::Params | WarpSource::Subpel => vec![Res::Prev(0), s.params_res()],
            WarpSource::Flow => vec![Res::Prev(0), Res::Flow],
        }
    }

    fn outputs(&self) -> Vec<Output> {
        vec![Output::image(out::PREDICTED)]
    }

    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, s: &FrameSettings) -> Result<(), GpuError> {
        // The shader binds all three; those the source does not use are only bound.
        let params = io.buffer(s.params_res())?;
        let vectors = match s.runs("motion") {
            true => io.buffer(Res::Buffer(out::VECTORS))?,
            false => params,
        };
        let flow = if s.warp == WarpSource::Flow { io.buffer(Res::Flow)? } else { params };
        let (reference, pred) = (io.image(Res::Prev(0))?, io.image(Res::Image(out::PREDICTED))?);
        WarpPass::record(self, rec, &WarpBindings { reference, pred, vectors, params, flow }, &s.grid, s.warp)
    }
}
