//! symbols pass: the per-block symbol stream of cur − pred (quantised residual as balanced-ternary
//! digit planes, docs/symbols.md), one invocation per packed word of 16 trits, one fixed-size record
//! per block into an SSBO (shaders/symbols.comp; layout in shaders/symbols.glsl and `reference::symbols`).

use super::pass::{FrameSettings, Group, Output, Pass, PassDesc, PassIo, Res, WarpSource};
use super::spirv;
use crate::gpu::{vk, Binding, ComputePipeline, GpuBuffer, GpuContext, GpuError, LumaImage, Recorder};
use crate::outputs as out;
use crate::reference::symbols::MAX_PLANES;
use crate::reference::{BlockGrid, SymbolLayout};
use std::sync::Arc;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct SymbolsPush {
    pub width: u32,
    pub height: u32,
    pub block: u32,
    pub blocks_x: u32,
    pub quant: u32,
    pub planes: u32,
    pub source: u32,
}

/// What the prediction (and so each header's mode and parameters) comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolSource {
    /// pred = ref; mode 0.
    ZeroMotion,
    /// The motion-search vectors SSBO; mode 1.
    MotionVectors,
    /// The warp parameter SSBO; mode 2 (a = 1, b = 0) or 3.
    Params,
    /// A dense flow predicted every pixel (`--flow`); mode 4, no parameters.
    DenseFlow,
}

pub struct SymbolsPass {
    pipeline: ComputePipeline,
}

impl SymbolsPass {
    pub fn new(ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        let (image, buffer) = (vk::DescriptorType::STORAGE_IMAGE, vk::DescriptorType::STORAGE_BUFFER);
        let pipeline = ComputePipeline::new(
            ctx,
            "symbols",
            spirv!("symbols"),
            &[image, image, buffer, buffer, buffer],
            std::mem::size_of::<SymbolsPush>() as u32,
        )?;
        Ok(Self { pipeline })
    }

    /// Bytes of the stream that `record` writes for `grid` and `layout`.
    pub fn buffer_size(grid: &BlockGrid, layout: &SymbolLayout) -> u64 {
        layout.stream_words(grid) as u64 * 4
    }

    /// Bytes of a stream buffer that serves every quantiser (N = 6 planes) at `grid`.
    pub fn max_buffer_size(grid: &BlockGrid) -> u64 {
        let layout = SymbolLayout { block: grid.block, quant: 1, planes: MAX_PLANES };
        Self::buffer_size(grid, &layout)
    }

    /// Records the pass: `pred` is the prediction, or ref itself with `SymbolSource::ZeroMotion`;
    /// `vectors` and `params` are the motion-search and warp-parameter SSBOs (bound in every mode).
    pub fn record(
        &self,
        rec: &mut Recorder,
        b: &SymbolsBindings,
        grid: &BlockGrid,
        layout: &SymbolLayout,
        source: SymbolSource,
    ) -> Result<(), GpuError> {
        let SymbolsBindings { cur, pred, vectors, params, out } = *b;
        if layout.block != grid.block {
            return Err(GpuError::Other("symbols: layout block size differs from the grid's".into()));
        }
        if out.size() < Self::buffer_size(grid, layout) {
            return Err(GpuError::Other("symbols: output buffer too small for the grid".into()));
        }
        let push = SymbolsPush {
            width: grid.width,
            height: grid.height,
            block: grid.block,
            blocks_x: grid.blocks_x(),
            quant: layout.quant,
            planes: layout.planes,
            source: match source {
                SymbolSource::ZeroMotion => 0,
                SymbolSource::MotionVectors => 1,
                SymbolSource::Params => 2,
                SymbolSource::DenseFlow => 3,
            },
        };
        rec.dispatch(
            &self.pipeline,
            &[
                Binding::Image(cur),
                Binding::Image(pred),
                Binding::Buffer(vectors),
                Binding::Buffer(params),
                Binding::Buffer(out),
            ],
            bytemuck::bytes_of(&push),
            Self::groups(grid),
        )
    }

    /// Workgroups of 64 invocations, one per packed word: 64 / words-per-plane blocks each (one block
    /// from b = 32 up); the 1D workgroup index spread over x (at most 65535) and y.
    fn groups(grid: &BlockGrid) -> [u32; 3] {
        let words_per_plane = (grid.block * grid.block).div_ceil(crate::reference::symbols::TRITS_PER_WORD);
        let per_group = (64 / words_per_plane).max(1);
        let groups = (grid.len() as u32).div_ceil(per_group);
        let x = groups.min(65535);
        [x, groups.div_ceil(x.max(1)), 1]
    }

    /// The stream words of a host-visible SSBO written by `record`.
    pub fn read(buffer: &GpuBuffer, grid: &BlockGrid, layout: &SymbolLayout) -> Vec<u32> {
        let bytes = &buffer.bytes()[..Self::buffer_size(grid, layout) as usize];
        bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
    }
}

/// What the symbols pass reads and writes: cur, the prediction (or ref), the vector and parameter
/// SSBOs (bound in every mode) and the stream it writes.
#[derive(Clone, Copy)]
pub struct SymbolsBindings<'a> {
    pub cur: &'a LumaImage,
    pub pred: &'a LumaImage,
    pub vectors: &'a GpuBuffer,
    pub params: &'a GpuBuffer,
    pub out: &'a GpuBuffer,
}

/// The symbol stream of cur − pred: pred is the warp pass's prediction when it runs, else frame t − 1.
/// The symbols pass's identity (see `PassDesc`).
pub const SYMBOLS: PassDesc =
    PassDesc { name: "symbols", group: Group::Symbols, make: |ctx| Ok(Box::new(SymbolsPass::new(ctx)?)), exports: &[] };

impl Pass for SymbolsPass {
    fn reads(&self, s: &FrameSettings) -> Vec<Res> {
        match (s.runs("warp"), s.warp) {
            (false, _) => vec![Res::Cur(0), Res::Prev(0)],
            (true, WarpSource::MotionVectors) => {
                vec![Res::Cur(0), Res::Image(out::PREDICTED), Res::Buffer(out::VECTORS)]
            }
            (true, WarpSource::Params | WarpSource::Subpel) => {
                vec![Res::Cur(0), Res::Image(out::PREDICTED), s.params_res()]
            }
            (true, WarpSource::Flow) => vec![Res::Cur(0), Res::Image(out::PREDICTED)],
        }
    }

    fn outputs(&self) -> Vec<Output> {
        vec![Output::buffer(out::SYMBOLS, Self::max_buffer_size).on_demand()]
    }

    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, s: &FrameSettings) -> Result<(), GpuError> {
        let (pred, source) = match (s.runs("warp"), s.warp) {
            (false, _) => (io.image(Res::Prev(0))?, SymbolSource::ZeroMotion),
            (true, WarpSource::MotionVectors) => (io.image(Res::Image(out::PREDICTED))?, SymbolSource::MotionVectors),
            (true, WarpSource::Params | WarpSource::Subpel) => {
                (io.image(Res::Image(out::PREDICTED))?, SymbolSource::Params)
            }
            (true, WarpSource::Flow) => (io.image(Res::Image(out::PREDICTED))?, SymbolSource::DenseFlow),
        };
        let params = io.buffer(s.params_res())?;
        // Without motion search the shader reads no vectors; the params buffer stands in for the binding.
        let vectors = if s.runs("motion") { io.buffer(Res::Buffer(out::VECTORS))? } else { params };
        let out = io.buffer(Res::Buffer(out::SYMBOLS))?;
        let layout = SymbolLayout::new(s.grid.block, s.quant);
        let bindings = SymbolsBindings { cur: io.image(Res::Cur(0))?, pred, vectors, params, out };
        SymbolsPass::record(self, rec, &bindings, &s.grid, &layout, source)
    }
}
