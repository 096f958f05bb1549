//! Sub-pixel refinement (`--subpel 2|4`, the subpel pass) against its CPU reference, bit for bit, on
//! lavapipe with validation on: the refined vectors and their SADs, the prediction and residual stats
//! they drive, and the symbol stream's headers (translation warps of a quarter-pixel grid); odd sizes,
//! edge blocks, λ > 0.

use crate::common;

use common::{assert_no_validation_messages, gpu, random_plane, run_pair, textured, vidscope};
use vidscope::passes::subpel::{SubpelPass, QPEL};
use vidscope::passes::{FrameGraph, PassSelection, Readback};
use vidscope::reference::subpel::{qpel_predict, subpel_refine};
use vidscope::reference::symbols::{decode_record, BlockMode};
use vidscope::reference::{block_stats, regularised_search, BlockGrid, SymbolLayout};

#[test]
fn refined_vectors_prediction_and_symbols_match_the_reference_bit_exact() {
    let ctx = gpu();
    let cases: &[(u32, u32, u32, u32, u32, u32)] = &[
        // (w, h, block, range, lambda, precision)
        (17, 9, 4, 2, 0, 4),
        (61, 37, 16, 5, 0, 2),
        (61, 37, 8, 4, 30, 4),
        (70, 45, 32, 3, 0, 4),
        (130, 70, 64, 2, 0, 4),
        (140, 131, 128, 2, 0, 2),
    ];
    let selection = PassSelection { subpel: true, symbols: true, ..PassSelection::ALL };
    let mut moved = 0;
    for &(w, h, b, r, lambda, precision) in cases {
        let grid = BlockGrid::new(w, h, b);
        let mut g = FrameGraph::new(&ctx, grid, selection, false).expect("frame graph");
        g.set_readback(Readback { predicted: true, ..Readback::default() }).unwrap();
        g.set_range(r).unwrap();
        g.set_lambda(lambda).unwrap();
        g.set_subpel(precision);
        let pairs = [
            (textured(w, h, 3, (0, 0)), textured(w, h, 4, (1, -1))),
            (random_plane((w * h) as usize, 8), random_plane((w * h) as usize, 9)),
        ];
        for (reference, cur) in &pairs {
            let out = run_pair(&mut g, reference, cur, None);
            let vectors = regularised_search(cur, reference, &grid, r, lambda);
            let want = subpel_refine(cur, reference, &grid, &vectors, precision);
            let got = SubpelPass::decode(out.buffers.get(QPEL).expect("read back"), &grid);
            let case = format!("{w}x{h} b={b} R={r} λ={lambda} subpel {precision}");
            assert_eq!(got, want, "{case}: refined vectors");
            let pred = qpel_predict(reference, &grid, &want);
            assert_eq!(out.predicted.as_deref(), Some(&pred[..]), "{case}: prediction");
            let mc = out.mc_stats.expect("mc stats");
            assert_eq!(mc, block_stats(cur, &pred, &grid), "{case}: MC stats");
            assert!(want.iter().zip(&mc).all(|(v, s)| v.sad == s.sad), "{case}: the refined SAD is the MC-SAD");
            let layout = SymbolLayout::new(b, 1);
            let words = out.symbols.expect("symbols");
            for (i, record) in words.chunks_exact(layout.record_words() as usize).enumerate() {
                let (header, _) = decode_record(record, &layout).expect("record");
                let BlockMode::Warp(p) = header.mode else { panic!("{case}: block {i} header {:?}", header.mode) };
                assert_eq!((p.a, p.b, p.tx * 4.0, p.ty * 4.0), (1.0, 0.0, want[i].qx as f32, want[i].qy as f32));
            }
            moved += want.iter().zip(&vectors).filter(|(q, v)| (q.qx, q.qy) != (4 * v.dx, 4 * v.dy)).count();
        }
    }
    assert!(moved > 20, "the cases should refine some vectors ({moved})");
    assert_no_validation_messages(&ctx);
}

#[test]
fn analyze_subpel_writes_quarter_pel_vectors_and_refined_mc_sad() {
    let dir = tempfile::tempdir().unwrap();
    let clip = crate::flow_view::quadrant_clip(dir.path());
    let out = dir.path().join("out");
    let o =
        vidscope(&["analyze", clip.to_str().unwrap(), "--out", out.to_str().unwrap(), "--range", "4", "--subpel", "4"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (w, h) = (crate::flow_view::W, crate::flow_view::H);
    let grid = BlockGrid::new(w, h, 16);
    let qpel = npyz::NpyFile::new(std::fs::File::open(out.join("motion_qpel.npy")).unwrap()).unwrap();
    assert_eq!(qpel.shape(), &[5, grid.blocks_y() as u64, grid.blocks_x() as u64, 2]);
    let qpel: Vec<i16> = qpel.into_vec().unwrap();
    let mc_sad: Vec<u32> =
        npyz::NpyFile::new(std::fs::File::open(out.join("mc_sad.npy")).unwrap()).unwrap().into_vec().unwrap();
    let n = grid.len();
    for p in 0..5 {
        let (reference, cur) = (crate::flow_view::quadrants(p), crate::flow_view::quadrants(p + 1));
        let want = subpel_refine(&cur, &reference, &grid, &regularised_search(&cur, &reference, &grid, 4, 0), 4);
        let flat: Vec<i16> = want.iter().flat_map(|v| [v.qx as i16, v.qy as i16]).collect();
        assert_eq!(qpel[p * n * 2..(p + 1) * n * 2], flat, "pair {p}: motion_qpel.npy");
        let sads: Vec<u32> = want.iter().map(|v| v.sad).collect();
        assert_eq!(mc_sad[p * n..(p + 1) * n], sads, "pair {p}: mc_sad.npy is the refined prediction's");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["subpel"], 4);
    for bad in ["3", "0", "x"] {
        let flag = format!("--subpel={bad}");
        let o = vidscope(&["analyze", clip.to_str().unwrap(), "--out", out.to_str().unwrap(), &flag]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.trim().lines().count() == 1 && err.contains("--subpel"), "{err}");
    }
}
