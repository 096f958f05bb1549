//! A learner's dense flow (`--flow`): the warp's dense mode (the prediction, the residual's MC stats
//! and the symbol stream's mode-4 headers) and the flow_epe pass (EPE, the flow's SAD, flow-gain) against their CPU references, bit for
//! bit, on lavapipe with validation on (odd sizes, edge blocks, flows that leave the frame, fractions
//! of 1/16 px); a frame without a flow (the first) runs no flow pass.

use crate::common;

use common::{assert_no_validation_messages, gpu, random_plane, textured};
use vidscope::passes::flow_epe::{FlowEpePass, FLOW_EPE, FLOW_EPE_PASS};
use vidscope::passes::{Export, FlowInput, FrameGraph, PassSelection, Readback};
use vidscope::reference::dense_flow::{flow_epe, flow_predict, FlowField};
use vidscope::reference::{block_stats, encode_stream, motion_search, BlockGrid, BlockMode};

/// A smooth rotation-and-zoom field about the frame's centre plus per-pixel noise, in pixels: every
/// fraction of 1/16 px appears, and the corners point outside the frame.
pub fn swirl(w: u32, h: u32, seed: u64) -> Vec<f32> {
    let noise = random_plane((w * h * 2) as usize, seed);
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .enumerate()
        .flat_map(|(i, (x, y))| {
            let (px, py) = (x as f32 - cx, y as f32 - cy);
            let n = |k: usize| (noise[2 * i + k] as f32 - 127.5) / 100.0;
            [-0.2 * py + 0.05 * px + n(0), 0.2 * px + 0.05 * py + n(1)]
        })
        .collect()
}

#[test]
fn dense_flow_prediction_and_epe_match_the_reference_bit_exact() {
    let ctx = gpu();
    let selection = PassSelection { flow: true, symbols: true, ..PassSelection::ALL };
    let mut checked_blocks = 0;
    for &(w, h, b) in &[(1u32, 1u32, 8u32), (17, 9, 4), (61, 37, 16), (130, 67, 32), (45, 33, 8)] {
        let grid = BlockGrid::new(w, h, b);
        let mut g = FrameGraph::new(&ctx, grid, selection, false).expect("frame graph");
        g.set_readback(Readback { predicted: true, ..Readback::default() }).unwrap();
        g.set_range(3).unwrap();
        let (reference, cur) = (textured(w, h, 3, (0, 0)), textured(w, h, 4, (-2, 1)));
        for (seed, drives) in [(7, true), (8, false)] {
            let field = FlowField::quantize(w, h, &swirl(w, h, seed)).unwrap();
            g.reset_sequence();
            let first = g.push_frame(&reference).unwrap();
            assert!(!first.buffers.contains_key(FLOW_EPE), "{w}x{h}: the first frame has no flow to compare");
            let out =
                g.push_frame_with_flow(&cur, FlowInput { field: field.clone(), drives, medians: Vec::new() }).unwrap();
            let what = format!("{w}x{h} b={b} drives={drives}");

            let vectors = motion_search(&cur, &reference, &grid, 3);
            let want = flow_epe(&field, &grid, &vectors);
            let got = FlowEpePass::decode(out.buffers.get(FLOW_EPE).expect("flow_epe read back"), &grid);
            let flow_sads: Vec<u32> =
                block_stats(&cur, &flow_predict(&reference, &field), &grid).iter().map(|s| s.sad).collect();
            let gains = FLOW_EPE_PASS.exports.iter().find_map(|e| match e {
                Export::Metric(m) if m.name == "flow-gain" => Some(m.values(out.buffers.get(FLOW_EPE).unwrap(), &grid)),
                _ => None,
            });
            for (i, ((mean, sums, flow_sad), want)) in got.iter().zip(&want).enumerate() {
                assert_eq!(sums, want, "{what}: block {i}'s exact sums");
                assert_eq!(*flow_sad, flow_sads[i], "{what}: block {i}'s SAD against the flow's prediction");
                let gain = vectors[i].sad as f32 - flow_sads[i] as f32;
                assert_eq!(gains.as_ref().unwrap()[i], gain, "{what}: block {i}'s flow gain");
                let ulps = (mean.to_bits() as i64 - want.mean_px().to_bits() as i64).abs();
                assert!(ulps <= 2, "{what}: block {i}'s mean {mean} against {} ({ulps} ulp)", want.mean_px());
            }
            checked_blocks += want.len();

            let pred = out.predicted.clone().expect("predicted plane");
            if drives {
                let want_pred = flow_predict(&reference, &field);
                assert_eq!(pred, want_pred, "{what}: the flow's prediction");
                assert_eq!(out.mc_stats.as_ref().unwrap(), &block_stats(&cur, &want_pred, &grid), "{what}: MC stats");
                let modes = vec![BlockMode::DenseFlow; grid.len()];
                let stream = encode_stream(&cur, &want_pred, &grid, 1, &modes);
                assert_eq!(out.symbols.as_deref(), Some(&stream[..]), "{what}: mode-4 symbol stream");
            } else {
                let want_pred = vidscope::reference::motion_predict(&reference, &grid, &vectors);
                assert_eq!(pred, want_pred, "{what}: a flow that does not drive leaves the search's prediction");
            }
        }
    }
    assert!(checked_blocks > 100, "{checked_blocks}");
    assert_no_validation_messages(&ctx);
}
