//! The forward–backward check (`--fb`, the motion_back pass): the backward vectors and the per-block
//! error against their CPU references, bit for bit, on lavapipe with validation on (odd sizes, edge
//! blocks, λ > 0); and what its descriptor makes appear: analyze's motion_back.npy (int16) and
//! fb_error.npy (uint16), bench's key.

use crate::common;

use common::{assert_no_validation_messages, gpu, random_plane, run_pair, textured, vidscope};
use vidscope::passes::motion_back::{MotionBackPass, BACK_VECTORS, FB_ERRORS};
use vidscope::passes::{FrameGraph, MotionSearchPass, PassSelection};
use vidscope::reference::motion_search::fb_errors;
use vidscope::reference::{regularised_search, BlockGrid};

#[test]
fn backward_vectors_and_fb_errors_match_the_reference_bit_exact() {
    let ctx = gpu();
    let cases: &[(u32, u32, u32, u32, u32)] = &[
        // (w, h, block, range, lambda)
        (1, 1, 8, 1, 0),
        (17, 9, 4, 3, 0),
        (61, 37, 16, 7, 0),
        (61, 37, 8, 5, 40),
        (130, 67, 32, 16, 0),
        (45, 33, 16, 0, 0),
    ];
    let selection = PassSelection { backward: true, ..PassSelection::ALL };
    let mut nonzero = 0;
    for &(w, h, b, r, lambda) in cases {
        let grid = BlockGrid::new(w, h, b);
        let mut g = FrameGraph::new(&ctx, grid, selection, false).expect("frame graph");
        g.set_range(r).unwrap();
        g.set_lambda(lambda).unwrap();
        let pairs = [
            (random_plane((w * h) as usize, 31), random_plane((w * h) as usize, 32)),
            (textured(w, h, 3, (0, 0)), textured(w, h, 4, (-2, 1))),
            (vec![77; (w * h) as usize], vec![77; (w * h) as usize]),
        ];
        for (reference, cur) in &pairs {
            let out = run_pair(&mut g, reference, cur, None);
            let forward = regularised_search(cur, reference, &grid, r, lambda);
            let backward = regularised_search(reference, cur, &grid, r, lambda);
            let want = fb_errors(&grid, &forward, &backward);
            let got_back = MotionSearchPass::decode(out.buffers.get(BACK_VECTORS).expect("read back"), &grid);
            assert_eq!(got_back, backward, "{w}x{h} b={b} R={r} λ={lambda}: backward vectors");
            let got = MotionBackPass::decode_errors(out.buffers.get(FB_ERRORS).expect("read back"), &grid);
            assert_eq!(got, want, "{w}x{h} b={b} R={r} λ={lambda}: fb errors");
            nonzero += want.iter().filter(|&&e| e > 0).count();
        }
    }
    assert!(nonzero > 20, "the cases should include inconsistent blocks ({nonzero})");
    assert_no_validation_messages(&ctx);
}

#[test]
fn analyze_fb_writes_int16_back_vectors_and_uint16_errors_and_bench_times_the_pass() {
    let dir = tempfile::tempdir().unwrap();
    let clip = crate::flow_view::quadrant_clip(dir.path());
    let out = dir.path().join("out");
    let o = vidscope(&["analyze", clip.to_str().unwrap(), "--out", out.to_str().unwrap(), "--range", "4", "--fb"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (w, h) = (crate::flow_view::W, crate::flow_view::H);
    let grid = BlockGrid::new(w, h, 16);
    let back = npyz::NpyFile::new(std::fs::File::open(out.join("motion_back.npy")).unwrap()).unwrap();
    assert_eq!(back.shape(), &[5, grid.blocks_y() as u64, grid.blocks_x() as u64, 2]);
    assert_eq!(back.dtype(), npyz::DType::Plain("<i2".parse().unwrap()));
    let back: Vec<i16> = back.into_vec().unwrap();
    let errors = npyz::NpyFile::new(std::fs::File::open(out.join("fb_error.npy")).unwrap()).unwrap();
    assert_eq!(errors.dtype(), npyz::DType::Plain("<u2".parse().unwrap()));
    let errors: Vec<u16> = errors.into_vec().unwrap();
    let n = grid.len();
    for p in 0..5 {
        let (reference, cur) = (crate::flow_view::quadrants(p), crate::flow_view::quadrants(p + 1));
        let forward = regularised_search(&cur, &reference, &grid, 4, 0);
        let backward = regularised_search(&reference, &cur, &grid, 4, 0);
        let want_back: Vec<i16> = backward.iter().flat_map(|v| [v.dx as i16, v.dy as i16]).collect();
        assert_eq!(back[p * n * 2..(p + 1) * n * 2], want_back, "pair {p}: motion_back.npy");
        let want: Vec<u16> = fb_errors(&grid, &forward, &backward).iter().map(|&e| e as u16).collect();
        assert_eq!(errors[p * n..(p + 1) * n], want, "pair {p}: fb_error.npy");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["files"]["fb_error.npy"]["dtype"], "uint16");
    assert!(manifest["passes"].as_array().unwrap().contains(&"motion_back".into()), "{}", manifest["passes"]);

    let o = vidscope(&["bench", clip.to_str().unwrap(), "-n", "3", "--range", "2", "--passes", "fb", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(report["gpu_ms"]["motion_back"]["median"].is_number(), "{}", report["gpu_ms"]);
    assert!(report["gpu_ms"]["motion"]["median"].is_number(), "fb selects the forward search too");
}
