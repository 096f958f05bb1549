//! ms_ssim pass: MS-SSIM of input 0's luma against input 1's (shaders/ms_ssim.comp per scale,
//! shaders/ms_ssim_pool.comp between scales; CPU reference `reference::ms_ssim_partials`). The
//! scales 1–4 live in a pyramid buffer that stays on the GPU; each scale's per-row-segment sums of
//! the SSIM and cs maps are read back and the host adds them in order (`MsSsimPartials::ms_ssim`).
//! Nothing runs for a frame whose smaller side is ≤ 160 (pytorch_msssim's bound): the sums are zeroed.

use super::pass::{FrameSettings, Group, Output, OutputKind, Pass, PassDesc, PassIo, Res};
use super::spirv;
use crate::gpu::{vk, Binding, ComputePipeline, GpuBuffer, GpuContext, GpuError, LumaImage, Recorder};
use crate::outputs as out;
use crate::reference::{
    ms_ssim_defined, ms_ssim_map, ms_ssim_sizes, ms_ssim_window, BlockGrid, MsSsimPartials, MS_SSIM_SCALES,
    MS_SSIM_WINDOW,
};
use std::sync::Arc;

/// The scales 1–4 of A and B (f32), on the GPU only.
pub const MS_SSIM_PYRAMID: &str = "ms_ssim_pyramid";

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct ScalePush {
    width: u32,
    height: u32,
    from_image: u32,
    src_a: u32,
    src_b: u32,
    map_w: u32,
    segs: u32,
    out_base: u32,
    g: [f32; MS_SSIM_WINDOW],
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct PoolPush {
    src_w: u32,
    src_h: u32,
    from_image: u32,
    src_a: u32,
    src_b: u32,
    dst_w: u32,
    dst_h: u32,
    dst_a: u32,
    dst_b: u32,
}

/// Where each scale lives: its size, its planes' offsets in the pyramid (floats; scale 0 is the
/// luma images) and its first record in the sums buffer.
struct Layout {
    sizes: [(u32, u32); MS_SSIM_SCALES],
    planes: [(u32, u32); MS_SSIM_SCALES],
    records: [u32; MS_SSIM_SCALES],
    pyramid_floats: u64,
    record_count: u64,
}

impl Layout {
    fn new(width: u32, height: u32) -> Self {
        let sizes = ms_ssim_sizes(width, height);
        let (mut planes, mut records) = ([(0, 0); MS_SSIM_SCALES], [0; MS_SSIM_SCALES]);
        let (mut floats, mut count) = (0u32, 0u32);
        for (s, &(w, h)) in sizes.iter().enumerate() {
            if s > 0 {
                planes[s] = (floats, floats + w * h);
                floats += 2 * w * h;
            }
            records[s] = count;
            if ms_ssim_defined(width, height) {
                let (_, mh, segs) = ms_ssim_map(w, h);
                count += mh * segs;
            }
        }
        Layout { sizes, planes, records, pyramid_floats: floats as u64, record_count: count as u64 }
    }
}

/// The ms_ssim pass's identity (see `PassDesc`).
pub const MS_SSIM: PassDesc =
    PassDesc { name: "ms_ssim", group: Group::Compare, make: |ctx| Ok(Box::new(MsSsimPass::new(ctx)?)), exports: &[] };

pub struct MsSsimPass {
    scale: ComputePipeline,
    pool: ComputePipeline,
}

impl MsSsimPass {
    pub fn new(ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        let (image, buffer) = (vk::DescriptorType::STORAGE_IMAGE, vk::DescriptorType::STORAGE_BUFFER);
        let scale = ComputePipeline::new(
            ctx,
            "ms_ssim",
            spirv!("ms_ssim"),
            &[image, image, buffer, buffer],
            std::mem::size_of::<ScalePush>() as u32,
        )?;
        let pool = ComputePipeline::new(
            ctx,
            "ms_ssim_pool",
            spirv!("ms_ssim_pool"),
            &[image, image, buffer],
            std::mem::size_of::<PoolPush>() as u32,
        )?;
        Ok(Self { scale, pool })
    }

    /// Bytes of the sums buffer: one (Σ ssim, Σ cs) per map row segment of every scale (at least 8).
    pub fn sums_size(grid: &BlockGrid) -> u64 {
        (Layout::new(grid.width, grid.height).record_count * 8).max(8)
    }

    fn pyramid_size(grid: &BlockGrid) -> u64 {
        (Layout::new(grid.width, grid.height).pyramid_floats * 4).max(4)
    }

    /// The partial sums from the sums buffer's bytes for a `width × height` frame (`None` below 161
    /// on a side, or when the bytes are short).
    pub fn decode(bytes: &[u8], width: u32, height: u32) -> Option<MsSsimPartials> {
        if !ms_ssim_defined(width, height) {
            return None;
        }
        let layout = Layout::new(width, height);
        let records: Vec<[f32; 2]> =
            bytes.get(..layout.record_count as usize * 8)?.chunks_exact(8).map(bytemuck::pod_read_unaligned).collect();
        let scales = (0..MS_SSIM_SCALES)
            .map(|s| {
                let end = layout.records.get(s + 1).map_or(records.len(), |&e| e as usize);
                records[layout.records[s] as usize..end].to_vec()
            })
            .collect();
        Some(MsSsimPartials { sizes: layout.sizes, scales })
    }

    /// Records the five scales of `a` against `b`: per scale its sums and the next scale's planes,
    /// a barrier before the next scale reads them.
    pub fn record(
        &self,
        rec: &mut Recorder,
        a: &LumaImage,
        b: &LumaImage,
        pyramid: &GpuBuffer,
        sums: &GpuBuffer,
    ) -> Result<(), GpuError> {
        let (width, height) = (a.width, a.height);
        if (width, height) != (b.width, b.height) {
            return Err(GpuError::Other("ms_ssim: the A and B images differ in size".into()));
        }
        if !ms_ssim_defined(width, height) {
            // Nothing to compute: zeroed, so the bytes read back do not depend on earlier frames.
            return rec.fill_buffer(sums, sums.size(), 0);
        }
        let layout = Layout::new(width, height);
        if sums.size() < layout.record_count * 8 || pyramid.size() < layout.pyramid_floats * 4 {
            return Err(GpuError::Other("ms_ssim: buffers too small for the frame".into()));
        }
        let bindings = [Binding::Image(a), Binding::Image(b), Binding::Buffer(pyramid), Binding::Buffer(sums)];
        let g = ms_ssim_window();
        for s in 0..MS_SSIM_SCALES {
            let (w, h) = layout.sizes[s];
            let (src_a, src_b) = layout.planes[s];
            let (map_w, map_h, segs) = ms_ssim_map(w, h);
            let from_image = (s == 0) as u32;
            let push = ScalePush {
                width: w,
                height: h,
                from_image,
                src_a,
                src_b,
                map_w,
                segs,
                out_base: layout.records[s],
                g,
            };
            rec.dispatch(&self.scale, &bindings, bytemuck::bytes_of(&push), [segs, map_h, 1])?;
            if s + 1 < MS_SSIM_SCALES {
                let (dst_w, dst_h) = layout.sizes[s + 1];
                let (dst_a, dst_b) = layout.planes[s + 1];
                let push = PoolPush { src_w: w, src_h: h, from_image, src_a, src_b, dst_w, dst_h, dst_a, dst_b };
                rec.dispatch(
                    &self.pool,
                    &bindings[..3],
                    bytemuck::bytes_of(&push),
                    [dst_w.div_ceil(16), dst_h.div_ceil(16), 1],
                )?;
                rec.barrier()?;
            }
        }
        Ok(())
    }
}

impl Pass for MsSsimPass {
    fn reads(&self, _: &FrameSettings) -> Vec<Res> {
        vec![Res::Cur(0), Res::Cur(1)]
    }

    fn outputs(&self) -> Vec<Output> {
        let pyramid = Output {
            name: MS_SSIM_PYRAMID,
            kind: OutputKind::Buffer { size: Self::pyramid_size, readback: false },
            on_demand: true,
        };
        vec![Output::buffer(out::MS_SSIM, Self::sums_size).on_demand(), pyramid]
    }

    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, _: &FrameSettings) -> Result<(), GpuError> {
        let (pyramid, sums) = (io.buffer(Res::Buffer(MS_SSIM_PYRAMID))?, io.buffer(Res::Buffer(out::MS_SSIM))?);
        MsSsimPass::record(self, rec, io.image(Res::Cur(0))?, io.image(Res::Cur(1))?, pyramid, sums)
    }
}
