//! ssim pass: FFmpeg's SSIM sums per 4×4 cell of an (A, B) pair into an SSBO (shaders/ssim.comp);
//! the host reduces the cells to the frame's SSIM with `reference::SsimCells::ssim`, so GPU and CPU
//! results are identical (the cells bit for bit, hence the SSIM too).

use super::spirv;
use crate::gpu::{vk, Binding, ComputePipeline, GpuBuffer, GpuContext, GpuError, LumaImage, Recorder};
use crate::reference::{SsimCells, SsimSums};
use std::sync::Arc;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct SsimPush {
    pub cells_x: u32,
    pub cells_y: u32,
}

/// Bytes per cell record in the SSBO (uvec4: Σa, Σb, Σa²+b², Σab).
pub const CELL_BYTES: u64 = 16;

pub struct SsimPass {
    pipeline: ComputePipeline,
}

impl SsimPass {
    pub fn new(ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        let image = vk::DescriptorType::STORAGE_IMAGE;
        let pipeline = ComputePipeline::new(
            ctx,
            "ssim",
            spirv!("ssim"),
            &[image, image, vk::DescriptorType::STORAGE_BUFFER],
            std::mem::size_of::<SsimPush>() as u32,
        )?;
        Ok(Self { pipeline })
    }

    /// Size of the SSBO that `record` writes for a `width` × `height` pair (0 below 4×4).
    pub fn buffer_size(width: u32, height: u32) -> u64 {
        let (cx, cy) = SsimCells::dims(width, height);
        cx as u64 * cy as u64 * CELL_BYTES
    }

    /// Records the cell sums of `a` against `b` into `out`. Nothing is dispatched for a frame with
    /// no whole cell.
    pub fn record(&self, rec: &mut Recorder, a: &LumaImage, b: &LumaImage, out: &GpuBuffer) -> Result<(), GpuError> {
        if (a.width, a.height) != (b.width, b.height) {
            return Err(GpuError::Other("ssim: the A and B images differ in size".into()));
        }
        if out.size() < Self::buffer_size(a.width, a.height) {
            return Err(GpuError::Other("ssim: output buffer too small for the frame".into()));
        }
        let (cells_x, cells_y) = SsimCells::dims(a.width, a.height);
        if cells_x == 0 || cells_y == 0 {
            return Ok(());
        }
        let push = SsimPush { cells_x, cells_y };
        rec.dispatch(
            &self.pipeline,
            &[Binding::Image(a), Binding::Image(b), Binding::Buffer(out)],
            bytemuck::bytes_of(&push),
            [cells_x.div_ceil(16), cells_y.div_ceil(16), 1],
        )
    }

    /// Decodes the cells of a host-visible SSBO written by `record` for a `width` × `height` pair;
    /// `.ssim()` on the result gives the frame's SSIM.
    pub fn read(buffer: &GpuBuffer, width: u32, height: u32) -> SsimCells {
        Self::decode(buffer.bytes(), width, height)
    }

    /// Decodes the cells from the SSBO's bytes.
    pub fn decode(bytes: &[u8], width: u32, height: u32) -> SsimCells {
        let (cells_x, cells_y) = SsimCells::dims(width, height);
        let sums = bytes[..Self::buffer_size(width, height) as usize]
            .chunks_exact(CELL_BYTES as usize)
            .map(|c| {
                let w: [u32; 4] = bytemuck::pod_read_unaligned(c);
                SsimSums { s1: w[0], s2: w[1], ss: w[2], s12: w[3] }
            })
            .collect();
        SsimCells { cells_x, cells_y, sums }
    }
}
