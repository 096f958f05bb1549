//! flow_epe pass (`--flow`): per block, the end-point error of the learner's dense flow against the
//! exact search's vector (shaders/flow_epe.comp; CPU reference `reference::dense_flow::flow_epe`).
//! Also each block's SAD against the flow's prediction, so the `flow-gain` heatmap shows where the
//! flow predicts better than the search (search SAD − flow SAD).
//! Exports `flow_epe.npy` (float32 [P, By, Bx], mean px) and the `epe` heatmap. The flow itself
//! reaches the GPU as `Res::Flow` (the frame's upload) and drives the warp when it is the motion source.

use super::pass::{
    ArrayExport, Dtype, Export, FrameSettings, Group, MetricExport, Output, Pass, PassDesc, PassIo, Res,
};
use super::spirv;
use crate::gpu::{vk, Binding, ComputePipeline, GpuContext, GpuError, Recorder};
use crate::outputs as out;
use crate::reference::dense_flow::BlockEpe;
use crate::reference::BlockGrid;
use std::sync::Arc;

/// Per block (mean px as f32 bits, Σ pixel EPE in 1/256 px, SAD against the flow's prediction, the
/// search vector's SAD).
pub const FLOW_EPE: &str = "flow_epe";
/// Words per block record.
const RECORD_WORDS: usize = 4;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FlowEpePush {
    pub width: u32,
    pub height: u32,
    pub block: u32,
    pub blocks_x: u32,
}

pub struct FlowEpePass {
    pipeline: ComputePipeline,
}

impl FlowEpePass {
    pub fn new(ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        let (buffer, image) = (vk::DescriptorType::STORAGE_BUFFER, vk::DescriptorType::STORAGE_IMAGE);
        let push = std::mem::size_of::<FlowEpePush>() as u32;
        let bindings = [buffer, buffer, buffer, image, image];
        let pipeline = ComputePipeline::new(ctx, FLOW_EPE_PASS.name, spirv!("flow_epe"), &bindings, push)?;
        Ok(Self { pipeline })
    }

    fn buffer_size(grid: &BlockGrid) -> u64 {
        grid.len() as u64 * RECORD_WORDS as u64 * 4
    }

    /// Decodes the read-back records: (the GPU's mean, the exact sums, the flow prediction's SAD).
    pub fn decode(bytes: &[u8], grid: &BlockGrid) -> Vec<(f32, BlockEpe, u32)> {
        let words: Vec<u32> = bytemuck::pod_collect_to_vec(&bytes[..Self::buffer_size(grid) as usize]);
        words
            .chunks_exact(RECORD_WORDS)
            .zip(grid.rects())
            .map(|(r, rect)| (f32::from_bits(r[0]), BlockEpe { sum_256: r[1], count: rect.count() }, r[2]))
            .collect()
    }
}

/// The flow_epe pass's identity and exports (see `PassDesc`).
pub const FLOW_EPE_PASS: PassDesc = PassDesc {
    name: "flow_epe",
    group: Group::Flow,
    make: |ctx| Ok(Box::new(FlowEpePass::new(ctx)?)),
    exports: &[
        Export::Array(ArrayExport {
            file: "flow_epe.npy",
            buffer: FLOW_EPE,
            record_words: RECORD_WORDS,
            fields: 1,
            dtype: Dtype::F32,
            about: "per block the mean end-point error (px) of the --flow field against the search's vector",
            on_request: None,
        }),
        Export::Metric(MetricExport {
            name: "epe",
            label: "flow EPE (px)",
            about: "mean end-point error of the --flow field against the exact search, per block (px)",
            buffer: FLOW_EPE,
            record_words: RECORD_WORDS,
            value: |w| f32::from_bits(w[0]),
        }),
        Export::Metric(MetricExport {
            name: "flow-gain",
            label: "flow gain (SAD)",
            about: "search MC-SAD − the --flow prediction's SAD per block: tinted where the flow predicts better",
            buffer: FLOW_EPE,
            record_words: RECORD_WORDS,
            value: flow_gain,
        }),
    ],
};

/// The search vector's SAD minus the flow prediction's (exact in f32: both < 2^24).
fn flow_gain(w: &[u32]) -> f32 {
    w[3] as f32 - w[2] as f32
}

impl Pass for FlowEpePass {
    fn reads(&self, _: &FrameSettings) -> Vec<Res> {
        vec![Res::Flow, Res::Buffer(out::VECTORS), Res::Cur(0), Res::Prev(0)]
    }

    fn outputs(&self) -> Vec<Output> {
        vec![Output::buffer(FLOW_EPE, Self::buffer_size)]
    }

    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, s: &FrameSettings) -> Result<(), GpuError> {
        let grid = &s.grid;
        let push = FlowEpePush { width: grid.width, height: grid.height, block: grid.block, blocks_x: grid.blocks_x() };
        let bindings = [
            Binding::Buffer(io.buffer(Res::Flow)?),
            Binding::Buffer(io.buffer(Res::Buffer(out::VECTORS))?),
            Binding::Buffer(io.buffer(Res::Buffer(FLOW_EPE))?),
            Binding::Image(io.image(Res::Cur(0))?),
            Binding::Image(io.image(Res::Prev(0))?),
        ];
        rec.dispatch(&self.pipeline, &bindings, bytemuck::bytes_of(&push), [grid.blocks_x(), grid.blocks_y(), 1])
    }
}
