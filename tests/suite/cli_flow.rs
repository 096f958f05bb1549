//! `--flow FILE` and `--motion` through `analyze`: the dense flow predicts each frame (the predicted
//! dump equals `reference::dense_flow::flow_predict` on the quantised field), `flow_epe.npy` equals the
//! reference against the run's own `motion.npy`, a `.flo` pattern gives the same bytes as the `.npy`,
//! `--motion search` keeps the search's prediction while the EPE is still written, and bad flows get
//! one line naming the file.

use crate::common::{read_png_gray, symbol_modes, vidscope};
use crate::flow_parity::swirl;
use crate::flow_view::{quadrant_clip, quadrants, H, W};
use std::path::{Path, PathBuf};
use vidscope::reference::dense_flow::{flow_epe, flow_predict, FlowField};
use vidscope::reference::{BlockGrid, MotionVector};

const PAIRS: usize = 5;

/// Writes `fields` as the clip's flow .npy.
fn write_flow_npy(path: &Path, fields: &[Vec<f32>]) {
    crate::common::write_flow_npy(path, W, H, fields);
}

/// Writes `fields` as Middlebury files dir/flow0000.flo, flow0001.flo, …; returns the pattern.
fn write_flo_files(dir: &Path, fields: &[Vec<f32>]) -> String {
    for (p, f) in fields.iter().enumerate() {
        let mut bytes = b"PIEH".to_vec();
        bytes.extend((W as i32).to_le_bytes());
        bytes.extend((H as i32).to_le_bytes());
        f.iter().for_each(|v| bytes.extend(v.to_le_bytes()));
        std::fs::write(dir.join(format!("flow{p:04}.flo")), bytes).unwrap();
    }
    dir.join("flow%04d.flo").display().to_string()
}

fn analyze(clip: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["analyze", clip.to_str().unwrap(), "--out", out.to_str().unwrap(), "--range", "4", "-b", "8"];
    args.extend_from_slice(extra);
    vidscope(&args)
}

fn read_npy<T: npyz::Deserialize>(path: PathBuf) -> Vec<T> {
    npyz::NpyFile::new(std::fs::File::open(&path).unwrap()).unwrap().into_vec().unwrap()
}

#[test]
fn analyze_with_a_dense_flow_predicts_from_it_and_writes_its_epe() {
    let dir = tempfile::tempdir().unwrap();
    let clip = quadrant_clip(dir.path());
    let fields: Vec<Vec<f32>> = (0..PAIRS).map(|p| swirl(W, H, 40 + p as u64)).collect();
    let npy = dir.path().join("flow.npy");
    write_flow_npy(&npy, &fields);
    let out = dir.path().join("out");
    let o = analyze(&clip, &out, &["--flow", npy.to_str().unwrap(), "--dump", "predicted", "--export", "symbols"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // The symbol stream's headers say mode 4 (dense flow), and no side information is counted.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert!(symbol_modes(&out).iter().all(|&m| m == 4), "every header mode 4");
    let frames_csv = std::fs::read_to_string(out.join("frames.csv")).unwrap();
    let mv_bits: Vec<&str> = frames_csv.lines().skip(1).map(|l| l.split(',').nth(6).unwrap()).collect();
    assert!(mv_bits.len() == PAIRS && mv_bits.iter().all(|b| b.parse::<f64>().unwrap() == 0.0), "{frames_csv}");

    let grid = BlockGrid::new(W, H, 8);
    let motion: Vec<i32> = read_npy(out.join("motion.npy"));
    let epe: Vec<f32> = read_npy(out.join("flow_epe.npy"));
    assert_eq!(epe.len(), PAIRS * grid.len());
    for (p, field) in fields.iter().enumerate() {
        let field = FlowField::quantize(W, H, field).unwrap();
        let pred = read_png_gray(&out.join("predicted").join(format!("{:06}.png", p + 1)));
        assert_eq!(pred, flow_predict(&quadrants(p), &field), "pair {p}: the flow's prediction");
        let vectors: Vec<MotionVector> = motion[p * grid.len() * 2..(p + 1) * grid.len() * 2]
            .chunks_exact(2)
            .map(|v| MotionVector { dx: v[0], dy: v[1], sad: 0 })
            .collect();
        let want: Vec<f32> = flow_epe(&field, &grid, &vectors).iter().map(|e| e.mean_px()).collect();
        let got = &epe[p * grid.len()..(p + 1) * grid.len()];
        for (b, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!((g.to_bits() as i64 - w.to_bits() as i64).abs() <= 2, "pair {p} block {b}: {g} against {w}");
        }
    }
    assert_eq!(manifest["files"]["flow_epe.npy"]["dtype"], "float32");
    assert_eq!(manifest["settings"]["motion"], "flow");
    assert!(manifest["passes"].as_array().unwrap().contains(&"flow_epe".into()), "{}", manifest["passes"]);

    // The same fields as .flo files: the same bytes in every output.
    let flo_dir = dir.path().join("flo");
    std::fs::create_dir(&flo_dir).unwrap();
    let pattern = write_flo_files(&flo_dir, &fields);
    let out_flo = dir.path().join("out_flo");
    let o = analyze(&clip, &out_flo, &["--flow", &pattern, "--dump", "predicted"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for name in ["flow_epe.npy", "mc_sad.npy", "rate.npy", "predicted/000003.png"] {
        assert_eq!(std::fs::read(out.join(name)).unwrap(), std::fs::read(out_flo.join(name)).unwrap(), "{name}");
    }

    // --motion search: the search predicts (as without --flow), the EPE is still written.
    let (out_search, out_plain) = (dir.path().join("out_search"), dir.path().join("out_plain"));
    let o = analyze(&clip, &out_search, &["--flow", npy.to_str().unwrap(), "--motion", "search"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(analyze(&clip, &out_plain, &[]).status.success());
    assert_eq!(
        std::fs::read(out_search.join("mc_sad.npy")).unwrap(),
        std::fs::read(out_plain.join("mc_sad.npy")).unwrap()
    );
    assert_eq!(
        std::fs::read(out_search.join("flow_epe.npy")).unwrap(),
        std::fs::read(out.join("flow_epe.npy")).unwrap()
    );
    assert_ne!(std::fs::read(out.join("mc_sad.npy")).unwrap(), std::fs::read(out_plain.join("mc_sad.npy")).unwrap());
}

#[test]
fn bad_flows_and_motion_choices_get_one_line_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let clip = quadrant_clip(dir.path());
    let short = dir.path().join("short.npy");
    write_flow_npy(&short, &[swirl(W, H, 1), swirl(W, H, 2)]);
    let mut nan = swirl(W, H, 3);
    nan[2 * (7 * W as usize + 5) + 1] = f32::NAN;
    let with_nan = dir.path().join("nan.npy");
    write_flow_npy(&with_nan, &vec![nan; PAIRS]);
    let params = dir.path().join("params.npy");
    std::fs::write(&params, b"unused").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--flow", short.to_str().unwrap()], "holds 2 pairs, the input has 5"),
        (vec!["--flow", with_nan.to_str().unwrap()], "pair 0: NaN at pixel (x 5, y 7)"),
        (vec!["--flow", clip.to_str().unwrap()], "not a NumPy .npy file"),
        (vec!["--motion", "flow"], "--motion flow: needs a dense flow (--flow FILE)"),
        (vec!["--motion", "sideways"], "expected search, flow, codec or params"),
        (vec!["--flow", short.to_str().unwrap(), "--warp-params", params.to_str().unwrap()], "--motion flow|params"),
    ];
    for (i, (extra, want)) in cases.iter().enumerate() {
        let out = dir.path().join(format!("out{i}"));
        let o = analyze(&clip, &out, extra);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{extra:?} should fail");
        let line = err.lines().find(|l| l.contains("error")).unwrap_or_default();
        assert!(line.contains(want), "{extra:?}: {err}");
        assert!(!out.exists(), "{extra:?}: no output folder on failure");
    }
}
