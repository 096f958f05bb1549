//! GPU motion search, warp (prediction) and residual against the CPU reference on lavapipe with
//! validation on: integers bit-exact, bilinear warps within 1 LSB; plus known-motion clips.

use crate::common;

use common::{assert_no_validation_messages, gpu, random_plane, run_pair, textured};
use std::sync::Arc;
use vidscope::gpu::GpuContext;
use vidscope::passes::{FrameGraph, MotionSearchPass, PassSelection, Readback};
use vidscope::reference::{
    bilinear, block_stats, diff, motion_predict, motion_search, warp_predict, BlockGrid, WarpParams,
};
use vidscope::video::{FrameSource, SyntheticSource, SYNTHETIC_MOTION};

fn graph(ctx: &Arc<GpuContext>, grid: BlockGrid, range: u32) -> FrameGraph {
    let mut g = FrameGraph::new(ctx, grid, PassSelection::ALL, false).expect("frame graph");
    g.set_range(range).unwrap();
    g.set_readback(Readback { diff: false, predicted: true, residual: true }).unwrap();
    g
}

#[test]
fn motion_search_prediction_and_residual_match_reference_bit_exact() {
    let ctx = gpu();
    let cases: &[(u32, u32, u32, u32)] = &[
        // (w, h, block, range): odd sizes, R in {1, 7, 16, 64}, both the shared-tile and direct paths
        (1, 1, 8, 1),
        (17, 9, 8, 7),
        (61, 37, 16, 16),
        (45, 33, 32, 16),
        (40, 30, 8, 64),
        (70, 50, 16, 64),
        (33, 29, 32, 7),
    ];
    for &(w, h, b, r) in cases {
        let grid = BlockGrid::new(w, h, b);
        eprintln!("{w}x{h} b={b} R={r} tiles={}", MotionSearchPass::uses_tiles(b, r));
        let mut g = graph(&ctx, grid, r);
        let pairs = [
            (random_plane((w * h) as usize, 11), random_plane((w * h) as usize, 12)),
            (textured(w, h, 5, (0, 0)), textured(w, h, 6, (3, -2))),
            (vec![128; (w * h) as usize], vec![128; (w * h) as usize]),
        ];
        for (reference, cur) in &pairs {
            let out = run_pair(&mut g, reference, cur, None);
            let want = motion_search(cur, reference, &grid, r);
            assert_eq!(out.motion.as_deref(), Some(&want[..]), "vectors {w}x{h} b={b} R={r}");
            let pred = motion_predict(reference, &grid, &want);
            assert_eq!(out.predicted.as_deref(), Some(&pred[..]), "prediction {w}x{h} b={b} R={r}");
            assert_eq!(out.residual.as_deref(), Some(&diff(cur, &pred)[..]), "residual {w}x{h}");
            let mc = block_stats(cur, &pred, &grid);
            assert_eq!(out.mc_stats.as_deref(), Some(&mc[..]), "mc stats {w}x{h}");
            assert!(mc.iter().zip(&want).all(|(s, m)| s.sad == m.sad), "search SAD equals residual SAD");
        }
    }
    assert_no_validation_messages(&ctx);
}

/// Deterministic warp parameters around identity.
fn random_params(n: usize, seed: u64, similarity: bool) -> Vec<WarpParams> {
    let r = random_plane(n * 4, seed);
    (0..n)
        .map(|i| {
            let u = |k: usize| r[i * 4 + k] as f32 / 255.0 - 0.5; // in [-0.5, 0.5]
            if similarity {
                WarpParams { a: 1.0 + 0.2 * u(0), b: 0.2 * u(1), tx: 9.0 * u(2), ty: 9.0 * u(3) }
            } else {
                WarpParams::translation(9.0 * u(2), 9.0 * u(3))
            }
        })
        .collect()
}

#[test]
fn bilinear_warps_match_reference_within_one_lsb() {
    let ctx = gpu();
    let (mut max_err, mut sum_err, mut count) = (0u8, 0u64, 0u64);
    for &(w, h, b) in &[(17u32, 9u32, 8u32), (61, 37, 16), (64, 64, 32), (129, 67, 16)] {
        let grid = BlockGrid::new(w, h, b);
        let mut g = graph(&ctx, grid, 1);
        let reference = textured(w, h, 21, (0, 0));
        let cur = random_plane((w * h) as usize, 22);
        for (seed, similarity) in [(1, false), (2, true), (3, true)] {
            let params = random_params(grid.len(), seed, similarity);
            let out = run_pair(&mut g, &reference, &cur, Some(&params));
            let want = warp_predict(&reference, &grid, &params);
            let got = out.predicted.unwrap();
            for (a, b) in got.iter().zip(&want) {
                let e = a.abs_diff(*b);
                max_err = max_err.max(e);
                sum_err += e as u64;
                count += 1;
            }
            // The residual and its stats are exact functions of the GPU's own prediction.
            assert_eq!(out.residual.unwrap(), diff(&cur, &got));
            assert_eq!(out.mc_stats.unwrap(), block_stats(&cur, &got, &grid));
        }
    }
    eprintln!(
        "bilinear warp GPU vs CPU: max error {max_err} LSB, mean {:.6} LSB over {count} pixels",
        sum_err as f64 / count as f64
    );
    assert!(max_err <= 1, "bilinear warp differs by {max_err} LSB");
    assert_no_validation_messages(&ctx);
}

/// Runs `frames` frames of `source` (content moving by (dx, dy) per frame) and asserts, in every block
/// whose true source (x + dx, y + dy) lies inside the frame, vector (dx, dy) and zero MC residual.
/// Returns how many blocks were checked.
fn assert_known_motion(
    source: &mut dyn FrameSource,
    block: u32,
    range: u32,
    frames: usize,
    (dx, dy): (i32, i32),
) -> usize {
    let ctx = gpu();
    let (w, h) = (source.info().width, source.info().height);
    let grid = BlockGrid::new(w, h, block);
    let mut g = graph(&ctx, grid, range);
    let mut checked = 0;
    for t in 0..frames {
        let frame = source.next_frame().unwrap().unwrap();
        let out = g.push_frame(&frame.data).unwrap();
        if t == 0 {
            continue;
        }
        let (motion, mc) = (out.motion.unwrap(), out.mc_stats.unwrap());
        for (i, rect) in grid.rects().enumerate() {
            let inside =
                rect.x0 as i32 + rect.w as i32 + dx <= w as i32 && rect.y0 as i32 + rect.h as i32 + dy <= h as i32;
            if inside {
                assert_eq!((motion[i].dx, motion[i].dy), (dx, dy), "block {i} of frame {t}");
                assert_eq!((mc[i].sad, mc[i].sse), (0, 0), "MC residual of block {i} of frame {t}");
                checked += 1;
            }
        }
    }
    assert_no_validation_messages(&ctx);
    checked
}

#[test]
fn synthetic_known_shift_gives_exact_vectors_and_zero_residual_inside() {
    let mut source = SyntheticSource::parse("96x64").unwrap();
    let checked = assert_known_motion(&mut source, 16, 4, 4, SYNTHETIC_MOTION);
    assert!(checked > 30, "checked {checked} interior blocks");
}

#[test]
fn known_similarity_fed_back_as_warp_params_leaves_a_tiny_residual() {
    let ctx = gpu();
    let (w, h, b) = (128u32, 96u32, 16u32);
    let grid = BlockGrid::new(w, h, b);
    // A smooth reference; cur = global similarity warp (rotation 2 degrees, scale 1.02) about the centre.
    let reference: Vec<u8> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(|(x, y)| (128.0 + 90.0 * (x as f64 * 0.11).sin() * (y as f64 * 0.07).cos()) as u8)
        .collect();
    let (angle, scale) = (2.0f32.to_radians(), 1.02f32);
    let (a, bb) = (scale * angle.cos(), scale * angle.sin());
    let (cx, cy) = ((w as f32 - 1.0) / 2.0, (h as f32 - 1.0) / 2.0);
    let cur: Vec<u8> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(|(x, y)| {
            let (px, py) = (x as f32 - cx, y as f32 - cy);
            bilinear(&reference, w, h, cx + a * px - bb * py, cy + bb * px + a * py)
        })
        .collect();
    // Per block: the same warp expressed about the block centre c: t = (M - I)(c - C).
    let params: Vec<WarpParams> = grid
        .rects()
        .map(|r| {
            let (bcx, bcy) = (r.x0 as f32 + (r.w as f32 - 1.0) / 2.0, r.y0 as f32 + (r.h as f32 - 1.0) / 2.0);
            let (ux, uy) = (bcx - cx, bcy - cy);
            WarpParams { a, b: bb, tx: (a - 1.0) * ux - bb * uy, ty: bb * ux + (a - 1.0) * uy }
        })
        .collect();
    let mut g = graph(&ctx, grid, 2);
    let out = run_pair(&mut g, &reference, &cur, Some(&params));
    let residual: u64 = out.mc_stats.unwrap().iter().map(|s| s.sad as u64).sum();
    let zero_motion: u64 = out.stats.unwrap().iter().map(|s| s.sad as u64).sum();
    eprintln!("similarity clip: residual SAD {residual}, zero-motion SAD {zero_motion}");
    assert!(residual * 20 < zero_motion, "residual {residual} should be far below zero-motion {zero_motion}");
    assert!(residual <= (w * h) as u64, "at most 1 LSB per pixel on average");
    assert_no_validation_messages(&ctx);
}

#[test]
#[cfg(feature = "ffmpeg")]
fn bundled_clip_has_exact_known_motion() {
    let clip = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/clip.mp4");
    let mut source = vidscope::video::open(clip).unwrap();
    // assets/README.md: every frame is the previous one moved by (2, 1), losslessly coded.
    let checked = assert_known_motion(source.as_mut(), 16, 4, 3, (2, 1));
    assert!(checked > 1500, "checked {checked} interior blocks");
}
