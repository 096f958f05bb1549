//! `vidscope analyze INPUT --ref REF` end to end, against the FFmpeg CLI on real decoded footage (the
//! bundled clip against a CRF 38 re-encode of it): psnr.csv's mse_y/psnr_y equal the `psnr` filter's
//! stats file to its printed precision, and so do mse_u/mse_v/psnr_u/psnr_v (each chroma plane at its
//! own size), the weighted YUV PSNRs follow from them, ms_ssim_y is within 2e-5 of an independent
//! float64 NumPy MS-SSIM (scripts/ms_ssim_numpy.py; vidscope and pytorch_msssim compute in f32, 6e-6
//! off measured), the `ab-signed` PNGs equal `grainextract` exactly, SSIM is within 0.001 of the
//! `ssim` filter, `ab_sad.npy` equals the CPU reference, and the YUView CSV read
//! with YUView's rules holds the same numbers as sad.npy, motion.npy and ab_sad.npy. Bad references
//! fail in one line with nothing left behind.
#![cfg(feature = "ffmpeg")]

use crate::common::ffmpeg_cli;
use crate::common::read_png_gray;
use crate::common::yuview_parse;

use ffmpeg_cli::{decode, ffmpeg, grainextract_luma, stats_lines};
use std::path::Path;
use std::process::Output;
use vidscope::reference::{block_stats, format_2dp, BlockGrid};
use yuview_parse::parse_yuview;

const FRAMES: usize = 10;

fn vidscope(dir: &Path, args: &[&str]) -> Output {
    crate::common::vidscope_cmd().current_dir(dir).args(args).output().expect("run vidscope")
}

/// A = the first FRAMES frames of the bundled clip, losslessly; B = a CRF 38 re-encode of A.
fn footage(dir: &Path) {
    let clip = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/clip.mp4");
    let frames = FRAMES.to_string();
    ffmpeg(dir, &["-i", clip.to_str().unwrap(), "-frames:v", &frames, "-c:v", "libx264", "-qp", "0", "a.mp4"]);
    ffmpeg(dir, &["-i", "a.mp4", "-c:v", "libx264", "-crf", "38", "b.mp4"]);
}

fn read_npy_u32(path: &Path) -> (Vec<u64>, Vec<u32>) {
    let bytes = std::fs::read(path).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().to_vec();
    (shape, npy.into_vec::<u32>().unwrap())
}

/// MS-SSIM per frame of a.mp4 against b.mp4 by scripts/ms_ssim_numpy.py, on the luma vidscope decodes.
fn numpy_ms_ssim(dir: &Path) -> Vec<f64> {
    let (w, h, a) = decode(&dir.join("a.mp4"));
    let (_, _, b) = decode(&dir.join("b.mp4"));
    std::fs::write(dir.join("a.gray"), a.concat()).unwrap();
    std::fs::write(dir.join("b.gray"), b.concat()).unwrap();
    let run = std::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/ms_ssim_numpy.py"))
        .args(["a.gray", "b.gray", &w.to_string(), &h.to_string()])
        .current_dir(dir)
        .output()
        .expect("run python3");
    assert!(run.status.success(), "ms_ssim_numpy.py: {}", String::from_utf8_lossy(&run.stderr));
    String::from_utf8_lossy(&run.stdout).lines().map(|l| l.parse().unwrap()).collect()
}

/// psnr.csv's chroma and MS-SSIM columns of frame t against FFmpeg's psnr stats line and NumPy's MS-SSIM.
fn check_chroma_and_ms_ssim(row: &[&str], log: &std::collections::HashMap<String, String>, ms_ssim: f64, t: usize) {
    let num = |i: usize| row[i].parse::<f64>().unwrap_or_else(|_| panic!("column {i} of frame {t}: {:?}", row[i]));
    for (i, key) in [(4, "mse_u"), (5, "mse_v"), (6, "psnr_u"), (7, "psnr_v")] {
        assert_eq!(format_2dp(num(i)), log[key], "{key} of frame {t}");
    }
    let (y, u, v) = (num(2), num(6), num(7));
    assert!((num(8) - (6.0 * y + u + v) / 8.0).abs() < 2e-6, "psnr_yuv_611 of frame {t}");
    assert!((num(9) - (4.0 * y + u + v) / 6.0).abs() < 2e-6, "psnr_yuv_411 of frame {t}");
    assert!((num(10) - ms_ssim).abs() < 2e-5, "ms_ssim_y of frame {t}: {} vs NumPy {ms_ssim}", num(10));
    assert!(u > y && num(10) < 1.0, "frame {t}: a lossy B");
}

#[test]
fn analyze_ref_matches_ffmpeg_psnr_ssim_grainextract_and_yuview_reads_the_same_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    footage(dir);
    let out = vidscope(
        dir,
        &[
            "analyze",
            "a.mp4",
            "--ref",
            "b.mp4",
            "-o",
            "out",
            "--range",
            "2",
            "--dump",
            "ab,ab-signed",
            "--yuview-csv",
            "stats.csv",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "analyze --ref failed: {stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("A/B: mean mse_y"), "the summary reports the A/B error");

    ffmpeg(dir, &["-i", "a.mp4", "-i", "b.mp4", "-lavfi", "[0:v][1:v]psnr=stats_file=psnr.log", "-f", "null", "-"]);
    ffmpeg(dir, &["-i", "a.mp4", "-i", "b.mp4", "-lavfi", "[0:v][1:v]ssim=stats_file=ssim.log", "-f", "null", "-"]);
    let (psnr_log, ssim_log) = (stats_lines(&dir.join("psnr.log")), stats_lines(&dir.join("ssim.log")));
    let csv = std::fs::read_to_string(dir.join("out/psnr.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("frame,mse_y,psnr_y,ssim_y,mse_u,mse_v,psnr_u,psnr_v,psnr_yuv_611,psnr_yuv_411,ms_ssim_y")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let numpy_ms_ssim = numpy_ms_ssim(dir);
    assert_eq!(rows.len(), FRAMES, "one row per compared frame");
    for (t, row) in rows.iter().enumerate() {
        assert_eq!(row[0], t.to_string());
        let (mse, psnr, ssim): (f64, f64, f64) =
            (row[1].parse().unwrap(), row[2].parse().unwrap(), row[3].parse().unwrap());
        assert_eq!(format_2dp(mse), psnr_log[t]["mse_y"], "mse_y of frame {t}");
        assert_eq!(format_2dp(psnr), psnr_log[t]["psnr_y"], "psnr_y of frame {t}");
        let theirs: f64 = ssim_log[t]["Y"].parse().unwrap();
        assert!((ssim - theirs).abs() < 0.001, "ssim_y of frame {t}: {ssim} vs FFmpeg {theirs}");
        check_chroma_and_ms_ssim(row, &psnr_log[t], numpy_ms_ssim[t], t);
    }

    let (w, h, a) = decode(&dir.join("a.mp4"));
    let (_, _, b) = decode(&dir.join("b.mp4"));
    let grain = grainextract_luma(dir, "a.mp4", "b.mp4", w, h);
    let grid = BlockGrid::new(w, h, 16);
    let (shape, ab_sad) = read_npy_u32(&dir.join("out/ab_sad.npy"));
    assert_eq!(shape, [FRAMES as u64, grid.blocks_y() as u64, grid.blocks_x() as u64]);
    let block = grid.len();
    for t in 0..FRAMES {
        assert!(
            read_png_gray(&dir.join(format!("out/ab-signed/{t:06}.png"))) == grain[t],
            "ab-signed {t} = grainextract"
        );
        let absdiff: Vec<u8> = a[t].iter().zip(&b[t]).map(|(x, y)| x.abs_diff(*y)).collect();
        assert!(read_png_gray(&dir.join(format!("out/ab/{t:06}.png"))) == absdiff, "ab {t} = |A - B|");
        let expected: Vec<u32> = block_stats(&a[t], &b[t], &grid).iter().map(|s| s.sad).collect();
        assert_eq!(&ab_sad[t * block..(t + 1) * block], &expected[..], "ab_sad.npy frame {t}");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["reference"]["input"], "b.mp4");
    for file in ["ab_sad.npy", "ab_sse.npy", "psnr.csv", "ab/", "ab-signed/"] {
        assert!(manifest["files"][file].is_object(), "manifest lists {file}");
    }

    // YUView's reading of our statistics file: the same numbers as the NPYs.
    let parsed = parse_yuview(&std::fs::read_to_string(dir.join("stats.csv")).unwrap());
    assert_eq!(parsed.size, (w as i32, h as i32));
    let id = |name: &str| *parsed.types.iter().find(|(_, t)| t.name == name).unwrap_or_else(|| panic!("type {name}")).0;
    let (_, sad) = read_npy_u32(&dir.join("out/sad.npy"));
    let motion_bytes = std::fs::read(dir.join("out/motion.npy")).unwrap();
    let motion: Vec<i32> = npyz::NpyFile::new(&motion_bytes[..]).unwrap().into_vec().unwrap();
    for t in 1..FRAMES {
        let p = t - 1;
        let sad_rows = &parsed.groups[&(t as i32, id("SAD"))];
        let mv_rows = &parsed.groups[&(t as i32, id("MV"))];
        for (i, r) in grid.rects().enumerate() {
            assert_eq!(
                (sad_rows[i].x, sad_rows[i].y, sad_rows[i].w, sad_rows[i].h),
                (r.x0 as i32, r.y0 as i32, r.w as i32, r.h as i32)
            );
            assert_eq!(sad_rows[i].values, [sad[p * block + i] as i32], "SAD POC {t} block {i}");
            assert_eq!(mv_rows[i].values, [motion[(p * block + i) * 2], motion[(p * block + i) * 2 + 1]], "MV POC {t}");
        }
    }
    for t in 0..FRAMES {
        let rows = &parsed.groups[&(t as i32, id("AB-SAD"))];
        let values: Vec<u32> = rows.iter().map(|r| r.values[0] as u32).collect();
        assert_eq!(&values[..], &ab_sad[t * block..(t + 1) * block], "AB-SAD POC {t}");
    }
    assert!(!parsed.groups.contains_key(&(0, id("SAD"))), "frame 0 has no pair statistics");
}

#[test]
fn bad_references_fail_in_one_line_and_leave_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    footage(dir);
    ffmpeg(dir, &["-i", "b.mp4", "-vf", "scale=320:180", "small.mp4"]);
    ffmpeg(dir, &["-i", "b.mp4", "-frames:v", "4", "short.mp4"]);
    let cases: [(&[&str], &str); 4] = [
        (&["analyze", "a.mp4", "--ref", "small.mp4", "-o", "out"], "small.mp4: 320x180 differs from a.mp4 (640x360)"),
        (
            &["analyze", "a.mp4", "--ref", "short.mp4", "-o", "out", "--range", "1"],
            "short.mp4: reference ended before frame 4",
        ),
        (
            &["analyze", "a.mp4", "--ref", "b.mp4", "--ref-start", "7", "-o", "out", "--range", "1"],
            "b.mp4: reference ended before frame 3",
        ),
        (&["analyze", "a.mp4", "-o", "out", "--dump", "ab"], "need a reference video"),
    ];
    for (args, needle) in cases {
        let out = vidscope(dir, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("vidscope: error:")).collect();
        assert_eq!(errors.len(), 1, "{args:?}: one error line: {stderr}");
        assert!(errors[0].contains(needle), "{args:?}: {:?} should say {needle:?}", errors[0]);
        assert!(!dir.join("out").exists(), "{args:?}: no output folder left");
    }
}
