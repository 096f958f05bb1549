//! `vidscope record` from the command line: frame counts and sizes of real files (decoded by the
//! `ffmpeg` CLI), odd output sizes, the arrows' `--min-gain`, and one-line errors with exit status 2
//! for bad arguments; also the bad-argument errors of `vidscope view` and plain `vidscope INPUT`,
//! which come before any window.
#![cfg(feature = "ffmpeg")]

use std::path::Path;
use std::process::{Command, Output};

use crate::common::CLIP;

use crate::common::vidscope;

/// (width, height, frames) of an MP4 as the ffmpeg CLI decodes it.
fn probe(path: &Path) -> (u32, u32, usize) {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0"])
        .args(["-show_entries", "stream=width,height,nb_read_frames", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .expect("run ffprobe");
    assert!(out.status.success(), "ffprobe failed on {}", path.display());
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Vec<u64> = text.trim().split(',').map(|x| x.parse().unwrap()).collect();
    (v[0] as u32, v[1] as u32, v[2] as usize)
}

fn assert_one_line_error(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "exit status; stderr:\n{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("vidscope: error:")).collect();
    assert_eq!(errors.len(), 1, "one error line expected:\n{stderr}");
    assert!(errors[0].contains(needle), "{:?} does not mention {needle:?}", errors[0]);
}

#[test]
fn records_the_frames_asked_for_at_even_and_odd_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a.mp4");
    let o = vidscope(&["record", CLIP, "-o", out.to_str().unwrap(), "--mode", "diff", "--frames", "5", "--start", "2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(probe(&out), (640, 360, 5));
    // yuv420p needs even sizes: an odd request is padded by one column/row (the picture is intact).
    let odd = dir.path().join("odd.mp4");
    let o = vidscope(&["record", CLIP, "-o", odd.to_str().unwrap(), "--size", "161x91", "--frames", "3"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(probe(&odd), (162, 92, 3));
    // Past the end of the clip: as many frames as there are.
    let tail = dir.path().join("tail.mp4");
    let o = vidscope(&["record", CLIP, "-o", tail.to_str().unwrap(), "--start", "57", "--frames", "10"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(probe(&tail).2, 3);
}

#[test]
fn bad_arguments_give_one_line_and_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.mp4");
    let o = out.to_str().unwrap();
    assert_one_line_error(&vidscope(&["record", "/nonexistent/clip.mp4", "-o", o]), "/nonexistent/clip.mp4");
    assert_one_line_error(&vidscope(&["record", CLIP, "-o", "/nonexistent/dir/x.mp4"]), "/nonexistent/dir");
    assert_one_line_error(&vidscope(&["record", CLIP, "-o", o, "--overlay", "glow"]), "--overlay glow");
    assert_one_line_error(&vidscope(&["record", CLIP, "-o", o, "--size", "0x10"]), "--size");
    assert_one_line_error(&vidscope(&["record", CLIP, "-o", o, "--trit-plane", "9"]), "--trit-plane 9");
    assert!(!out.exists(), "no output file after an error");
}

#[test]
fn view_and_plain_input_reject_bad_arguments_in_one_line_before_any_window() {
    // No display is needed: these fail before the viewer opens one.
    for args in [&["/nonexistent/clip.mp4"][..], &["view", "/nonexistent/clip.mp4"]] {
        assert_one_line_error(&vidscope(args), "/nonexistent/clip.mp4");
    }
    assert_one_line_error(&vidscope(&[CLIP, "--trit-plane", "9", "--quant", "3"]), "--trit-plane 9");
    assert_one_line_error(&vidscope(&["view", CLIP, "--record-dir", "/nonexistent/dir"]), "--record-dir");
}

#[test]
fn min_gain_takes_a_whole_number_from_zero_and_names_itself_otherwise() {
    // view, plain INPUT and record: before any window or file.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.mp4");
    let o = out.to_str().unwrap();
    for bad in ["-1", "x", "2.5"] {
        let expect = format!("'{bad}' for '--min-gain <G>'");
        assert_one_line_error(&vidscope(&["view", CLIP, "--min-gain", bad]), &expect);
        assert_one_line_error(&vidscope(&[CLIP, "--min-gain", bad]), &expect);
        assert_one_line_error(&vidscope(&["record", CLIP, "-o", o, "--overlay", "arrows", "--min-gain", bad]), &expect);
    }
    assert!(!out.exists(), "no output file after an error");
}

/// Chroma samples away from gray over every frame of a recording of a gray input: the arrows.
fn coloured_chroma(path: &Path) -> usize {
    let mut source = vidscope::video::open(path.to_str().unwrap()).expect("open the recording");
    let mut n = 0;
    while let Some(f) = source.next_frame().expect("decode the recording") {
        let c = f.chroma.expect("the recording has chroma");
        n += c.cb.iter().zip(&c.cr).filter(|(&b, &r)| b.abs_diff(128) > 12 || r.abs_diff(128) > 12).count();
    }
    n
}

#[test]
fn record_min_gain_hides_the_arrows_of_vectors_that_save_less() {
    // The synthetic clip is gray and moves by (2, 1): every vector saves SAD, none above 255 per pixel.
    let dir = tempfile::tempdir().unwrap();
    let record = |name: &str, min_gain: &str| {
        let out = dir.path().join(name);
        let o = out.to_str().unwrap();
        let args = ["record", "synthetic:160x120/4", "-o", o, "--overlay", "arrows", "--start", "1", "--frames", "2"];
        let run = vidscope(&[&args[..], &["--min-gain", min_gain]].concat());
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        coloured_chroma(&out)
    };
    let all = record("all.mp4", "0");
    assert!(all > 100, "only {all} coloured chroma samples with every arrow drawn");
    let none = record("none.mp4", "100000000");
    assert!(none < 5, "{none} coloured chroma samples with a gain no block reaches");
}

#[test]
fn record_with_a_reference_writes_one_frame_per_compared_frame_and_refuses_a_bad_reference() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ab.mp4");
    let o = out.to_str().unwrap();
    let v = vidscope(&["record", CLIP, "-o", o, "--ref", CLIP, "--ref-start", "10", "--mode", "ab-diff"]);
    // The clip has 60 frames: from frame 10 the reference runs out after 50 compared frames.
    assert_one_line_error(&v, "reference ended before frame 50");
    for mode in ["ab-diff", "ab-signed", "ab-mark", "b"] {
        let v = vidscope(&[
            "record",
            CLIP,
            "-o",
            o,
            "-y",
            "--ref",
            CLIP,
            "--ref-start",
            "2",
            "--mode",
            mode,
            "--frames",
            "4",
        ]);
        assert!(v.status.success(), "{mode}: {}", String::from_utf8_lossy(&v.stderr));
        assert_eq!(probe(&out), (640, 360, 4), "{mode}");
    }
    let v = vidscope(&["record", CLIP, "-o", o, "-y", "--ref", CLIP, "--overlay", "heatmap", "--metric", "ab-psnr"]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
    assert_eq!(probe(&out).2, 60);
    std::fs::remove_file(&out).unwrap();
    assert_one_line_error(&vidscope(&["record", CLIP, "-o", o, "--ref", "synthetic:64x64"]), "64x64 differs");
    assert_one_line_error(
        &vidscope(&["record", CLIP, "-o", o, "--ref", "/nonexistent/ref.mp4"]),
        "/nonexistent/ref.mp4",
    );
    assert_one_line_error(&vidscope(&["record", CLIP, "-o", o, "--ref", CLIP, "--ref-start", "60"]), "--ref-start 60");
    assert_one_line_error(&vidscope(&["record", CLIP, "-o", o, "--mode", "ab-diff"]), "--mode ab-diff");
    assert_one_line_error(&vidscope(&["record", CLIP, "-o", o, "--ref", CLIP, "--amplify", "65"]), "--amplify 65");
    assert!(!out.exists(), "no output file after an error");
}

#[test]
fn view_rejects_a_bad_reference_in_one_line_before_any_window() {
    assert_one_line_error(&vidscope(&["view", CLIP, "--ref", "/nonexistent/ref.mp4"]), "/nonexistent/ref.mp4");
    assert_one_line_error(&vidscope(&[CLIP, "--ref", "synthetic:64x64"]), "64x64 differs");
    assert_one_line_error(&vidscope(&[CLIP, "--mode", "ab-mark"]), "--mode ab-mark");
    assert_one_line_error(&vidscope(&["view", CLIP, "--ref", CLIP, "--wipe", "2"]), "--wipe 2");
}

/// Issue 14 item 5: containers that give no frame count (Matroska, MPEG-TS, ffv1, variable frame
/// rate) are recorded to their end — the count comes from the stream or stays unknown, never from
/// the frames seen so far.
#[test]
fn record_takes_every_frame_of_inputs_whose_container_has_no_frame_count() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[&str]); 4] = [
        ("clip.mkv", &["-c:v", "libx264", "-preset", "ultrafast"]),
        ("clip.ts", &["-c:v", "libx264", "-preset", "ultrafast"]),
        ("ffv1.mkv", &["-c:v", "ffv1"]),
        ("vfr.mkv", &["-vf", "setpts='if(eq(mod(N,3),0),PTS*1.5,PTS)'", "-fps_mode", "vfr", "-c:v", "libx264"]),
    ];
    for (name, codec) in cases {
        let input = dir.path().join(name);
        let made = Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-i", CLIP, "-frames:v", "14"])
            .args(codec)
            .arg(&input)
            .status()
            .unwrap();
        assert!(made.success(), "ffmpeg made {name}");
        let frames = probe_any(&input);
        let out = dir.path().join(format!("{name}.mp4"));
        let v = vidscope(&["record", input.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        assert!(v.status.success(), "{name}: {}", String::from_utf8_lossy(&v.stderr));
        assert_eq!(probe(&out).2, frames, "{name}: one recorded frame per decoded frame");
        assert!(frames >= 14, "{name} has its frames");
    }
}

/// Frames of any input as ffprobe counts them.
fn probe_any(path: &Path) -> usize {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames"])
        .args(["-of", "csv=p=0"])
        .arg(path)
        .output()
        .unwrap();
    // MPEG-TS lists the stream under its program too: the first count is the stream's.
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().find(|l| !l.trim().is_empty()).and_then(|l| l.trim().parse().ok()).expect("ffprobe frame count")
}

#[test]
fn inputs_and_sizes_beyond_the_device_limit_are_refused_before_anything_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let wide = dir.path().join("wide.y4m");
    let mut bytes = b"YUV4MPEG2 W20000 H16 F30:1 Ip A1:1 Cmono\n".to_vec();
    bytes.extend_from_slice(b"FRAME\n");
    bytes.extend(std::iter::repeat_n(128u8, 20000 * 16));
    std::fs::write(&wide, bytes).unwrap();
    let out = dir.path().join("x.mp4");
    let o = out.to_str().unwrap();
    assert_one_line_error(&vidscope(&["record", wide.to_str().unwrap(), "-o", o]), "maxImageDimension2D");
    assert_one_line_error(&vidscope(&["record", CLIP, "-o", o, "--size", "20000x16"]), "--size: 20000x16");
    let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(entries, vec![std::ffi::OsString::from("wide.y4m")], "no output or partial file");
}
