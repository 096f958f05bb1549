//! The flow view (colour wheel): `analyze --dump flow` against RAFT's flow_viz run by NumPy on the
//! vectors analyze wrote (an independent implementation), `record --mode flow` with its legend, and
//! the option's checks. The viewer's GPU drawing is held to the CPU reference in viewer_window.rs.

use crate::common::vidscope;
use crate::common::y4m::Y4m;
use std::path::Path;
use std::process::Command;

/// An odd size, so the last block row and column are edge blocks.
pub const W: u32 = 150;
pub const H: u32 = 90;

fn texture(x: i64, y: i64) -> u8 {
    ((x * 7 + y * 13 + ((x * y) >> 3) + ((x * x) >> 4)) & 0xff) as u8
}

/// Frame t: four quadrants moving (2, 1), (−3, 0), (0, −2) and (1, 3) pixels per frame, so the
/// vectors point four ways and the wheel shows four hues.
pub fn quadrants(t: usize) -> Vec<u8> {
    let t = t as i64;
    let mut f = vec![0u8; (W * H) as usize];
    for y in 0..H as i64 {
        for x in 0..W as i64 {
            let (mx, my) = match (x < W as i64 / 2, y < H as i64 / 2) {
                (true, true) => (2, 1),
                (false, true) => (-3, 0),
                (true, false) => (0, -2),
                (false, false) => (1, 3),
            };
            f[(y * W as i64 + x) as usize] = texture(x - mx * t, y - my * t);
        }
    }
    f
}

pub fn quadrant_clip(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("quadrants.y4m");
    Y4m::gray(W, H).write(&path, (0..6).map(quadrants));
    path
}

fn read_png_rgb(path: &Path) -> Vec<u8> {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height, info.color_type), (W, H, png::ColorType::Rgb), "{}", path.display());
    buf.truncate(info.buffer_size());
    buf
}

#[test]
fn dump_flow_equals_raft_flow_viz_on_the_vectors_analyze_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let clip = quadrant_clip(dir.path());
    let out = dir.path().join("out");
    let o = vidscope(&[
        "analyze",
        clip.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--range",
        "4",
        "--dump",
        "flow",
        "--flow-scale",
        "3",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["files"]["flow/"]["shape"], serde_json::json!([5, H, W, 3]));
    assert_eq!(manifest["files"]["flow/"]["dtype"], "png uint8 rgb");

    let expected = dir.path().join("expected.npy");
    let check = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/flow_viz_reference.py"))
        .args([out.to_str().unwrap(), "3", expected.to_str().unwrap()])
        .output()
        .expect("run python3");
    assert!(check.status.success(), "flow_viz_reference.py: {}", String::from_utf8_lossy(&check.stderr));
    let bytes = std::fs::read(&expected).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    assert_eq!(npy.shape(), &[5, u64::from(H), u64::from(W), 3]);
    let want: Vec<u8> = npy.into_vec().unwrap();
    let frame = (W * H * 3) as usize;
    let mut hues = std::collections::BTreeSet::new();
    for t in 1..=5usize {
        let got = read_png_rgb(&out.join(format!("flow/{t:06}.png")));
        let want = &want[(t - 1) * frame..t * frame];
        let differ = got.iter().zip(want).filter(|(a, b)| a != b).count();
        let first = got.chunks_exact(3).zip(want.chunks_exact(3)).position(|(a, b)| a != b);
        let at = first.map(|i| (i % W as usize, i / W as usize, &got[i * 3..i * 3 + 3], &want[i * 3..i * 3 + 3]));
        assert_eq!(
            differ, 0,
            "frame {t}: {differ} bytes differ from RAFT's flow_viz, first (x, y, ours, RAFT's): {at:?}"
        );
        hues.extend(got.chunks_exact(3).map(|p| [p[0], p[1], p[2]]));
    }
    assert!(hues.len() >= 4, "the four motions should give four colours, got {hues:?}");
    assert!(!out.join("flow/000000.png").exists(), "frame 0 has no pair, so no flow picture");
}

#[test]
fn record_in_flow_mode_draws_the_wheel_legend_in_the_corner() {
    let dir = tempfile::tempdir().unwrap();
    let clip = quadrant_clip(dir.path());
    let record = |mode: &str| {
        let out = dir.path().join(format!("{mode}.mp4"));
        let o = vidscope(&[
            "record",
            clip.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--mode",
            mode,
            "--range",
            "4",
            "--size",
            "320x192",
            "--frames",
            "2",
            "--start",
            "2",
        ]);
        assert!(o.status.success(), "record --mode {mode}: {}", String::from_utf8_lossy(&o.stderr));
        let rgb = Command::new("ffmpeg")
            .args(["-nostdin", "-v", "error", "-i", out.to_str().unwrap(), "-frames:v", "1", "-f", "rawvideo"])
            .args(["-pix_fmt", "rgb24", "-"])
            .output()
            .unwrap()
            .stdout;
        assert_eq!(rgb.len(), 320 * 192 * 3);
        rgb
    };
    // Saturated pixels in the bottom-right corner, by the channel that dominates.
    let corner_hues = |rgb: &[u8]| {
        let mut counts = [0usize; 3];
        for y in 192 - 60..192 {
            for x in 320 - 60..320 {
                let p = &rgb[(y * 320 + x) * 3..][..3];
                let (max, min) = (*p.iter().max().unwrap(), *p.iter().min().unwrap());
                if max > 150 && max - min > 90 {
                    counts[p.iter().position(|&c| c == max).unwrap()] += 1;
                }
            }
        }
        counts
    };
    let flow = corner_hues(&record("flow"));
    assert!(flow.iter().all(|&n| n > 20), "the wheel should show red, green and blue: {flow:?}");
    let raw = corner_hues(&record("raw"));
    assert_eq!(raw, [0, 0, 0], "a gray clip in raw mode has no saturated corner");
}

#[test]
fn a_bad_flow_scale_is_a_one_line_error() {
    for bad in ["0", "-2", "x", "2000", "nan"] {
        let flag = format!("--flow-scale={bad}");
        let o = vidscope(&["analyze", "synthetic:64x48", "--out", "/nonexistent/never", &flag]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "--flow-scale {bad} was accepted");
        assert_eq!(err.trim().lines().count(), 1, "--flow-scale {bad}: {err}");
        assert!(err.contains("--flow-scale"), "--flow-scale {bad}: {err}");
    }
}
