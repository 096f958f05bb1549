//! motion_search pass: exact full search over (2R+1)^2 displacements, one workgroup per block,
//! (dx, dy, sad) per block into an SSBO (shaders/motion_search.comp).

use super::pass::{FrameSettings, Output, Pass, PassIo, Res};
use super::spirv;
use crate::gpu::{vk, Binding, ComputePipeline, GpuBuffer, GpuContext, GpuError, LumaImage, Recorder};
use crate::reference::{BlockGrid, MotionVector, MAX_RANGE};
use std::sync::Arc;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct MotionSearchPush {
    pub width: u32,
    pub height: u32,
    pub block: u32,
    pub blocks_x: u32,
    pub range: i32,
    pub use_tiles: u32,
}

/// Bytes per block record (ivec4).
pub const VECTOR_BYTES: u64 = 16;
/// Shared-memory budget of the tiled path, in pixels (see the shader).
const TILE_PIXELS: u32 = 16384;
const TILE_MAX_BLOCK: u32 = 64;

pub struct MotionSearchPass {
    pipeline: ComputePipeline,
}

impl MotionSearchPass {
    pub fn new(ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        let image = vk::DescriptorType::STORAGE_IMAGE;
        let pipeline = ComputePipeline::new(
            ctx,
            "motion_search",
            spirv!("motion_search"),
            &[image, image, vk::DescriptorType::STORAGE_BUFFER],
            std::mem::size_of::<MotionSearchPush>() as u32,
        )?;
        Ok(Self { pipeline })
    }

    pub fn buffer_size(grid: &BlockGrid) -> u64 {
        grid.len() as u64 * VECTOR_BYTES
    }

    /// Whether the block and its search window fit the shader's shared-memory tiles.
    pub fn uses_tiles(block: u32, range: u32) -> bool {
        let side = block + 2 * range;
        block <= TILE_MAX_BLOCK && side * side <= TILE_PIXELS
    }

    pub fn record(
        &self,
        rec: &mut Recorder,
        cur: &LumaImage,
        reference: &LumaImage,
        out: &GpuBuffer,
        grid: &BlockGrid,
        range: u32,
    ) -> Result<(), GpuError> {
        if range > MAX_RANGE {
            return Err(GpuError::Other(format!("motion search range {range} exceeds {MAX_RANGE}")));
        }
        if out.size() < Self::buffer_size(grid) {
            return Err(GpuError::Other("motion_search: output buffer too small for the grid".into()));
        }
        let push = MotionSearchPush {
            width: grid.width,
            height: grid.height,
            block: grid.block,
            blocks_x: grid.blocks_x(),
            range: range as i32,
            use_tiles: Self::uses_tiles(grid.block, range) as u32,
        };
        rec.dispatch(
            &self.pipeline,
            &[Binding::Image(cur), Binding::Image(reference), Binding::Buffer(out)],
            bytemuck::bytes_of(&push),
            [grid.blocks_x(), grid.blocks_y(), 1],
        )
    }

    /// Decodes the vectors of a host-visible SSBO written by `record`.
    pub fn read(buffer: &GpuBuffer, grid: &BlockGrid) -> Vec<MotionVector> {
        Self::decode(buffer.bytes(), grid)
    }

    /// Decodes the first `grid.len()` vectors of the SSBO's bytes.
    pub fn decode(bytes: &[u8], grid: &BlockGrid) -> Vec<MotionVector> {
        bytes[..Self::buffer_size(grid) as usize]
            .chunks_exact(VECTOR_BYTES as usize)
            .map(|c| {
                let v: [i32; 4] = bytemuck::pod_read_unaligned(c);
                MotionVector { dx: v[0], dy: v[1], sad: v[2] as u32 }
            })
            .collect()
    }
}

impl Pass for MotionSearchPass {
    fn name(&self) -> &'static str {
        "motion"
    }

    fn reads(&self, _: &FrameSettings) -> Vec<Res> {
        vec![Res::Cur(0), Res::Prev(0)]
    }

    fn outputs(&self) -> Vec<Output> {
        vec![Output::buffer("vectors", Self::buffer_size)]
    }

    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, s: &FrameSettings) -> Result<(), GpuError> {
        let (cur, prev) = (io.image(Res::Cur(0))?, io.image(Res::Prev(0))?);
        MotionSearchPass::record(self, rec, cur, prev, io.buffer(Res::Buffer("vectors"))?, &s.grid, s.range)
    }
}
