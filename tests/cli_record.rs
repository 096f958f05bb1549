//! `vidscope record` from the command line: frame counts and sizes of real files (decoded by the
//! `ffmpeg` CLI), odd output sizes, and one-line errors with exit status 2 for bad arguments; also
//! the bad-argument errors of `vidscope view` and plain `vidscope INPUT`, which come before any window.
#![cfg(feature = "ffmpeg")]

use std::path::Path;
use std::process::{Command, Output};

const CLIP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/clip.mp4");

fn vidscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vidscope")).args(["--validation", "on"]).args(args).output().expect("run vidscope")
}

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
