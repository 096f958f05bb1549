//! The A/B passes (|A − B|, signed difference, block SAD/SSE, SSIM cells) driven directly with a
//! Recorder, against the CPU reference bit for bit, on lavapipe with validation on: random, constant,
//! extreme and identical frames at odd sizes (1×1, 17×9, 1919×1081); block and frame PSNR and the
//! frame SSIM derived from the GPU's integers equal the reference's exactly.

use crate::common;
use crate::common::ab_rig;

use ab_rig::AbRig;
use common::{assert_no_validation_messages, gpu, random_plane, textured};
use vidscope::reference::{
    block_psnr, block_stats, diff, frame_error, signed_diff, ssim, ssim_cells, BlockGrid, FrameError, BLOCK_SIZES,
};

/// Runs one pair through the GPU and checks every output against the reference.
fn check_pair(rig: &mut AbRig, w: u32, h: u32, a: &[u8], b: &[u8], block: u32, what: &str) {
    let out = rig.run(a, b, block);
    let grid = BlockGrid::new(w, h, block);
    assert!(out.abs_diff == diff(a, b), "|A-B| {w}x{h} {what}");
    assert!(out.signed_diff == signed_diff(a, b), "A-B+128 {w}x{h} {what}");
    let stats = block_stats(a, b, &grid);
    assert_eq!(out.stats, stats, "block stats {w}x{h} b={block} {what}");
    let cells = ssim_cells(a, b, w, h);
    assert_eq!(out.ssim, cells, "ssim cells {w}x{h} {what}");
    // Derived values: identical inputs give identical results (the bits, not just within 1e-6).
    let gpu_psnr = block_psnr(&out.stats, &grid);
    let cpu_psnr = block_psnr(&stats, &grid);
    assert_eq!(
        gpu_psnr.iter().map(|p| p.to_bits()).collect::<Vec<_>>(),
        cpu_psnr.iter().map(|p| p.to_bits()).collect::<Vec<_>>()
    );
    let fe = FrameError::from_block_stats(&out.stats, &grid);
    assert_eq!(fe, frame_error(a, b, w, h), "frame MSE/PSNR {w}x{h} {what}");
    let (gpu_ssim, cpu_ssim) = (out.ssim.ssim(), ssim(a, b, w, h));
    assert_eq!(gpu_ssim.map(f64::to_bits), cpu_ssim.map(f64::to_bits), "SSIM {w}x{h} {what}");
    if let (Some(g), Some(c)) = (gpu_ssim, cpu_ssim) {
        assert!((g - c).abs() <= 1e-6);
    }
}

#[test]
fn ab_passes_match_reference_on_random_frames_at_odd_sizes_and_all_block_sizes() {
    let ctx = gpu();
    for &(w, h) in &[(1, 1), (3, 5), (8, 8), (17, 9), (64, 36), (1919, 1081)] {
        let len = (w * h) as usize;
        let mut rig = AbRig::new(&ctx, w, h);
        let (a, b) = (random_plane(len, 11), random_plane(len, 12));
        let blocks: &[u32] = if w > 1000 { &[16, 128] } else { &BLOCK_SIZES };
        for &block in blocks {
            check_pair(&mut rig, w, h, &a, &b, block, "random");
        }
        // Related frames (a shifted texture) exercise SSIM away from 0.
        let (ta, tb) = (textured(w, h, 1, (0, 0)), textured(w, h, 2, (1, 0)));
        check_pair(&mut rig, w, h, &ta, &tb, 16, "textured");
    }
    assert_no_validation_messages(&ctx);
}

#[test]
fn ab_passes_match_reference_on_constant_extreme_and_identical_frames() {
    let ctx = gpu();
    let (w, h) = (300, 200);
    let len = (w * h) as usize;
    let mut rig = AbRig::new(&ctx, w, h);
    let (black, white, gray) = (vec![0u8; len], vec![255u8; len], vec![77u8; len]);
    for &block in &BLOCK_SIZES {
        // 255 vs 0 saturates the signed difference at 255, 0 vs 255 at 0, and at b = 128 gives the
        // largest block SSE (must not overflow).
        check_pair(&mut rig, w, h, &white, &black, block, "white vs black");
        check_pair(&mut rig, w, h, &black, &white, block, "black vs white");
        check_pair(&mut rig, w, h, &gray, &black, block, "gray vs black");
    }
    let out = rig.run(&white, &black, 128);
    assert!(out.signed_diff.iter().all(|&v| v == 255) && out.abs_diff.iter().all(|&v| v == 255));
    assert_eq!(out.stats[0].sse, 128 * 128 * 255 * 255);
    assert_eq!(rig.run(&black, &white, 16).signed_diff, vec![0; len]);

    // Identical frames: |A-B| = 0, signed = 128, SSE = 0 → PSNR +inf everywhere, SSIM exactly 1.
    for frame in [random_plane(len, 5), gray.clone(), white.clone()] {
        let grid = BlockGrid::new(w, h, 16);
        let out = rig.run(&frame, &frame, 16);
        assert!(out.abs_diff.iter().all(|&v| v == 0));
        assert!(out.signed_diff.iter().all(|&v| v == 128));
        assert!(block_psnr(&out.stats, &grid).iter().all(|p| *p == f64::INFINITY));
        let fe = FrameError::from_block_stats(&out.stats, &grid);
        assert_eq!((fe.sse, fe.mse, fe.psnr), (0, 0.0, f64::INFINITY));
        assert_eq!(out.ssim.ssim(), Some(1.0));
        check_pair(&mut rig, w, h, &frame, &frame, 16, "identical");
    }
    assert_no_validation_messages(&ctx);
}

#[test]
fn frames_below_one_ssim_window_have_no_ssim_but_everything_else() {
    let ctx = gpu();
    for &(w, h) in &[(1, 1), (7, 30), (30, 7), (4, 4)] {
        let len = (w * h) as usize;
        let mut rig = AbRig::new(&ctx, w, h);
        let (a, b) = (random_plane(len, 21), random_plane(len, 22));
        let out = rig.run(&a, &b, 4);
        assert_eq!(out.ssim.ssim(), None, "{w}x{h}");
        check_pair(&mut rig, w, h, &a, &b, 4, "tiny");
    }
    assert_no_validation_messages(&ctx);
}
