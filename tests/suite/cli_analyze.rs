//! `vidscope analyze` end to end: exact against NumPy on ffmpeg-decoded luma, and one-line errors
//! with exit status 2 (and no output folder) for every kind of bad input.
#![cfg(feature = "ffmpeg")]

use std::path::Path;
use std::process::{Command, Output};

use crate::common::vidscope;

fn ffmpeg(args: &[&str]) {
    let status = Command::new("ffmpeg").args(["-v", "error", "-y"]).args(args).status().expect("run ffmpeg");
    assert!(status.success(), "ffmpeg {args:?} failed");
}

/// Asserts a clean failure: exit 2, exactly one stderr line starting `vidscope: error:` that contains
/// `needle`, no panic, and no output folder left behind.
fn assert_clean_error(out: &Output, needle: &str, out_dir: &Path) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<_> = stderr.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(out.status.code(), Some(2), "exit status; stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    assert_eq!(errors.len(), 1, "exactly one error line: {stderr}");
    assert!(errors[0].starts_with("vidscope: error: "), "error line format: {stderr}");
    assert!(errors[0].contains(needle), "error line should mention {needle:?}: {stderr}");
    assert!(!out_dir.exists(), "no output folder may be left after an error");
    let parent = out_dir.parent().unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(parent)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".partial-"))
        .collect();
    assert!(leftovers.is_empty(), "staging folder left behind");
}

#[test]
fn analyze_odd_size_h264_equals_numpy_on_ffmpeg_luma_and_tblend_diff() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("odd.mp4");
    let clip = clip.to_str().unwrap();
    // 1279x719 needs 4:4:4 in H.264 (4:2:0 forces even sizes); the crop moves content by (3, 1) per frame.
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=1400x800:rate=30,format=yuv444p",
        "-vf",
        "crop=1279:719:x='3*n':y='n'",
        "-frames:v",
        "8",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv444p",
        clip,
    ]);
    let out_dir = dir.path().join("out");
    let out = vidscope(&[
        "analyze",
        clip,
        "--out",
        out_dir.to_str().unwrap(),
        "--dump",
        "raw,diff,predicted,residual",
        "--block",
        "16",
        "--range",
        "3",
        "--quant",
        "5",
        // The large outputs the checks below read (symbols.bin, stats.csv) are written on request.
        "--export",
        "all",
    ]);
    assert!(out.status.success(), "analyze failed: {}", String::from_utf8_lossy(&out.stderr));
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("8 frames (7 pairs) of 1279x719"), "summary line: {summary}");
    let files = [
        "manifest.json",
        "sad.npy",
        "sse.npy",
        "mean.npy",
        "motion.npy",
        "mc_sad.npy",
        "mc_sse.npy",
        "stats.csv",
        "rate.npy",
        "symbols.bin",
    ];
    let dumps = ["raw/000000.png", "diff/000007.png", "predicted/000001.png", "residual/000007.png"];
    for name in files.iter().chain(&dumps) {
        assert!(out_dir.join(name).is_file(), "{name} missing");
    }
    assert!(!out_dir.join("diff/000000.png").exists(), "frame 0 has no pair, so no diff");
    let csv = std::fs::read_to_string(out_dir.join("stats.csv")).unwrap();
    // The promised columns first, unchanged; the rate columns (issue 7) and decode_errors (issue 14)
    // appended after them.
    let header = csv.lines().next().unwrap();
    assert!(header.starts_with("pair,by,bx,sad,sse,mean_cur,mean_ref,dx,dy,mc_sad,mc_sse,"), "{header}");
    assert_eq!(
        header,
        "pair,by,bx,sad,sse,mean_cur,mean_ref,dx,dy,mc_sad,mc_sse,mv_bits,residual_bits,rate_bits,decode_errors"
    );
    assert_eq!(csv.lines().count(), 1 + 7 * 45 * 80, "one row per (pair, block)");

    let check = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/check_against_ffmpeg.py"))
        .args([clip, out_dir.to_str().unwrap()])
        .output()
        .expect("run python3");
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "NumPy check failed:\n{report}{}", String::from_utf8_lossy(&check.stderr));
    assert!(report.contains("sad.npy: (7, 45, 80) uint32 equal to NumPy"), "{report}");
    assert!(report.contains("7 frames equal to ffmpeg tblend"), "{report}");
    assert!(report.contains("motion.npy: (7, 45, 80, 2) int32 equal to NumPy"), "{report}");
    assert!(report.contains("mc_sse.npy: (7, 45, 80) uint32 equal to NumPy"), "{report}");
    assert!(report.contains("symbols.bin: (7, 45, 80, 16, 16) levels at Q = 5 and headers equal to NumPy"), "{report}");
}

#[test]
fn bad_inputs_fail_with_one_line_naming_the_file_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    let out_dir = p("out");
    let out_arg = out_dir.to_str().unwrap().to_string();

    std::fs::write(p("empty.mp4"), b"").unwrap();
    std::fs::write(p("notes.mp4"), b"this is not a video, just text\n".repeat(100)).unwrap();
    let clip = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/clip.mp4")).unwrap();
    std::fs::write(p("truncated.mp4"), &clip[..clip.len() * 3 / 10]).unwrap();
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x48:rate=5",
        "-frames:v",
        "3",
        "-c:v",
        "ffv1",
        "-pix_fmt",
        "rgb24",
        p("rgb.mkv").to_str().unwrap(),
    ]);

    let cases: Vec<(String, &str)> = vec![
        (p("missing.mp4").to_string_lossy().into_owned(), "missing.mp4"),
        (p("empty.mp4").to_string_lossy().into_owned(), "empty.mp4"),
        (p("notes.mp4").to_string_lossy().into_owned(), "notes.mp4"),
        (p("rgb.mkv").to_string_lossy().into_owned(), "unsupported pixel format"),
    ];
    for (input, needle) in &cases {
        let out = vidscope(&["analyze", input, "--out", &out_arg]);
        assert_clean_error(&out, needle, &out_dir);
    }
    // A truncated file is decoded as far as it goes, as ffmpeg does, with one warning (issue 14); only
    // --strict makes the damage an error.
    let truncated = p("truncated.mp4").to_string_lossy().into_owned();
    let out = vidscope(&["analyze", &truncated, "--out", &out_arg, "--range", "1"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("vidscope: warning:") && l.contains("truncated.mp4")).count(),
        1
    );
    std::fs::remove_dir_all(&out_dir).unwrap();
    let out = vidscope(&["analyze", &truncated, "--out", &out_arg, "--strict"]);
    assert_clean_error(&out, "--strict", &out_dir);
    let out = vidscope(&["analyze", "synthetic:32x32", "--out", &out_arg, "--block", "12"]);
    assert_clean_error(&out, "--block 12", &out_dir);
    let out = vidscope(&["analyze", "synthetic:0x32", "--out", &out_arg]);
    assert_clean_error(&out, "synthetic", &out_dir);
}

#[test]
fn no_vulkan_device_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out = Command::new(env!("CARGO_BIN_EXE_vidscope"))
        .args(["--validation", "off", "analyze", "synthetic:32x32", "--out", out_dir.to_str().unwrap()])
        .env("VK_DRIVER_FILES", "/nonexistent/icd.json")
        .env("VK_ICD_FILENAMES", "/nonexistent/icd.json")
        .output()
        .unwrap();
    assert_clean_error(&out, "no Vulkan device", &out_dir);
    let out =
        vidscope(&["--gpu", "no-such-gpu-name", "analyze", "synthetic:32x32", "--out", out_dir.to_str().unwrap()]);
    assert_clean_error(&out, "--gpu", &out_dir);
}

#[test]
fn analyze_replaces_an_earlier_output_but_never_a_foreign_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out_arg = out_dir.to_str().unwrap();
    for _ in 0..2 {
        let out = vidscope(&["analyze", "synthetic:40x24", "--frames", "3", "--out", out_arg]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let foreign = dir.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("thesis.tex"), b"precious").unwrap();
    let out = vidscope(&["analyze", "synthetic:40x24", "--frames", "3", "--out", foreign.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(foreign.join("thesis.tex").is_file(), "a foreign folder must be left alone");
}

/// A gray `.y4m` of `frames` frames of `w x h`.
fn gray_y4m(path: &Path, w: usize, h: usize, frames: usize) {
    let luma = |t: usize| (0..w * h).map(|i| ((i + t) % 251) as u8).collect();
    crate::common::y4m::Y4m::gray(w as u32, h as u32).write(path, (0..frames).map(luma));
}

#[test]
fn frames_larger_than_the_device_allows_are_a_one_line_error_before_any_output() {
    // lavapipe's maxImageDimension2D is 16384: 20000x16 once reached vkCreateImage, wrote out/ and
    // (with --validation off) exited 0.
    let dir = tempfile::tempdir().unwrap();
    let wide = dir.path().join("wide.y4m");
    gray_y4m(&wide, 20000, 16, 2);
    let out_dir = dir.path().join("out");
    for validation in ["on", "off"] {
        let out = Command::new(env!("CARGO_BIN_EXE_vidscope"))
            .args(["--validation", validation, "analyze", wide.to_str().unwrap(), "--out", out_dir.to_str().unwrap()])
            .output()
            .unwrap();
        assert_clean_error(&out, "maxImageDimension2D", &out_dir);
        assert!(String::from_utf8_lossy(&out.stderr).contains("20000x16"));
    }
}

/// The device's largest image side, as vidscope's context reports it.
fn device_max_image_side() -> u32 {
    use vidscope::gpu::{GpuContext, GpuOptions, ValidationMode};
    GpuContext::new(&GpuOptions { validation: ValidationMode::Off, gpu: None }).unwrap().max_image_side()
}

#[test]
fn widths_up_to_the_devices_limit_are_analyzed_and_wider_ones_refused_before_anything_is_written() {
    // The motion search's work images are padded (the ref quads on CPU devices are W + 144 wide):
    // widths just under the limit must still run, with every image checked before it is created.
    let max = device_max_image_side();
    let dir = tempfile::tempdir().unwrap();
    let analyze_width = |w: u32| {
        let out = dir.path().join(format!("w{w}"));
        let input = format!("synthetic:{w}x8");
        let o = vidscope(&["analyze", &input, "--frames", "2", "--range", "1", "--out", out.to_str().unwrap()]);
        (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned(), out)
    };
    for w in [max - 145, max - 144, max - 143, max - 64, max - 1, max] {
        let (code, stderr, out) = analyze_width(w);
        assert_eq!(code, Some(0), "width {w}: {stderr}");
        assert!(!stderr.contains("report this bug"), "width {w}: {stderr}");
        assert!(out.join("manifest.json").is_file(), "width {w}");
    }
    for w in [max + 1, max + 144] {
        let (code, stderr, out) = analyze_width(w);
        assert_eq!(code, Some(2), "width {w}: {stderr}");
        assert!(stderr.contains("larger than the Vulkan device"), "width {w}: {stderr}");
        assert!(!out.exists(), "width {w}: no output folder");
    }
}

#[test]
fn inputs_and_outputs_with_non_utf8_names_work_and_leave_no_alias_behind() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join(OsStr::from_bytes(b"caf\xe9.y4m"));
    gray_y4m(&input, 32, 16, 3);
    let out = dir.path().join(OsStr::from_bytes(b"r\xe9sultats"));
    let o = Command::new(env!("CARGO_BIN_EXE_vidscope"))
        .args(["--validation", "on", "analyze"])
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("caf_.y4m"), "the input is named by its alias");
    assert!(input.is_file(), "the input is untouched");
    let aliases: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("vidscope-inputs-"))
        .filter(|e| e.path().join("caf_.y4m").symlink_metadata().is_ok())
        .collect();
    assert!(aliases.is_empty(), "alias folders left: {:?}", aliases.iter().map(|e| e.path()).collect::<Vec<_>>());
}

/// `--block`, `--range` and `--quant` are parsed once, into the checked types, by every subcommand
/// that takes them; a bad value (or a bad `--mode`) is one error line naming the option, exit 2.
#[test]
fn a_bad_value_of_a_checked_option_is_one_line_in_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = out.to_str().unwrap();
    let commands: [&[&str]; 4] = [
        &["analyze", "synthetic:32x32", "--out", o],
        &["bench", "synthetic:32x32"],
        &["record", "synthetic:32x32", "-o", o],
        &["view", "synthetic:32x32"],
    ];
    for command in commands {
        let mut bad: Vec<[&str; 2]> = vec![["--block", "12"], ["--quant", "0"], ["--block", "x"]];
        if command[0] != "view" {
            bad.push(["--range", "65"]);
        }
        if matches!(command[0], "view" | "record") {
            bad.push(["--mode", "bogus"]);
        }
        for [flag, value] in bad {
            let run = vidscope(&[command, &[flag, value]].concat());
            let stderr = String::from_utf8_lossy(&run.stderr);
            assert_eq!(run.status.code(), Some(2), "{command:?} {flag} {value}: {stderr}");
            let lines: Vec<&str> = stderr.lines().collect();
            assert_eq!(lines.len(), 1, "{command:?} {flag} {value}: one line: {stderr}");
            assert!(lines[0].starts_with("vidscope: error: ") && lines[0].contains(flag), "{stderr}");
            assert!(!out.exists());
        }
    }
}
