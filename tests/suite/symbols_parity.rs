//! GPU symbol stream against the CPU reference, bit for bit, on lavapipe with validation on: odd
//! sizes, blocks 4/8/16/32, Q in {1, 3, 7, 255}, zero motion, motion vectors and warp parameters
//! (translation, similarity, and both mixed in one frame).

use crate::common;

use common::{assert_no_validation_messages, gpu, random_plane, run_pair, textured};
use std::sync::Arc;
use vidscope::gpu::GpuContext;
use vidscope::passes::{FrameGraph, PassSelection, Readback};
use vidscope::reference::symbols::{plane_nonzero_counts, records, HEADER_NONZERO};
use vidscope::reference::{
    encode_stream, modes_from_vectors, modes_from_warp, modes_zero_motion, motion_predict, motion_search, stream_rates,
    warp_predict, BlockGrid, WarpParams,
};

const QUANTS: [u32; 4] = [1, 3, 7, 255];

fn graph(ctx: &Arc<GpuContext>, grid: BlockGrid, selection: PassSelection) -> FrameGraph {
    let mut g = FrameGraph::new(ctx, grid, PassSelection { symbols: true, ..selection }, false).expect("frame graph");
    g.set_range(2).unwrap();
    g.set_readback(Readback { predicted: true, ..Readback::default() }).unwrap();
    g
}

/// Warp parameters per block: fractional translations, similarities, and an integer translation
/// with b = −0.0 every third block (mode 2 by the bit test).
fn warp_params(n: usize, seed: u64, similarity: bool) -> Vec<WarpParams> {
    let r = random_plane(n * 4, seed);
    (0..n)
        .map(|i| {
            let u = |k: usize| r[i * 4 + k] as f32 / 255.0 - 0.5;
            match (similarity, i % 3) {
                (_, 0) => WarpParams { a: 1.0, b: -0.0, tx: 2.0, ty: -1.0 },
                (false, _) => WarpParams::translation(7.0 * u(2), 7.0 * u(3)),
                (true, _) => WarpParams { a: 1.0 + 0.2 * u(0), b: 0.2 * u(1), tx: 7.0 * u(2), ty: 7.0 * u(3) },
            }
        })
        .collect()
}

/// Checks header counts against the planes through the viewer-facing helpers.
fn check_counts(stream: &[u32], grid: &BlockGrid, g: &FrameGraph) {
    let layout = g.symbol_layout();
    for record in records(stream, grid, &layout).unwrap() {
        assert_eq!(plane_nonzero_counts(record, &layout).iter().sum::<u32>(), record[HEADER_NONZERO as usize]);
    }
    stream_rates(stream, grid, &layout).expect("every GPU header decodes");
}

#[test]
fn symbol_stream_matches_reference_bit_exact_in_every_mode() {
    let ctx = gpu();
    let mut runs = 0;
    for &(w, h) in &[(1u32, 1u32), (17, 9), (61, 37)] {
        let len = (w * h) as usize;
        let pairs = [
            (random_plane(len, 31), random_plane(len, 32)),
            (textured(w, h, 5, (0, 0)), textured(w, h, 6, (2, -1))),
            (vec![0; len], vec![255; len]),
            (vec![255; len], vec![0; len]),
        ];
        for b in [4, 8, 16, 32] {
            let grid = BlockGrid::new(w, h, b);
            let mut zero = graph(&ctx, grid, PassSelection::ZERO_MOTION);
            let mut full = graph(&ctx, grid, PassSelection::ALL);
            assert!(zero.symbols_buffer().is_some() && full.symbols_buffer().is_some());
            for quant in QUANTS {
                zero.set_quant(quant).unwrap();
                full.set_quant(quant).unwrap();
                let what = |mode: &str| format!("{w}x{h} b={b} Q={quant} {mode}");
                for (reference, cur) in &pairs {
                    // Zero motion: pred = ref, mode 0.
                    let out = run_pair(&mut zero, reference, cur, None);
                    let want = encode_stream(cur, reference, &grid, quant, &modes_zero_motion(grid.len()));
                    assert_eq!(out.symbols.as_deref(), Some(&want[..]), "{}", what("zero motion"));

                    // Motion search: pred = motion-compensated ref, mode 1 with the vectors.
                    let out = run_pair(&mut full, reference, cur, None);
                    let vectors = motion_search(cur, reference, &grid, 2);
                    let pred = motion_predict(reference, &grid, &vectors);
                    let want = encode_stream(cur, &pred, &grid, quant, &modes_from_vectors(&vectors));
                    let got = out.symbols.unwrap();
                    assert_eq!(got, want, "{}", what("motion vectors"));
                    check_counts(&got, &grid, &full);

                    // Warp parameters: modes 2/3 with their f32 bits. The stream is an exact function of
                    // the GPU's prediction (bilinear may differ from the CPU by 1 LSB; report it).
                    for (seed, similarity) in [(1, false), (2, true)] {
                        let params = warp_params(grid.len(), seed + b as u64, similarity);
                        let out = run_pair(&mut full, reference, cur, Some(&params));
                        let gpu_pred = out.predicted.unwrap();
                        let want = encode_stream(cur, &gpu_pred, &grid, quant, &modes_from_warp(&params));
                        assert_eq!(out.symbols.as_deref(), Some(&want[..]), "{}", what("warp params"));
                        let cpu_pred = warp_predict(reference, &grid, &params);
                        if cpu_pred == gpu_pred {
                            let cpu = encode_stream(cur, &cpu_pred, &grid, quant, &modes_from_warp(&params));
                            assert_eq!(out.symbols.unwrap(), cpu, "{}", what("warp params, CPU prediction"));
                        } else {
                            eprintln!("{}: GPU bilinear prediction differs from the CPU's", what("warp"));
                        }
                    }
                    runs += 4;
                }
            }
        }
    }
    eprintln!("{runs} streams compared");
    assert_no_validation_messages(&ctx);
}

#[test]
fn symbols_pass_turns_on_later_and_keeps_other_outputs_unchanged() {
    let ctx = gpu();
    let grid = BlockGrid::new(40, 24, 8);
    let mut g = FrameGraph::new(&ctx, grid, PassSelection::ALL, false).unwrap();
    assert!(g.symbols_buffer().is_none(), "made only when first selected");
    let (reference, cur) = (textured(40, 24, 1, (0, 0)), textured(40, 24, 2, (1, 1)));
    let before = run_pair(&mut g, &reference, &cur, None);
    assert!(before.symbols.is_none());
    g.set_selection(PassSelection::ANALYZE);
    g.set_quant(7).unwrap();
    let after = run_pair(&mut g, &reference, &cur, None);
    assert_eq!(after.motion, before.motion);
    assert_eq!(after.mc_stats, before.mc_stats);
    let layout = g.symbol_layout();
    assert_eq!((layout.quant, layout.planes, layout.record_words()), (7, 4, 8 + 4 * 4));
    assert!(g.symbols_buffer().unwrap().size() >= (grid.len() * layout.record_words() as usize * 4) as u64);
    let vectors = after.motion.unwrap();
    let pred = motion_predict(&reference, &grid, &vectors);
    assert_eq!(after.symbols.unwrap(), encode_stream(&cur, &pred, &grid, 7, &modes_from_vectors(&vectors)));
    assert!(after.timings.pass_ms("symbols").is_some_and(|ms| ms >= 0.0), "the symbols pass is timed");
    assert!(g.set_quant(0).is_err() && g.set_quant(256).is_err());
    assert_no_validation_messages(&ctx);
}
