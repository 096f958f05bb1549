//! ab_chroma pass: the exact SSE of input 0's Cb and Cr planes against input 1's, per 16×16 tile
//! (shaders/ab_chroma.comp; CPU reference `reference::tile_sse`), for `psnr_u`/`psnr_v` and the
//! weighted YUV PSNRs. It runs only where both frames uploaded chroma of the same size; otherwise
//! it zeroes the header and the host leaves the chroma metrics empty.

use super::pass::{FrameSettings, Group, Output, Pass, PassDesc, PassIo, Res};
use super::spirv;
use crate::gpu::{vk, Binding, ComputePipeline, GpuContext, GpuError, LumaImage, Recorder};
use crate::outputs as out;
use crate::reference::{BlockGrid, ChromaSse, CHROMA_TILE};
use std::sync::Arc;

/// The header's bytes: (valid, chroma width, chroma height, tiles per row).
const HEADER_BYTES: u64 = 16;
/// Bytes per tile record: (SSE Cb, SSE Cr).
const TILE_BYTES: u64 = 8;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct AbChromaPush {
    width: u32,
    height: u32,
}

/// The ab_chroma pass's identity (see `PassDesc`).
pub const AB_CHROMA: PassDesc = PassDesc {
    name: "ab_chroma",
    group: Group::Compare,
    make: |ctx| Ok(Box::new(AbChromaPass::new(ctx)?)),
    exports: &[],
};

pub struct AbChromaPass {
    pipeline: ComputePipeline,
}

impl AbChromaPass {
    pub fn new(ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        let image = vk::DescriptorType::STORAGE_IMAGE;
        let pipeline = ComputePipeline::new(
            ctx,
            AB_CHROMA.name,
            spirv!("ab_chroma"),
            &[image, image, image, image, vk::DescriptorType::STORAGE_BUFFER],
            std::mem::size_of::<AbChromaPush>() as u32,
        )?;
        Ok(Self { pipeline })
    }

    /// Bytes for a frame of the grid's size (chroma planes are never larger than luma).
    pub fn buffer_size(grid: &BlockGrid) -> u64 {
        let tiles = grid.width.div_ceil(CHROMA_TILE) as u64 * grid.height.div_ceil(CHROMA_TILE) as u64;
        HEADER_BYTES + tiles * TILE_BYTES
    }

    /// The per-tile (Cb, Cr) sums, row-major, from the buffer's bytes (`None`: the pass did not run).
    pub fn tiles(bytes: &[u8]) -> Option<(u32, u32, Vec<[u32; 2]>)> {
        let header: [u32; 4] = bytemuck::pod_read_unaligned(bytes.get(..HEADER_BYTES as usize)?);
        let [valid, width, height, _] = header;
        if valid != 1 {
            return None;
        }
        let n = width.div_ceil(CHROMA_TILE) as usize * height.div_ceil(CHROMA_TILE) as usize;
        let body = bytes.get(HEADER_BYTES as usize..HEADER_BYTES as usize + n * TILE_BYTES as usize)?;
        Some((width, height, body.chunks_exact(TILE_BYTES as usize).map(bytemuck::pod_read_unaligned).collect()))
    }

    /// The frame's chroma SSE (`None`: no chroma in A or B, or of different sizes).
    pub fn decode(bytes: &[u8]) -> Option<ChromaSse> {
        let (width, height, tiles) = Self::tiles(bytes)?;
        let (cb, cr) = tiles.iter().fold((0u64, 0u64), |(cb, cr), t| (cb + t[0] as u64, cr + t[1] as u64));
        Some(ChromaSse { width, height, cb, cr })
    }

    fn planes(io: &dyn PassIo, input: usize) -> Option<(&LumaImage, &LumaImage)> {
        Some((io.image(Res::CurCb(input)).ok()?, io.image(Res::CurCr(input)).ok()?))
    }
}

impl Pass for AbChromaPass {
    fn reads(&self, _: &FrameSettings) -> Vec<Res> {
        vec![Res::CurCb(0), Res::CurCr(0), Res::CurCb(1), Res::CurCr(1)]
    }

    fn outputs(&self) -> Vec<Output> {
        vec![Output::buffer(out::AB_CHROMA, Self::buffer_size).on_demand()]
    }

    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, _: &FrameSettings) -> Result<(), GpuError> {
        let buffer = io.buffer(Res::Buffer(out::AB_CHROMA))?;
        let (a, b) = match (Self::planes(io, 0), Self::planes(io, 1)) {
            (Some(a), Some(b)) if (a.0.width, a.0.height) == (b.0.width, b.0.height) => (a, b),
            // No chroma on one side, or different subsampling: nothing to compare (zeroed, so the
            // bytes read back do not depend on earlier frames).
            _ => return rec.fill_buffer(buffer, buffer.size(), 0),
        };
        let (width, height) = (a.0.width, a.0.height);
        let used = HEADER_BYTES + (width.div_ceil(CHROMA_TILE) * height.div_ceil(CHROMA_TILE)) as u64 * TILE_BYTES;
        if buffer.size() < used {
            return Err(GpuError::Other("ab_chroma: output buffer too small for the chroma planes".into()));
        }
        if used < buffer.size() {
            // Subsampled chroma fills part of the buffer: the rest is zeroed first.
            rec.fill_buffer(buffer, buffer.size(), 0)?;
            rec.barrier()?;
        }
        rec.dispatch(
            &self.pipeline,
            &[
                Binding::Image(a.0),
                Binding::Image(a.1),
                Binding::Image(b.0),
                Binding::Image(b.1),
                Binding::Buffer(buffer),
            ],
            bytemuck::bytes_of(&AbChromaPush { width, height }),
            [width.div_ceil(CHROMA_TILE), height.div_ceil(CHROMA_TILE), 1],
        )
    }
}
