//! `--lambda` (the regularised search) end to end: analyze's motion.npy equals the CPU reference
//! `regularised_search` on the frames it read, motion_cost.npy keeps raw SADs, the manifest and bench
//! say which λ ran, and a bad value is a one-line error.

use crate::common::vidscope;
use crate::flow_view::{quadrant_clip, quadrants, H, W};
use vidscope::reference::{block_sad, motion_search, regularised_search, BlockGrid};

fn read_npy<T: npyz::Deserialize>(path: &std::path::Path) -> (Vec<u64>, Vec<T>) {
    let bytes = std::fs::read(path).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    (npy.shape().to_vec(), npy.into_vec().unwrap())
}

#[test]
fn analyze_with_lambda_writes_the_regularised_vectors_and_raw_sads() {
    let (range, lambda) = (4, 1500);
    let grid = BlockGrid::new(W, H, 16);
    // The premise: this λ changes some vectors of this clip (else the test would show nothing).
    let (f0, f1) = (quadrants(0), quadrants(1));
    assert_ne!(regularised_search(&f1, &f0, &grid, range, lambda), motion_search(&f1, &f0, &grid, range));

    let dir = tempfile::tempdir().unwrap();
    let clip = quadrant_clip(dir.path());
    let out = dir.path().join("out");
    let o = vidscope(&[
        "analyze",
        clip.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--range",
        &range.to_string(),
        "--lambda",
        &lambda.to_string(),
        "--export",
        "costs",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (shape, motion) = read_npy::<i32>(&out.join("motion.npy"));
    let (_, costs) = read_npy::<u32>(&out.join("motion_cost.npy"));
    let n = grid.len();
    assert_eq!(shape, [5, grid.blocks_y() as u64, grid.blocks_x() as u64, 2]);
    for p in 0..5 {
        let (reference, cur) = (quadrants(p), quadrants(p + 1));
        let want = regularised_search(&cur, &reference, &grid, range, lambda);
        for (i, v) in want.iter().enumerate() {
            let (by, bx) = (i as u32 / grid.blocks_x(), i as u32 % grid.blocks_x());
            assert_eq!((motion[(p * n + i) * 2], motion[(p * n + i) * 2 + 1]), (v.dx, v.dy), "pair {p} block {i}");
            // motion_cost's best is the chosen vector's raw SAD, its zero the zero vector's.
            assert_eq!(costs[(p * n + i) * 3], v.sad, "pair {p} block {i}: best SAD");
            assert_eq!(costs[(p * n + i) * 3 + 1], block_sad(&cur, &reference, &grid, by, bx, 0, 0), "zero SAD");
        }
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["lambda"], lambda);
}

#[test]
fn bench_reports_lambda_and_bad_values_are_one_line_errors() {
    let o = vidscope(&["bench", "synthetic:64x48", "-n", "2", "--passes", "motion", "--lambda", "9", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["lambda"], 9);
    let out: &[&str] = &["--out", "/nonexistent/o"];
    for (cmd, bad, extra) in
        [("analyze", "4097", out), ("bench", "x", &[]), ("view", "-1", &[]), ("record", "99999", out)]
    {
        let flag = format!("--lambda={bad}");
        let o = vidscope(&[&[cmd, "synthetic:64x48", &flag], extra].concat());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{cmd} --lambda {bad} was accepted");
        assert_eq!(err.trim().lines().count(), 1, "{cmd} --lambda {bad}: {err}");
        assert!(err.contains("--lambda"), "{cmd} --lambda {bad}: {err}");
    }
}
