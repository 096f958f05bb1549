//! Honest metadata (issue 14): the binary says which of several video streams it reads and takes
//! `--stream N`, reports an ignored display rotation and the field order of interlaced input,
//! refuses pipes in one line, and reads image sequences (`f%03d.png`) with their true frame count.
//! Inputs are made here with the ffmpeg CLI (or written by hand: y4m headers, a FIFO).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::common::vidscope;

#[cfg(feature = "ffmpeg")]
fn ffmpeg(args: &[&str]) {
    let status =
        Command::new("ffmpeg").args(["-nostdin", "-v", "error", "-y"]).args(args).status().expect("run ffmpeg");
    assert!(status.success(), "ffmpeg {args:?} failed");
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn warnings(o: &Output) -> Vec<String> {
    stderr(o).lines().filter(|l| l.starts_with("vidscope: warning:")).map(String::from).collect()
}

/// Exit 2, one `vidscope: error:` line holding every needle, no panic.
fn assert_one_line_error(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].starts_with("vidscope: error: "), "{err}");
    for n in needles {
        assert!(lines[0].contains(n), "{:?} lacks {n:?}", lines[0]);
    }
}

/// `analyze INPUT --out DIR/name.out --range 1 EXTRA`; returns the output and the folder.
fn analyze(dir: &Path, input: &str, name: &str, extra: &[&str]) -> (Output, PathBuf) {
    let out = dir.join(format!("{name}.out"));
    let args = [&["analyze", input, "--out", out.to_str().unwrap(), "--range", "1"], extra].concat();
    (vidscope(&args), out)
}

fn manifest(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("manifest.json")).expect("manifest.json")).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[cfg(feature = "ffmpeg")]
#[test]
fn several_video_streams_say_which_is_read_and_stream_n_picks_another() {
    let dir = tempfile::tempdir().unwrap();
    let two = dir.path().join("two.mkv");
    // #0:0 audio, #0:1 video 64x48, #0:2 video 32x24: video stream N is not stream index N.
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=duration=0.5",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x48:rate=10",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=32x24:rate=10",
        "-map",
        "0:a",
        "-map",
        "1:v",
        "-map",
        "2:v",
        "-t",
        "0.5",
        "-c:v",
        "libx264",
        "-c:a",
        "aac",
        s(&two),
    ]);
    let (o, out) = analyze(dir.path(), s(&two), "default", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = manifest(&out);
    assert_eq!(m["video_streams"], 2);
    let picked = m["video_stream"].as_u64().unwrap();
    let w = warnings(&o);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains(&format!("two.mkv: 2 video streams; reading video stream {picked} ("))
            && w[0].contains("choose another with --stream N (0..=1)"),
        "{w:?}"
    );

    let (o, out) = analyze(dir.path(), s(&two), "second", &["--stream", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = manifest(&out);
    assert_eq!((m["video_stream"].as_u64(), m["stream_index"].as_u64()), (Some(1), Some(2)));
    assert_eq!((m["width"].as_u64(), m["height"].as_u64()), (Some(32), Some(24)));
    assert!(warnings(&o)[0].contains("reading video stream 1 (h264 32x24 (#0:2), as asked)"), "{:?}", warnings(&o));

    let (o, out) = analyze(dir.path(), s(&two), "first", &["--stream", "0"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!((manifest(&out)["stream_index"].as_u64(), manifest(&out)["width"].as_u64()), (Some(1), Some(64)));

    let (o, out) = analyze(dir.path(), s(&two), "bad", &["--stream", "2"]);
    assert_one_line_error(
        &o,
        &["two.mkv: --stream 2: no such video stream; it has 2: 0 = h264 64x48 (#0:1), 1 = h264 32x24 (#0:2)"],
    );
    assert!(!out.exists());

    // record, bench (and view, through the same probe) take it too.
    let rec = dir.path().join("r.mp4");
    let o = vidscope(&["record", s(&two), "--stream", "1", "-o", s(&rec), "--frames", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0"])
        .arg(&rec)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&probe.stdout).trim(), "32,24");
    let o = vidscope(&["bench", s(&two), "--stream", "1", "--frames", "2", "--passes", "diff", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = vidscope(&["bench", s(&two), "--stream", "5", "--frames", "2"]);
    assert_one_line_error(&o, &["--stream 5: no such video stream"]);
    let o = vidscope(&["view", s(&two), "--stream", "5"]);
    assert_one_line_error(&o, &["--stream 5: no such video stream"]);

    // A single-stream file: no notice, and only --stream 0 exists.
    let one = dir.path().join("one.mp4");
    ffmpeg(&["-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10", "-frames:v", "3", "-c:v", "libx264", s(&one)]);
    let (o, out) = analyze(dir.path(), s(&one), "one", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(warnings(&o).is_empty(), "{:?}", warnings(&o));
    assert_eq!((manifest(&out)["video_streams"].as_u64(), manifest(&out)["video_stream"].as_u64()), (Some(1), Some(0)));
    let (o, _) = analyze(dir.path(), s(&one), "one-bad", &["--stream", "1"]);
    assert_one_line_error(&o, &["one.mp4: --stream 1: no such video stream; it has 1: 0 = h264"]);
}

#[test]
fn sources_with_one_stream_refuse_other_stream_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let (o, _) = analyze(dir.path(), "synthetic:32x16", "syn", &["--stream", "1", "--frames", "2"]);
    assert_one_line_error(&o, &["synthetic:32x16: --stream 1: no such video stream; it has 1"]);
    let (o, out) = analyze(dir.path(), "synthetic:32x16", "syn0", &["--stream", "0", "--frames", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(manifest(&out)["video_streams"], 1);
}

/// Stream-copies `plain` to `rotated` with a display matrix of 90° (ffprobe: rotation=90). FFmpeg 6
/// and later take the `-display_rotation` input option; FFmpeg 5 (Debian 12) has no such option and
/// writes the matrix from a `rotate` tag instead, which FFmpeg 7 (Debian 13) ignores. Checked with
/// ffprobe, so a missing matrix fails here and not as a wrong reading by vidscope.
#[cfg(feature = "ffmpeg")]
fn rotate_90(plain: &Path, rotated: &Path) {
    let by_option = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-display_rotation", "90", "-i", s(plain), "-c", "copy", s(rotated)])
        .output()
        .expect("run ffmpeg");
    if !by_option.status.success() {
        let said = String::from_utf8_lossy(&by_option.stderr);
        assert!(said.contains("display_rotation"), "ffmpeg -display_rotation failed otherwise: {said}");
        ffmpeg(&["-i", s(plain), "-c", "copy", "-metadata:s:v:0", "rotate=90", s(rotated)]);
    }
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "stream_side_data=rotation", "-of", "csv=p=0", s(rotated)])
        .output()
        .expect("run ffprobe");
    assert_eq!(String::from_utf8_lossy(&probe.stdout).trim(), "90", "ffprobe's rotation of the test input");
}

#[cfg(feature = "ffmpeg")]
#[test]
fn a_display_rotation_is_reported_as_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.mp4");
    ffmpeg(&["-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10", "-frames:v", "3", "-c:v", "libx264", s(&plain)]);
    let rotated = dir.path().join("rotated.mp4");
    rotate_90(&plain, &rotated);

    let (o, out) = analyze(dir.path(), s(&rotated), "rotated", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = manifest(&out);
    assert_eq!(m["rotation_ignored_deg"], 90.0);
    // Analysed as stored: not turned into 48x64.
    assert_eq!((m["width"].as_u64(), m["height"].as_u64()), (Some(64), Some(48)));
    let w = warnings(&o);
    assert_eq!(
        w,
        vec![format!("vidscope: warning: {}: rotation of 90° ignored: frames are analysed as stored", s(&rotated))]
    );

    let (o, out) = analyze(dir.path(), s(&plain), "plain", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(manifest(&out).get("rotation_ignored_deg").is_none());
    assert!(warnings(&o).is_empty(), "{:?}", warnings(&o));
}

#[cfg(feature = "ffmpeg")]
#[test]
fn the_field_order_of_interlaced_input_is_recorded_and_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let tff = dir.path().join("tff.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x48:rate=10",
        "-frames:v",
        "3",
        "-c:v",
        "libx264",
        "-flags",
        "+ildct+ilme",
        "-top",
        "1",
        s(&tff),
    ]);
    let (o, out) = analyze(dir.path(), s(&tff), "tff", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(manifest(&out)["field_order"], "tt");
    let w = warnings(&o);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("tff.mp4: interlaced (top field first): frames are analysed as whole frames"), "{w:?}");

    let progressive = dir.path().join("p.mp4");
    ffmpeg(&["-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10", "-frames:v", "3", "-c:v", "libx264", s(&progressive)]);
    let (o, out) = analyze(dir.path(), s(&progressive), "p", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(manifest(&out)["field_order"], "progressive");
    assert!(warnings(&o).is_empty(), "{:?}", warnings(&o));
}

/// A 4x2 gray y4m of `frames` frames with header tags `tags`.
fn write_y4m(path: &Path, tags: &str, frames: usize) {
    let tags = format!("F25:1 {tags}");
    let y4m = crate::common::y4m::Y4m { tags: &tags, ..crate::common::y4m::Y4m::gray(4, 2) };
    y4m.write(path, (0..frames).map(|t| (0..8).map(|i| (i * 10 + t) as u8).collect()));
}

#[test]
fn the_y4m_interlace_tag_gives_the_field_order() {
    let dir = tempfile::tempdir().unwrap();
    for (tag, order, warned) in [("Ib", "bb", true), ("Ip", "progressive", false), ("A1:1", "unknown", false)] {
        let input = dir.path().join(format!("{order}.y4m"));
        write_y4m(&input, tag, 3);
        let (o, out) = analyze(dir.path(), s(&input), order, &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(manifest(&out)["field_order"], order);
        assert_eq!(warnings(&o).iter().any(|w| w.contains("interlaced (bottom field first)")), warned, "{tag}");
    }
}

#[test]
fn pipes_are_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("in.y4m");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("run mkfifo (coreutils)");
    assert!(made.success());
    let needle = "cannot read from a pipe (vidscope needs a seekable file); save it to a file first";
    // Nothing writes to the FIFO: opening it would block, so this also proves it is never opened.
    let (o, out) = analyze(dir.path(), s(&fifo), "fifo", &[]);
    assert_one_line_error(&o, &[&format!("{}: {needle}", s(&fifo))]);
    assert!(!out.exists());
    let (o, _) = analyze(dir.path(), "-", "dash", &[]);
    assert_one_line_error(&o, &[&format!("-: {needle}")]);
    let o = vidscope(&["record", s(&fifo), "-o", s(&dir.path().join("r.mp4"))]);
    assert_one_line_error(&o, &[needle]);
    let o = vidscope(&["view", s(&fifo)]);
    assert_one_line_error(&o, &[needle]);
    // /dev/stdin fed by a pipe.
    let mut child = Command::new(env!("CARGO_BIN_EXE_vidscope"))
        .args(["analyze", "/dev/stdin", "--out", s(&dir.path().join("stdin.out"))])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdin.take());
    let o = child.wait_with_output().unwrap();
    assert_one_line_error(&o, &[&format!("/dev/stdin: {needle}")]);
}

#[cfg(feature = "ffmpeg")]
#[test]
fn image_sequences_are_read_with_their_true_frame_count() {
    let dir = tempfile::tempdir().unwrap();
    // The image2 muxer numbers from 1: f001.png .. f007.png.
    let pattern = dir.path().join("f%03d.png");
    ffmpeg(&["-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10", "-frames:v", "7", "-pix_fmt", "gray", s(&pattern)]);
    assert!(dir.path().join("f007.png").exists() && !dir.path().join("f008.png").exists());
    let (o, out) = analyze(dir.path(), s(&pattern), "seq", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = manifest(&out);
    assert_eq!((m["frames"].as_u64(), m["pairs"].as_u64()), (Some(7), Some(6)));
    assert_eq!((m["codec"].as_str(), m["pixel_format"].as_str()), (Some("png"), Some("gray")));
    // The count is known before decoding: the viewer refuses a frame past it before any window.
    let o = vidscope(&["view", s(&pattern), "--screenshot", s(&dir.path().join("x.png")), "--at-frame", "7"]);
    assert_one_line_error(&o, &["--at-frame 7: the input ends after 7 frames (0..=6)"]);

    // No file matches: one line naming the pattern and where it looked.
    let (o, out) = analyze(dir.path(), s(&dir.path().join("g%03d.png")), "none", &[]);
    assert_one_line_error(&o, &["g%03d.png: no image file matches this sequence pattern (looked for", "g000.png .. "]);
    assert!(!out.exists());
    // RGB images have no luma plane to take as stored.
    let rgb = dir.path().join("c%02d.png");
    ffmpeg(&["-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10", "-frames:v", "2", "-pix_fmt", "rgb24", s(&rgb)]);
    let (o, _) = analyze(dir.path(), s(&rgb), "rgb", &[]);
    assert_one_line_error(&o, &["c%02d.png: unsupported pixel format rgb24"]);
}
