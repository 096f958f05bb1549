//! `analyze --warp-params`: learner parameters drive the prediction, and every malformed file is
//! rejected with one line naming it and the problem (exit 2, no output folder).

use std::path::Path;
use std::process::{Command, Output};
use vidscope::analysis::write_npy;

fn analyze(input: &str, out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vidscope"))
        .args(["--validation", "on", "analyze", input, "--out", out.to_str().unwrap(), "--frames", "3"])
        .args(extra)
        .output()
        .expect("run vidscope")
}

fn load_u32(path: &Path) -> Vec<u32> {
    let bytes = std::fs::read(path).unwrap();
    npyz::NpyFile::new(&bytes[..]).unwrap().into_vec().unwrap()
}

#[test]
fn zero_translation_params_reproduce_the_zero_motion_residual() {
    let dir = tempfile::tempdir().unwrap();
    // synthetic:48x32 at block 16: grid 2 x 3; one set of zeros for every pair = predict ref itself.
    let params = dir.path().join("zero.npy");
    write_npy(&params, &[2, 3, 2], &[0f32; 12]).unwrap();
    let out_dir = dir.path().join("out");
    let out = analyze("synthetic:48x32", &out_dir, &["--warp-params", params.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(load_u32(&out_dir.join("mc_sad.npy")), load_u32(&out_dir.join("sad.npy")));
    assert_eq!(load_u32(&out_dir.join("mc_sse.npy")), load_u32(&out_dir.join("sse.npy")));
    assert!(load_u32(&out_dir.join("sad.npy")).iter().any(|&s| s > 0), "the clip moves");
    let manifest = std::fs::read_to_string(out_dir.join("manifest.json")).unwrap();
    assert!(manifest.contains("warp params from"), "{manifest}");

    // The true motion (2, 1) as per-pair translations [P=2, By, Bx, 2] gives zero residual inside.
    let truth = dir.path().join("truth.npy");
    write_npy(&truth, &[2, 2, 3, 2], &[2f32, 1.0].repeat(12)).unwrap();
    let out_dir = dir.path().join("out2");
    let out = analyze("synthetic:48x32", &out_dir, &["--warp-params", truth.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mc = load_u32(&out_dir.join("mc_sad.npy"));
    assert_eq!(mc[0], 0, "top-left block of pair 0 is predicted exactly");
}

#[test]
fn malformed_warp_params_fail_with_one_line_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    write_npy(&p("f64.npy"), &[2, 3, 2], &[0f64; 12]).unwrap();
    write_npy(&p("rank2.npy"), &[6, 2], &[0f32; 12]).unwrap();
    write_npy(&p("grid.npy"), &[3, 3, 2], &[0f32; 18]).unwrap();
    write_npy(&p("three.npy"), &[2, 3, 3], &[0f32; 18]).unwrap();
    let mut nan = [0f32; 12];
    nan[7] = f32::NAN;
    write_npy(&p("nan.npy"), &[2, 3, 2], &nan).unwrap();
    let mut far = [0f32; 12];
    far[4] = 500.0;
    write_npy(&p("far.npy"), &[2, 3, 2], &far).unwrap();
    write_npy(&p("short.npy"), &[1, 2, 3, 2], &[0f32; 12]).unwrap();
    std::fs::write(p("text.npy"), b"not numpy").unwrap();
    let cases = [
        ("f64.npy", "dtype <f8"),
        ("rank2.npy", "shape [6, 2]"),
        ("grid.npy", "block grid 3x3"),
        ("three.npy", "last dimension is 3"),
        ("nan.npy", "non-finite value NaN at [1, 0]"),
        ("far.npy", "leaves the 48x32 frame"),
        ("short.npy", "has 1 pairs, the video needs 2"),
        ("text.npy", "not a valid .npy"),
        ("missing.npy", "cannot read"),
    ];
    for (name, needle) in cases {
        let out_dir = p("out");
        let out = analyze("synthetic:48x32", &out_dir, &["--warp-params", p(name).to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let line = stderr.lines().find(|l| l.starts_with("vidscope: error:")).unwrap_or("");
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(line.contains(name) && line.contains(needle), "{name}: expected {needle:?} in {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!out_dir.exists(), "{name}: no output folder after an error");
    }
}

#[test]
fn known_similarity_clip_through_warp_params_leaves_a_residual_far_below_the_diff() {
    use vidscope::reference::{bilinear, BlockGrid};
    // Each frame is the previous one rotated by 1.5 degrees and scaled by 1.01 about the centre.
    let (w, h, b, frames) = (96u32, 64u32, 16u32, 4usize);
    let (angle, scale) = (1.5f32.to_radians(), 1.01f32);
    let (a, bb) = (scale * angle.cos(), scale * angle.sin());
    let (cx, cy) = ((w as f32 - 1.0) / 2.0, (h as f32 - 1.0) / 2.0);
    let first: Vec<u8> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(|(x, y)| (128.0 + 90.0 * (x as f64 * 0.21).sin() * (y as f64 * 0.17).cos()) as u8)
        .collect();
    let mut clip = vec![first];
    for _ in 1..frames {
        let prev = clip.last().unwrap().clone();
        let next = (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| {
                let (px, py) = (x as f32 - cx, y as f32 - cy);
                bilinear(&prev, w, h, cx + a * px - bb * py, cy + bb * px + a * py)
            })
            .collect();
        clip.push(next);
    }
    let dir = tempfile::tempdir().unwrap();
    let y4m = dir.path().join("similarity.y4m");
    crate::common::y4m::Y4m::gray(w, h).write(&y4m, clip.iter().cloned());
    // The same warp about each block's centre c: t = (M - I)(c - C); one set for every pair.
    let grid = BlockGrid::new(w, h, b);
    let params: Vec<f32> = grid
        .rects()
        .flat_map(|r| {
            let (ux, uy) = (r.x0 as f32 + (r.w as f32 - 1.0) / 2.0 - cx, r.y0 as f32 + (r.h as f32 - 1.0) / 2.0 - cy);
            [a, bb, (a - 1.0) * ux - bb * uy, bb * ux + (a - 1.0) * uy]
        })
        .collect();
    let npy = dir.path().join("similarity.npy");
    write_npy(&npy, &[grid.blocks_y() as u64, grid.blocks_x() as u64, 4], &params).unwrap();
    let out_dir = dir.path().join("out");
    let out = analyze(y4m.to_str().unwrap(), &out_dir, &["--block", "16", "--warp-params", npy.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mc: u64 = load_u32(&out_dir.join("mc_sad.npy")).iter().map(|&v| v as u64).sum();
    let zero: u64 = load_u32(&out_dir.join("sad.npy")).iter().map(|&v| v as u64).sum();
    eprintln!("similarity clip via --warp-params: residual SAD {mc}, zero-motion SAD {zero}");
    assert!(mc * 20 < zero, "residual {mc} should be far below the zero-motion diff {zero}");
}
