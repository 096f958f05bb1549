//! `analyze --codec-mvs` end to end: codec_mvs.csv equals the side data FFmpeg itself exports for the
//! same file (read by `codec_mvs_reader.c`, FFmpeg's extract_mvs example compiled here against
//! libavcodec, no vidscope code) on an H.264 clip with B-frames; codec_epe.npy is
//! `reference::codec_epe` of those vectors and motion.npy, and on the known motion of assets/clip.mp4
//! (every block moves by (2, 1)) the codec's past vectors agree with the search; a source FFmpeg does
//! not decode is a one-line error.

use crate::common::ffmpeg_cli::ffmpeg;
use crate::common::{symbol_modes, vidscope};
use std::path::{Path, PathBuf};
use std::process::Command;
use vidscope::codec_mv::CodecMotionVector;
use vidscope::reference::{codec_epe, BlockGrid, MotionVector};

const CLIP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/clip.mp4");
const HEADER: &str = "frame,source,w,h,src_x,src_y,dst_x,dst_y,motion_x,motion_y,motion_scale";

/// assets/clip.mp4 re-encoded with libx264 and these options (the asset itself has no B-frames).
fn encode(dir: &Path, name: &str, x264: &[&str]) -> PathBuf {
    let args = [&["-i", CLIP, "-an", "-c:v", "libx264", "-preset", "fast", "-crf", "23"], x264, &[name]].concat();
    ffmpeg(dir, &args);
    dir.join(name)
}

/// The picture types of every frame in output order, as ffprobe reads them (I, P, B).
fn picture_types(path: &Path) -> String {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pict_type", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .expect("run ffprobe");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // A frame with side data prints a second, empty field ("I,").
    String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| l.split(',').next()).collect()
}

/// Compiles the independent reader against FFmpeg's libraries (cc and pkg-config, as scripts/setup.sh
/// installs them).
fn build_reader(dir: &Path) -> PathBuf {
    let flags = Command::new("pkg-config")
        .args(["--cflags", "--libs", "libavformat", "libavcodec", "libavutil"])
        .output()
        .expect("run pkg-config");
    assert!(flags.status.success(), "{}", String::from_utf8_lossy(&flags.stderr));
    let exe = dir.join("codec_mvs_reader");
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/suite/codec_mvs_reader.c");
    let out = Command::new("cc")
        .args(["-O1", "-Wall", "-Werror", "-o"])
        .arg(&exe)
        .arg(source)
        .args(String::from_utf8_lossy(&flags.stdout).split_whitespace())
        .output()
        .expect("run cc");
    assert!(out.status.success(), "cc failed: {}", String::from_utf8_lossy(&out.stderr));
    exe
}

fn analyze(input: &Path, out: &Path) {
    let o = vidscope(&["analyze", input.to_str().unwrap(), "--codec-mvs", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn read_npy<T: npyz::Deserialize>(path: &Path) -> (Vec<u64>, Vec<T>) {
    let bytes = std::fs::read(path).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    (npy.shape().to_vec(), npy.into_vec().unwrap())
}

/// codec_mvs.csv's rows as (frame, vector).
fn read_rows(path: &Path) -> Vec<(usize, CodecMotionVector)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(HEADER));
    lines
        .map(|line| {
            let v: Vec<i64> = line.split(',').map(|f| f.parse().unwrap()).collect();
            let mv = CodecMotionVector {
                source: v[1] as i32,
                w: v[2] as u8,
                h: v[3] as u8,
                src_x: v[4] as i16,
                src_y: v[5] as i16,
                dst_x: v[6] as i16,
                dst_y: v[7] as i16,
                motion_x: v[8] as i32,
                motion_y: v[9] as i32,
                motion_scale: v[10] as u16,
            };
            (v[0] as usize, mv)
        })
        .collect()
}

#[test]
fn codec_mvs_csv_equals_the_side_data_ffmpeg_exports() {
    let dir = tempfile::tempdir().unwrap();
    let clip = encode(dir.path(), "bframes.mp4", &["-bf", "2", "-g", "30"]);
    // The premise: a real H.264 stream with B-frames, so both directions occur.
    assert!(picture_types(&clip).contains('B'), "no B-frames in {}", clip.display());
    let out = dir.path().join("out");
    analyze(&clip, &out);
    let ours = std::fs::read_to_string(out.join("codec_mvs.csv")).unwrap();

    let reader = build_reader(dir.path());
    let o = Command::new(&reader).arg(&clip).output().expect("run the reader");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let theirs = String::from_utf8(o.stdout).unwrap();

    let (ours, theirs): (Vec<&str>, Vec<&str>) = (ours.lines().collect(), theirs.lines().collect());
    assert_eq!(ours.len(), theirs.len(), "row counts differ");
    for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        assert_eq!(a, b, "row {i}");
    }
    let rows = read_rows(&out.join("codec_mvs.csv"));
    assert!(rows.iter().any(|(_, m)| m.source < 0) && rows.iter().any(|(_, m)| m.source > 0));
    // Every frame of the clip came out (the last frame's vectors too).
    assert_eq!(rows.last().map(|r| r.0), Some(59));

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["files"]["codec_mvs.csv"]["shape"][0], rows.len());
    assert_eq!(manifest["files"]["codec_epe.npy"]["shape"][0], 59);
    assert_eq!(manifest["settings"]["codec_mvs"], true);
}

#[test]
fn codec_epe_is_the_reference_and_small_on_known_motion() {
    let dir = tempfile::tempdir().unwrap();
    // P-frames from the previous frame only, an intra frame at 30: the codec's reference is frame t − 1.
    let x264 = ["-bf", "0", "-refs", "1", "-g", "30", "-keyint_min", "30", "-sc_threshold", "0"];
    let clip = encode(dir.path(), "pframes.mp4", &x264);
    assert_eq!(&picture_types(&clip)[..31], format!("I{}I", "P".repeat(29)));
    let out = dir.path().join("out");
    analyze(&clip, &out);

    let rows = read_rows(&out.join("codec_mvs.csv"));
    let (shape, epe) = read_npy::<f32>(&out.join("codec_epe.npy"));
    let (_, motion) = read_npy::<i32>(&out.join("motion.npy"));
    let grid = BlockGrid::new(640, 360, 16);
    let n = grid.len();
    assert_eq!(shape, [59, grid.blocks_y() as u64, grid.blocks_x() as u64]);
    for p in 0..59 {
        let mvs: Vec<CodecMotionVector> = rows.iter().filter(|(t, _)| *t == p + 1).map(|(_, m)| *m).collect();
        let search: Vec<MotionVector> = (0..n)
            .map(|i| MotionVector { dx: motion[(p * n + i) * 2], dy: motion[(p * n + i) * 2 + 1], sad: 0 })
            .collect();
        let want = codec_epe(&grid, &mvs, &search);
        let got = &epe[p * n..(p + 1) * n];
        for (i, (w, g)) in want.iter().zip(got).enumerate() {
            assert!(w.to_bits() == g.to_bits(), "pair {p} block {i}: {g}, want {w}");
        }
    }
    // The intra frame 30 has no vectors: pair 29 is all NaN; the P-frames cover most blocks.
    assert!(rows.iter().all(|(t, _)| *t != 30 && *t != 0));
    assert!(epe[29 * n..30 * n].iter().all(|e| e.is_nan()));
    let covered: Vec<f32> = epe.iter().copied().filter(|e| !e.is_nan()).collect();
    assert!(covered.len() > 50 * n, "{} blocks covered", covered.len());
    // Sign and units: the codec's vector is the search's (2, 1) on most blocks (a flipped sign or
    // a forgotten motion_scale would give EPE ≥ 2 there).
    let exact = covered.iter().filter(|&&e| e == 0.0).count();
    assert!(exact * 10 > covered.len() * 9, "{exact} of {} blocks agree", covered.len());
}

#[test]
fn codec_mvs_needs_an_input_ffmpeg_decodes() {
    let dir = tempfile::tempdir().unwrap();
    let y4m = dir.path().join("gray.y4m");
    crate::common::y4m::Y4m::gray(32, 16).write(&y4m, (0..2).map(|i| vec![i as u8; 32 * 16]));
    let out = dir.path().join("out");
    for input in [y4m.to_str().unwrap(), "synthetic:64x48"] {
        let o = vidscope(&["analyze", input, "--codec-mvs", "--out", out.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{input}: accepted");
        let last = err.trim().lines().last().unwrap_or_default();
        assert!(last.contains(input) && last.contains("--codec-mvs"), "{input}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!out.exists(), "{input}: an output folder was left");
    }
}

/// Of the pixels that differ between `plain` and `drawn` (RGB24), those `drawn` shows in the colour of
/// the bb arrows (magenta) and of the bf arrows (green).
fn arrow_coloured(plain: &[u8], drawn: &[u8]) -> (usize, usize) {
    let changed = || {
        plain
            .chunks_exact(3)
            .zip(drawn.chunks_exact(3))
            .filter(|(a, b)| a.iter().zip(b.iter()).any(|(x, y)| x.abs_diff(*y) > 60))
            .map(|(_, b)| b)
    };
    let magenta = changed().filter(|p| p[0] > 150 && p[1] < 140 && p[2] > 150).count();
    let green = changed().filter(|p| p[0] < 140 && p[1] > 150 && p[2] < 170).count();
    (magenta, green)
}

#[test]
fn record_draws_both_directions_of_a_b_picture() {
    let dir = tempfile::tempdir().unwrap();
    let clip = encode(dir.path(), "bframes.mp4", &["-bf", "2", "-g", "30"]);
    let types = picture_types(&clip);
    let b = types.find('B').expect("a B picture");
    let frame = |overlay: &str, name: &str| {
        let out = dir.path().join(name);
        let start = b.to_string();
        let (clip, out_s) = (clip.to_str().unwrap(), out.to_str().unwrap());
        let o = vidscope(&["record", clip, "-o", out_s, "--start", &start, "-n", "1", "--overlay", overlay]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let rgb = dir.path().join(format!("{name}.rgb"));
        let args = ["-i", out_s, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", rgb.to_str().unwrap()];
        ffmpeg(dir.path(), &args);
        std::fs::read(&rgb).unwrap()
    };
    let (plain, drawn) = (frame("", "plain.mkv"), frame("codec-mvs", "codec.mkv"));
    assert_eq!(plain.len(), drawn.len());
    let (magenta, green) = arrow_coloured(&plain, &drawn);
    assert!(magenta > 300 && green > 300, "changed to magenta {magenta}, to green {green}");
}

/// The decoded Y plane of `clip`'s 4:2:0 frames as stored (ffmpeg CLI, rawvideo yuv420p: no range conversion).
fn decoded_luma(clip: &Path, w: usize, h: usize) -> Vec<Vec<u8>> {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i", clip.to_str().unwrap(), "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    out.stdout.chunks_exact(w * h * 3 / 2).map(|f| f[..w * h].to_vec()).collect()
}

#[test]
fn motion_codec_predicts_each_block_from_its_covering_codec_vector() {
    // --motion codec: the past vector covering each block's centre predicts it as a translation warp
    // (zero motion where none covers it); the MC-SAD is that prediction's, the symbol headers mode 2.
    use vidscope::reference::{block_stats, codec_translations, warp_predict};
    let dir = tempfile::tempdir().unwrap();
    let x264 = ["-bf", "0", "-refs", "1", "-g", "30", "-keyint_min", "30", "-sc_threshold", "0"];
    let clip = encode(dir.path(), "pframes.mp4", &x264);
    let out = dir.path().join("out");
    let o = vidscope(&[
        "analyze",
        clip.to_str().unwrap(),
        "--codec-mvs",
        "--motion",
        "codec",
        "--frames",
        "33",
        "--export",
        "symbols",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = read_rows(&out.join("codec_mvs.csv"));
    let (_, mc_sad) = read_npy::<u32>(&out.join("mc_sad.npy"));
    let frames = decoded_luma(&clip, 640, 360);
    let grid = BlockGrid::new(640, 360, 16);
    let n = grid.len();
    let mut moved = 0;
    for p in 0..32 {
        let mvs: Vec<CodecMotionVector> = rows.iter().filter(|(t, _)| *t == p + 1).map(|(_, m)| *m).collect();
        let params = codec_translations(&grid, &mvs);
        moved += params.iter().filter(|w| w.tx != 0.0 || w.ty != 0.0).count();
        let pred = warp_predict(&frames[p], &grid, &params);
        let want: Vec<u32> = block_stats(&frames[p + 1], &pred, &grid).iter().map(|s| s.sad).collect();
        assert_eq!(&mc_sad[p * n..(p + 1) * n], &want[..], "pair {p}: MC-SAD of the codec's prediction");
    }
    assert!(moved > 20 * n, "most blocks have a codec vector ({moved})");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["settings"]["motion"], "codec");
    assert!(manifest["prediction"].as_str().unwrap().starts_with("codec motion vectors"), "{}", manifest["prediction"]);
    assert!(symbol_modes(&out).iter().all(|&m| m == 2), "translation headers (mode 2)");

    // A source whose decoder has no vectors cannot drive the prediction.
    let o =
        vidscope(&["analyze", "synthetic:64x48", "--motion", "codec", "--out", dir.path().join("x").to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.trim().lines().count() <= 2, "{err}");
    assert!(err.contains("synthetic"), "{err}");
}
