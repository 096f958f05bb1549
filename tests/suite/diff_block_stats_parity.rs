//! GPU diff and block_stats against the CPU reference, bit for bit, on lavapipe with validation on.

use crate::common;

use common::{assert_no_validation_messages, gpu, random_plane};
use vidscope::passes::{FrameGraph, PassSelection};
use vidscope::reference::{block_stats, diff, BlockGrid, BLOCK_SIZES};

/// Pushes `frames` through a frame graph and checks every pair against the reference.
fn check_sequence(ctx: &std::sync::Arc<vidscope::gpu::GpuContext>, w: u32, h: u32, block: u32, frames: &[Vec<u8>]) {
    let grid = BlockGrid::new(w, h, block);
    let mut graph = FrameGraph::new(ctx, grid, PassSelection::ZERO_MOTION, true).expect("frame graph");
    for (t, frame) in frames.iter().enumerate() {
        let out = graph.push_frame(frame).expect("push frame");
        let reference = if t == 0 { frame } else { &frames[t - 1] };
        assert_eq!(out.diff.as_deref(), Some(&diff(frame, reference)[..]), "diff {w}x{h} b={block} frame {t}");
        assert_eq!(
            out.stats.as_deref(),
            Some(&block_stats(frame, reference, &grid)[..]),
            "block stats {w}x{h} b={block} frame {t}"
        );
    }
}

#[test]
fn diff_and_block_stats_match_reference_on_odd_sizes_and_all_block_sizes() {
    let ctx = gpu();
    for &(w, h) in &[(1, 1), (7, 5), (17, 9), (64, 64), (1919, 1081)] {
        let len = (w * h) as usize;
        let frames = vec![random_plane(len, 1), random_plane(len, 2), random_plane(len, 3)];
        let blocks: &[u32] = if w > 1000 { &[16, 128] } else { &BLOCK_SIZES };
        for &b in blocks {
            check_sequence(&ctx, w, h, b, &frames);
        }
    }
    assert_no_validation_messages(&ctx);
}

#[test]
fn block_stats_match_reference_on_constant_and_extreme_frames() {
    let ctx = gpu();
    let (w, h) = (300, 200);
    let len = (w * h) as usize;
    // all 255 vs all 0 at b = 128 is the largest SSE a block can have: must not overflow.
    let frames = vec![vec![0u8; len], vec![255u8; len], vec![255u8; len], vec![77u8; len], vec![0u8; len]];
    for &b in &BLOCK_SIZES {
        check_sequence(&ctx, w, h, b, &frames);
    }
    let grid = BlockGrid::new(w, h, 128);
    let mut graph = FrameGraph::new(&ctx, grid, PassSelection::ZERO_MOTION, false).unwrap();
    graph.push_frame(&frames[0]).unwrap();
    let stats = graph.push_frame(&frames[1]).unwrap().stats.unwrap();
    assert_eq!(stats[0].sse, 128 * 128 * 255 * 255, "full interior block at 255 vs 0");
    assert_no_validation_messages(&ctx);
}

#[test]
#[cfg(feature = "ffmpeg")]
fn diff_and_block_stats_match_reference_on_decoded_video() {
    let ctx = gpu();
    let clip = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/clip.mp4");
    let frames: Vec<Vec<u8>> = {
        let mut source = vidscope::video::open(clip).expect("open bundled clip");
        let mut frames = Vec::new();
        while let Some(f) = source.next_frame().expect("decode") {
            frames.push(f.data);
            if frames.len() == 10 {
                break;
            }
        }
        frames
    };
    assert_eq!(frames.len(), 10);
    for b in [8, 16, 64] {
        check_sequence(&ctx, 640, 360, b, &frames);
    }
    assert_no_validation_messages(&ctx);
}
