//! subpel pass (`--subpel 2|4`): refines the motion search's vectors to half or quarter pixels
//! (shaders/subpel.comp; CPU reference `reference::subpel::subpel_refine`) into "motion_qpel"
//! ((qx, qy, sad, 0) per block) and "motion_qpel_params" (the translation warp (1, 0, qx/4, qy/4),
//! which the warp and symbols passes then read instead of the integer vectors: the prediction,
//! residual, MC metrics and symbols use the refined vectors). Exports `motion_qpel.npy`.

use super::motion_search::MotionSearchPass;
use super::pass::{ArrayExport, Dtype, Export, FrameSettings, Group, Output, Pass, PassDesc, PassIo, Res};
use super::spirv;
use super::warp::WarpPass;
use crate::gpu::{vk, Binding, ComputePipeline, GpuContext, GpuError, Recorder};
use crate::outputs as out;
use crate::reference::subpel::QpelVector;
use crate::reference::BlockGrid;
use std::sync::Arc;

/// (qx, qy, sad, 0) per block, quarter pixels.
pub const QPEL: &str = "motion_qpel";
/// (1, 0, qx / 4, qy / 4) per block, as f32: the warp pass's parameter layout.
pub const QPEL_PARAMS: &str = "motion_qpel_params";

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct SubpelPush {
    pub width: u32,
    pub height: u32,
    pub block: u32,
    pub blocks_x: u32,
    pub steps: u32,
}

pub struct SubpelPass {
    pipeline: ComputePipeline,
}

impl SubpelPass {
    pub fn new(ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        let (image, buffer) = (vk::DescriptorType::STORAGE_IMAGE, vk::DescriptorType::STORAGE_BUFFER);
        let push = std::mem::size_of::<SubpelPush>() as u32;
        let pipeline =
            ComputePipeline::new(ctx, "subpel", spirv!("subpel"), &[image, image, buffer, buffer, buffer], push)?;
        Ok(Self { pipeline })
    }

    /// Decodes the read-back refined vectors.
    pub fn decode(bytes: &[u8], grid: &BlockGrid) -> Vec<QpelVector> {
        bytes[..MotionSearchPass::buffer_size(grid) as usize]
            .chunks_exact(16)
            .map(|c| {
                let w: [i32; 4] = bytemuck::pod_read_unaligned(c);
                QpelVector { qx: w[0], qy: w[1], sad: w[2] as u32 }
            })
            .collect()
    }
}

/// The subpel pass's identity and exports (see `PassDesc`).
pub const SUBPEL: PassDesc = PassDesc {
    name: "subpel",
    group: Group::Subpel,
    make: |ctx| Ok(Box::new(SubpelPass::new(ctx)?)),
    exports: &[Export::Array(ArrayExport {
        file: "motion_qpel.npy",
        buffer: QPEL,
        record_words: 4,
        fields: 2,
        dtype: Dtype::I16,
        about:
            "per block the refined vector (qx, qy) in quarter pixels (--subpel); pred(x) = ref(x + q / 4) interpolated",
        on_request: None,
    })],
};

impl Pass for SubpelPass {
    fn reads(&self, _: &FrameSettings) -> Vec<Res> {
        vec![Res::Cur(0), Res::Prev(0), Res::Buffer(out::VECTORS)]
    }

    fn outputs(&self) -> Vec<Output> {
        // The vectors' record layout (ivec4), and the warp parameters' (vec4).
        vec![
            Output::buffer(QPEL, MotionSearchPass::buffer_size),
            Output::buffer(QPEL_PARAMS, WarpPass::params_buffer_size),
        ]
    }

    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, s: &FrameSettings) -> Result<(), GpuError> {
        let grid = &s.grid;
        let push = SubpelPush {
            width: grid.width,
            height: grid.height,
            block: grid.block,
            blocks_x: grid.blocks_x(),
            steps: s.subpel,
        };
        let (cur, prev) = (io.image(Res::Cur(0))?, io.image(Res::Prev(0))?);
        let vectors = io.buffer(Res::Buffer(out::VECTORS))?;
        let (qpel, params) = (io.buffer(Res::Buffer(QPEL))?, io.buffer(Res::Buffer(QPEL_PARAMS))?);
        let bindings = [
            Binding::Image(cur),
            Binding::Image(prev),
            Binding::Buffer(vectors),
            Binding::Buffer(qpel),
            Binding::Buffer(params),
        ];
        rec.dispatch(&self.pipeline, &bindings, bytemuck::bytes_of(&push), [grid.blocks_x(), grid.blocks_y(), 1])
    }
}
