//! Drives the A/B passes directly with a Recorder (no frame graph): uploads an (A, B) pair, runs
//! |A − B| and the signed difference (the ab_diff and ab_signed ImagePasses), block SAD/SSE (BlockStatsPass) and the SSIM cells, and
//! reads everything back. Shared by tests/suite/ab_parity.rs and tests/suite/ab_vs_ffmpeg.rs.
#![allow(dead_code)]

use std::sync::Arc;
use vidscope::gpu::{BufferKind, GpuBuffer, GpuContext, LumaImage, Recorder};
use vidscope::passes::{ab_diff_pass, ab_signed_pass, BlockStatsPass, ImagePass, SsimPass};
use vidscope::reference::{BlockGrid, BlockStat, SsimCells};

/// What the GPU computed for one (A, B) pair.
pub struct AbOutputs {
    pub abs_diff: Vec<u8>,
    pub signed_diff: Vec<u8>,
    pub stats: Vec<BlockStat>,
    pub ssim: SsimCells,
}

pub struct AbRig {
    width: u32,
    height: u32,
    rec: Recorder,
    staging: GpuBuffer,
    planes_back: GpuBuffer,
    stats: GpuBuffer,
    cells: GpuBuffer,
    a: LumaImage,
    b: LumaImage,
    abs_img: LumaImage,
    signed_img: LumaImage,
    diff_pass: ImagePass,
    signed_pass: ImagePass,
    stats_pass: BlockStatsPass,
    ssim_pass: SsimPass,
}

impl AbRig {
    /// Resources for `width` × `height` pairs, with room for the block stats of any block size.
    pub fn new(ctx: &Arc<GpuContext>, width: u32, height: u32) -> Self {
        let plane = width as u64 * height as u64;
        let second = Self::second_offset(width, height) as u64;
        let image = |name: &str| LumaImage::new(ctx, name, width, height).expect("image");
        let (a, b, abs_img, signed_img) = (image("A"), image("B"), image("|A-B|"), image("A-B+128"));
        let mut rec = Recorder::new(ctx, "ab rig").expect("recorder");
        rec.begin().unwrap();
        for img in [&a, &b, &abs_img, &signed_img] {
            rec.init_image(img).unwrap();
        }
        rec.submit_and_wait().unwrap();
        let smallest = BlockGrid::new(width, height, 4);
        AbRig {
            width,
            height,
            rec,
            staging: GpuBuffer::new(ctx, "A,B staging", second + plane, BufferKind::Upload).unwrap(),
            planes_back: GpuBuffer::new(ctx, "diff planes readback", second + plane, BufferKind::Readback).unwrap(),
            stats: GpuBuffer::new(ctx, "ab block stats", BlockStatsPass::buffer_size(&smallest), BufferKind::Readback)
                .unwrap(),
            cells: GpuBuffer::new(ctx, "ssim cells", SsimPass::buffer_size(width, height), BufferKind::Readback)
                .unwrap(),
            a,
            b,
            abs_img,
            signed_img,
            diff_pass: ab_diff_pass(ctx).unwrap(),
            signed_pass: ab_signed_pass(ctx).unwrap(),
            stats_pass: BlockStatsPass::new(ctx).unwrap(),
            ssim_pass: SsimPass::new(ctx).unwrap(),
        }
    }

    /// Where the second plane starts in the staging and readback buffers (a multiple of 16, which
    /// every copy alignment rule accepts).
    fn second_offset(width: u32, height: u32) -> usize {
        (width as usize * height as usize).next_multiple_of(16)
    }

    /// Runs every A/B pass on (a, b) with the block stats over `block`-sized blocks.
    pub fn run(&mut self, a: &[u8], b: &[u8], block: u32) -> AbOutputs {
        let plane = (self.width * self.height) as usize;
        assert_eq!((a.len(), b.len()), (plane, plane), "plane sizes");
        let second = Self::second_offset(self.width, self.height);
        let grid = BlockGrid::new(self.width, self.height, block);
        self.staging.bytes_mut()[..plane].copy_from_slice(a);
        self.staging.bytes_mut()[second..second + plane].copy_from_slice(b);
        let rec = &mut self.rec;
        rec.begin().unwrap();
        rec.upload(&self.staging, 0, &self.a).unwrap();
        rec.upload(&self.staging, second as u64, &self.b).unwrap();
        rec.barrier().unwrap();
        self.diff_pass.record_images(rec, &self.a, &self.b, &self.abs_img).unwrap();
        self.signed_pass.record_images(rec, &self.a, &self.b, &self.signed_img).unwrap();
        self.stats_pass.record(rec, &self.a, &self.b, &self.stats, &grid).unwrap();
        self.ssim_pass.record(rec, &self.a, &self.b, &self.cells).unwrap();
        rec.barrier().unwrap();
        rec.download(&self.abs_img, &self.planes_back, 0).unwrap();
        rec.download(&self.signed_img, &self.planes_back, second as u64).unwrap();
        rec.submit_and_wait().unwrap();
        let back = self.planes_back.bytes();
        AbOutputs {
            abs_diff: back[..plane].to_vec(),
            signed_diff: back[second..second + plane].to_vec(),
            stats: BlockStatsPass::read(&self.stats, &grid),
            ssim: SsimPass::read(&self.cells, self.width, self.height),
        }
    }
}
