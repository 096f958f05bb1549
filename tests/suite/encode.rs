//! Recorder tests against the ffmpeg CLI: every pushed frame comes back, in order, close to the input
//! (PSNR), at the given frame rate with BT.709 / limited-range tags; odd sizes are padded; a recorder
//! that is dropped, killed (SIGKILL) or stopped by SIGTERM leaves a playable file.
//!
//! Needs the `ffmpeg` feature and the `ffmpeg` / `ffprobe` command-line tools. The signal tests run
//! this test binary again as the recording child (see `child_process_for_signal_tests`).
#![cfg(feature = "ffmpeg")]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use vidscope::video::{Container, EncodeError, Mp4Recorder, RecorderOptions, RgbaFrame, Shutdown};

/// Every decoded frame must be at least this close to its input (RGB PSNR over the frame).
const MIN_PSNR_DB: f64 = 36.0;

/// Environment variable that turns `child_process_for_signal_tests` into a recording child:
/// `kill:PATH` (record until killed) or `term:PATH` (record until SIGTERM, then finish).
const CHILD_ENV: &str = "VIDSCOPE_ENCODE_TEST_CHILD";
/// Size and rate the signal tests record at.
const CHILD_SIZE: (u32, u32) = (96, 54);
const CHILD_FPS: (i32, i32) = (30, 1);

fn run(tool: &str, args: &[&str]) -> Output {
    Command::new(tool)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {tool} (is FFmpeg's command-line tool installed?): {e}"))
}

/// `ffmpeg -v error` decode of `file` to RGB24 frames of the coded size, asserting a clean exit.
fn decode_rgb(file: &Path) -> Vec<u8> {
    let out = run("ffmpeg", &["-nostdin", "-v", "error", "-i", s(file), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]);
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "ffmpeg decode of {} failed or complained: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// One `ffprobe` stream entry of the first video stream, e.g. `r_frame_rate`.
fn probe(file: &Path, extra: &[&str], entry: &str) -> String {
    let mut args = vec!["-v", "error", "-select_streams", "v:0"];
    args.extend_from_slice(extra);
    let entries = format!("stream={entry}");
    args.extend_from_slice(&["-show_entries", &entries, "-of", "default=nw=1:nk=1", s(file)]);
    let out = run("ffprobe", &args);
    assert!(out.status.success(), "ffprobe {}: {}", file.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// Frame `k` of the test pattern: smooth colour gradients that move by a few pixels per frame, plus
/// the bits of `k` as a row of 8x8 brighter (1) or darker (0) squares, so every frame differs from
/// its neighbours and the order can be checked. The squares change luma only, so the test measures
/// the encoder rather than 4:2:0 chroma subsampling of sharp colour edges (docs/recording.md has
/// numbers for those).
fn pattern(w: u32, h: u32, k: u32) -> Vec<u8> {
    let mut rgba = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            let (fx, fy, t) = (f64::from(x), f64::from(y), f64::from(k));
            let r = 128.0 + 90.0 * ((fx + 3.0 * t) / 23.0).sin();
            let g = 128.0 + 90.0 * ((fy + 2.0 * t) / 17.0).cos();
            let b = 128.0 + 90.0 * ((fx + fy - 4.0 * t) / 31.0).sin();
            // Bit `x / 8` of k in rows 2..10: +-35 on all three channels, which changes luma only.
            let (bit, row) = (x / 8, y);
            let mark = if (2..10).contains(&row) && bit < 8 {
                if k >> bit & 1 == 1 {
                    35.0
                } else {
                    -35.0
                }
            } else {
                0.0
            };
            rgba.extend_from_slice(&[(r + mark) as u8, (g + mark) as u8, (b + mark) as u8, 255]);
        }
    }
    rgba
}

/// PSNR of the top-left `w x h` of an RGB24 frame of width `coded_w` against an RGBA frame `w x h`.
fn psnr(decoded_rgb: &[u8], coded_w: u32, rgba: &[u8], w: u32, h: u32) -> f64 {
    let mut sse = 0u64;
    for y in 0..h as usize {
        for x in 0..w as usize {
            let d = &decoded_rgb[(y * coded_w as usize + x) * 3..][..3];
            let i = &rgba[(y * w as usize + x) * 4..][..3];
            sse += d.iter().zip(i).map(|(&a, &b)| (i64::from(a) - i64::from(b)).pow(2) as u64).sum::<u64>();
        }
    }
    let mse = sse as f64 / f64::from(w * h * 3);
    if mse == 0.0 {
        return f64::INFINITY;
    }
    10.0 * (255.0f64 * 255.0 / mse).log10()
}

/// Checks that `file` holds exactly the pattern frames `0..n` at size `w x h` (coded `cw x ch`), in
/// order and each at least `MIN_PSNR_DB` close; returns the smallest PSNR.
fn assert_frames_match(file: &Path, w: u32, h: u32, cw: u32, ch: u32, n: usize) -> f64 {
    let raw = decode_rgb(file);
    let frame_bytes = (cw * ch * 3) as usize;
    assert_eq!(raw.len() % frame_bytes, 0, "{}: decoded size is not whole {cw}x{ch} frames", file.display());
    assert_eq!(raw.len() / frame_bytes, n, "{}: decoded frame count", file.display());
    let mut min = f64::INFINITY;
    for (k, decoded) in raw.chunks_exact(frame_bytes).enumerate() {
        let here = psnr(decoded, cw, &pattern(w, h, k as u32), w, h);
        assert!(here >= MIN_PSNR_DB, "{}: frame {k} PSNR {here:.2} dB < {MIN_PSNR_DB}", file.display());
        for other in [k.wrapping_sub(1), k + 1] {
            if other < n {
                let there = psnr(decoded, cw, &pattern(w, h, other as u32), w, h);
                assert!(here > there, "frame {k} looks more like input {other} ({there:.2} dB vs {here:.2} dB)");
            }
        }
        min = min.min(here);
    }
    min
}

/// Records `n` pattern frames and checks everything about the result; returns the smallest PSNR.
fn round_trip(dir: &Path, w: u32, h: u32, n: usize, fps: (i32, i32), stride_pad: usize) -> f64 {
    let file = dir.join(format!("{w}x{h}.mp4"));
    let mut rec = Mp4Recorder::start(&file, w, h, fps, &RecorderOptions::default()).expect("start recording");
    let (cw, ch) = (w + w % 2, h + h % 2);
    assert_eq!(rec.encoded_size(), (cw, ch));
    for k in 0..n {
        let tight = pattern(w, h, k as u32);
        let frame = if stride_pad == 0 {
            RgbaFrame::new(w, h, tight)
        } else {
            // The same pixels with a row pitch of `w * 4 + stride_pad` bytes (junk in the gaps).
            let pitch = w as usize * 4 + stride_pad;
            let mut data = vec![0xA5; pitch * h as usize];
            for (y, row) in tight.chunks_exact(w as usize * 4).enumerate() {
                data[y * pitch..][..row.len()].copy_from_slice(row);
            }
            RgbaFrame::with_stride(w, h, pitch, data)
        };
        rec.push(frame).expect("push");
        assert!(rec.queued() <= rec.capacity() + 1);
    }
    let summary = rec.finish().expect("finish recording");
    assert_eq!(summary.frames, n as u64);
    assert_eq!((summary.width, summary.height, summary.encoded_width, summary.encoded_height), (w, h, cw, ch));
    assert_eq!(summary.bytes, std::fs::metadata(&file).unwrap().len());
    assert_eq!(summary.path, file);

    let min = assert_frames_match(&file, w, h, cw, ch, n);
    if (cw, ch) != (w, h) {
        // The padding repeats the last column / row: in the decoded picture it is as close to them
        // as the neighbouring pixels are.
        let raw = decode_rgb(&file);
        let frame = &raw[..(cw * ch * 3) as usize];
        let px = |x: u32, y: u32| &frame[((y * cw + x) * 3) as usize..][..3];
        let max_step = |a: &[u8], b: &[u8]| a.iter().zip(b).map(|(&a, &b)| a.abs_diff(b)).max().unwrap();
        for y in 0..h {
            if cw != w {
                assert!(max_step(px(w, y), px(w - 1, y)) <= 6, "padding column at row {y}");
            }
        }
        for x in 0..w {
            if ch != h {
                assert!(max_step(px(x, h), px(x, h - 1)) <= 6, "padding row at column {x}");
            }
        }
    }
    eprintln!("{w}x{h} @ {}/{}: {n} frames, min PSNR {min:.2} dB, {} bytes", fps.0, fps.1, summary.bytes);
    min
}

#[test]
fn odd_size_recording_has_every_frame_in_order_and_padded() {
    let dir = tempfile::tempdir().unwrap();
    round_trip(dir.path(), 161, 91, 37, (30, 1), 0);
    round_trip(dir.path(), 1, 1, 3, (30, 1), 0);
}

#[test]
fn even_size_recording_has_every_frame_in_order_with_row_pitch() {
    let dir = tempfile::tempdir().unwrap();
    round_trip(dir.path(), 160, 90, 37, (30, 1), 0);
    round_trip(dir.path(), 128, 72, 37, (25, 1), 12);
}

#[test]
fn frame_rate_and_colour_tags_are_in_the_stream() {
    let dir = tempfile::tempdir().unwrap();
    for (fps, rate, duration) in
        [((30, 1), "30/1", 45.0 / 30.0), ((30000, 1001), "30000/1001", 45.0 * 1001.0 / 30000.0)]
    {
        let file = dir.path().join(format!("rate-{}.mp4", fps.0));
        let mut rec = Mp4Recorder::start(&file, 64, 48, fps, &RecorderOptions::default()).unwrap();
        for k in 0..45 {
            rec.push(RgbaFrame::new(64, 48, pattern(64, 48, k))).unwrap();
        }
        rec.finish().unwrap();
        assert_eq!(probe(&file, &[], "r_frame_rate"), rate);
        assert_eq!(probe(&file, &[], "avg_frame_rate"), rate);
        assert_eq!(probe(&file, &["-count_packets"], "nb_read_packets"), "45");
        assert_eq!(probe(&file, &["-count_frames"], "nb_read_frames"), "45");
        assert_eq!(probe(&file, &[], "start_time").parse::<f64>().unwrap(), 0.0);
        let d: f64 = probe(&file, &[], "duration").parse().unwrap();
        assert!((d - duration).abs() < 1e-3, "duration {d} s, expected {duration} s");
        assert_eq!(probe(&file, &[], "codec_name"), "h264");
        assert_eq!(probe(&file, &[], "pix_fmt"), "yuv420p");
        assert_eq!(probe(&file, &[], "color_range"), "tv");
        assert_eq!(probe(&file, &[], "color_space"), "bt709");
        assert_eq!(probe(&file, &[], "color_primaries"), "bt709");
        assert_eq!(probe(&file, &[], "color_transfer"), "bt709");
        // Every second of frames starts with a keyframe.
        // A keyframe at least every second of frames (x264 may add more at scene changes). Without
        // B-frames packets are in frame order.
        let out = run("ffprobe", &["-v", "error", "-show_entries", "packet=flags", "-of", "csv=p=0", s(&file)]);
        let flags = String::from_utf8_lossy(&out.stdout);
        let keys: Vec<usize> =
            flags.lines().enumerate().filter(|(_, l)| l.trim().starts_with('K')).map(|(i, _)| i).collect();
        assert!(keys.contains(&0) && keys.contains(&30), "keyframes at {keys:?}");
    }
}

#[test]
fn dropped_recorder_still_writes_a_complete_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dropped.mp4");
    {
        let mut rec = Mp4Recorder::start(&file, 80, 44, (30, 1), &RecorderOptions::default()).unwrap();
        for k in 0..40 {
            rec.push(RgbaFrame::new(80, 44, pattern(80, 44, k))).unwrap();
        }
    }
    assert_frames_match(&file, 80, 44, 80, 44, 40);
    let d: f64 = probe(&file, &[], "duration").parse().unwrap();
    assert!((d - 40.0 / 30.0).abs() < 1e-3, "duration {d}");
}

#[test]
fn try_push_never_blocks_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("try.mp4");
    let options = RecorderOptions { queue_capacity: 2, ..Default::default() };
    let mut rec = Mp4Recorder::start(&file, 320, 180, (30, 1), &options).unwrap();
    let frames: Vec<Vec<u8>> = (0..30).map(|k| pattern(320, 180, k)).collect();
    let mut full = 0;
    for data in frames {
        let mut frame = RgbaFrame::new(320, 180, data);
        while let Some(back) = rec.try_push(frame).unwrap() {
            full += 1;
            assert!(rec.queued() <= 3);
            std::thread::sleep(std::time::Duration::from_millis(2));
            frame = back;
        }
    }
    assert_eq!(rec.frames_pushed(), 30);
    assert_eq!(rec.finish().unwrap().frames, 30);
    assert_frames_match(&file, 320, 180, 320, 180, 30);
    eprintln!("try_push found the queue full {full} times");
}

#[test]
fn wrong_frames_are_rejected_and_the_recording_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wrong.mp4");
    let mut rec = Mp4Recorder::start(&file, 64, 32, (30, 1), &RecorderOptions::default()).unwrap();
    rec.push(RgbaFrame::new(64, 32, pattern(64, 32, 0))).unwrap();
    let e = rec.push(RgbaFrame::new(16, 16, vec![0; 16 * 16 * 4])).unwrap_err();
    assert!(matches!(e, EncodeError::BadFrame { frame: 1, .. }), "{e:?}");
    assert!(e.to_string().contains("it is 16x16 but the recording is 64x32"), "{e}");
    let e = rec.push(RgbaFrame::new(64, 32, vec![0; 100])).unwrap_err();
    assert!(e.to_string().contains("too small"), "{e}");
    assert!(e.to_string().starts_with(s(&file)), "{e}");
    rec.push(RgbaFrame::new(64, 32, pattern(64, 32, 1))).unwrap();
    assert_eq!(rec.finish().unwrap().frames, 2);
    assert_frames_match(&file, 64, 32, 64, 32, 2);
}

#[test]
fn missing_directory_is_a_one_line_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("no-such-dir").join("out.mp4");
    let e = Mp4Recorder::start(&file, 64, 48, (30, 1), &RecorderOptions::default()).err().expect("must fail");
    let msg = e.to_string();
    assert!(matches!(e, EncodeError::Create { .. }), "{e:?}");
    assert!(msg.starts_with(s(&file)), "{msg}");
    assert!(msg.contains("does not exist"), "{msg}");
    assert!(!msg.contains('\n'), "{msg}");
    assert!(!file.parent().unwrap().exists());

    // A directory where the file should be.
    let e = Mp4Recorder::start(dir.path(), 64, 48, (30, 1), &RecorderOptions::default()).err().expect("must fail");
    assert!(e.to_string().starts_with(s(dir.path())), "{e}");
    assert!(!e.to_string().contains('\n'), "{e}");
}

#[test]
fn existing_file_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("again.mp4");
    std::fs::write(&file, vec![7u8; 1 << 20]).unwrap();
    let e = Mp4Recorder::start(&file, 32, 32, (30, 1), &RecorderOptions::default()).err().expect("refused");
    assert!(e.to_string().contains("already exists"), "{e}");
    assert_eq!(std::fs::read(&file).unwrap(), vec![7u8; 1 << 20], "the file is untouched");
}

#[test]
fn mkv_names_get_matroska_and_other_extensions_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.mkv");
    let mut rec = Mp4Recorder::start(&file, 160, 90, (30, 1), &RecorderOptions::default()).unwrap();
    for i in 0..3 {
        rec.push(RgbaFrame::new(160, 90, pattern(160, 90, i))).unwrap();
    }
    rec.finish().unwrap();
    assert_eq!(probe_format(&file), "matroska,webm");
    assert_frames_match(&file, 160, 90, 160, 90, 3);
    let avi = dir.path().join("a.avi");
    let e = Mp4Recorder::start(&avi, 32, 32, (30, 1), &RecorderOptions::default()).err().expect("refused");
    assert!(e.to_string().contains("unsupported container"), "{e}");
    assert!(!avi.exists());
}

/// The container ffprobe sees (`format_name`).
fn probe_format(path: &Path) -> String {
    let out =
        run("ffprobe", &["-v", "error", "-show_entries", "format=format_name", "-of", "default=nw=1:nk=1", s(path)]);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Starts this test binary as a recording child (`mode` is `kill` or `term`) writing `file`.
fn spawn_child(mode: &str, file: &Path) -> std::process::Child {
    let exe = std::env::current_exe().expect("test binary path");
    Command::new(exe)
        .args(["encode::child_process_for_signal_tests", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, format!("{mode}:{}", s(file)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the recording child")
}

/// Reads the child's `pushed K` lines until K reaches `at_least`; returns the reader for the rest.
fn wait_for_pushed(child: &mut std::process::Child, at_least: u64) -> impl Iterator<Item = String> {
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines().map_while(Result::ok);
    for line in lines.by_ref() {
        if line.strip_prefix("pushed ").and_then(|n| n.parse::<u64>().ok()).is_some_and(|n| n >= at_least) {
            return lines;
        }
    }
    panic!("the recording child ended before pushing {at_least} frames");
}

#[test]
fn sigkill_mid_stream_leaves_a_playable_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("killed.mp4");
    let mut child = spawn_child("kill", &file);
    // Well past the second keyframe (frame 30), so at least one fragment is complete.
    let mut rest = wait_for_pushed(&mut child, 75);
    child.kill().expect("SIGKILL the child");
    child.wait().unwrap();
    let pushed = rest.by_ref().filter_map(|l| l.strip_prefix("pushed ")?.parse::<u64>().ok()).last().unwrap_or(75);

    let check = run("ffmpeg", &["-nostdin", "-v", "error", "-i", s(&file), "-f", "null", "-"]);
    assert!(check.status.success(), "killed recording does not decode: {}", String::from_utf8_lossy(&check.stderr));
    let frames: usize = probe(&file, &["-count_frames"], "nb_read_frames").parse().expect("frame count");
    assert!(frames >= 1 && frames as u64 <= pushed, "{frames} frames decoded of {pushed} pushed");
    let (w, h) = CHILD_SIZE;
    let min = assert_frames_match(&file, w, h, w, h, frames);
    eprintln!("SIGKILL after {pushed} pushed frames: {frames} frames playable, min PSNR {min:.2} dB");
}

#[test]
fn sigterm_finishes_with_every_pushed_frame() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("terminated.mp4");
    let mut child = spawn_child("term", &file);
    let rest = wait_for_pushed(&mut child, 20);
    // From Rust, not the `kill` command (a minimal Debian has no procps).
    let pid = rustix::process::Pid::from_raw(child.id() as i32).expect("child PID");
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("SIGTERM the child");
    let finished = rest
        .filter_map(|l| l.strip_prefix("finished ")?.parse::<usize>().ok())
        .last()
        .expect("the child reports `finished N` after SIGTERM");
    let status = child.wait().unwrap();
    assert!(status.success(), "child exited with {status}");
    let (w, h) = CHILD_SIZE;
    let min = assert_frames_match(&file, w, h, w, h, finished);
    let d: f64 = probe(&file, &[], "duration").parse().unwrap();
    assert!((d - finished as f64 / 30.0).abs() < 1e-3, "duration {d} for {finished} frames");
    eprintln!("SIGTERM after {finished} frames: all there, min PSNR {min:.2} dB");
}

/// Not a test on its own: with `VIDSCOPE_ENCODE_TEST_CHILD` set (by the signal tests above) it is
/// the child process that records the pattern and prints `pushed K` after each frame.
#[test]
fn child_process_for_signal_tests() {
    let Ok(spec) = std::env::var(CHILD_ENV) else { return };
    let (mode, path) = spec.split_once(':').expect("mode:path");
    if mode == "limit" {
        return child_hits_the_size_limit(Path::new(path));
    }
    if mode == "header" {
        let options = RecorderOptions { container: Some(Container::Mp4), ..Default::default() };
        let e = Mp4Recorder::start(Path::new(path), 64, 48, CHILD_FPS, &options).err().expect("must fail");
        return println!("start error: {e}");
    }
    let shutdown = (mode == "term").then(|| Shutdown::install().expect("install signal handlers"));
    let (w, h) = CHILD_SIZE;
    let mut rec = Mp4Recorder::start(&PathBuf::from(path), w, h, CHILD_FPS, &RecorderOptions::default())
        .unwrap_or_else(|e| panic!("child: {e}"));
    // A cap so that an orphaned child cannot run forever.
    for k in 0..20_000 {
        if shutdown.as_ref().is_some_and(Shutdown::requested) {
            break;
        }
        rec.push(RgbaFrame::new(w, h, pattern(w, h, k))).unwrap_or_else(|e| panic!("child: {e}"));
        println!("pushed {}", k + 1);
        // Roughly real time, as a viewer would push.
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let summary = rec.finish().unwrap_or_else(|e| panic!("child: {e}"));
    println!("finished {}", summary.frames);
}

/// The `limit` child: pushes until the encoder thread fails, then reports what `push` and `finish` say.
fn child_hits_the_size_limit(path: &Path) {
    let (w, h) = (320, 180);
    let mut rec = Mp4Recorder::start(path, w, h, CHILD_FPS, &RecorderOptions::default()).expect("start");
    for k in 0..300 {
        if let Err(e) = rec.push(RgbaFrame::new(w, h, pattern(w, h, k))) {
            println!("push error: {e}");
            println!("again: {}", rec.push(RgbaFrame::new(w, h, pattern(w, h, k))).unwrap_err());
            println!("finish: {}", rec.finish().unwrap_err());
            return;
        }
    }
    println!("finish: {:?}", rec.finish());
}

/// Encode speed at 1280x720 for each usable preset (run with `--ignored --nocapture`).
#[test]
#[ignore = "timing, run by hand"]
fn encode_speed_1280x720() {
    let dir = tempfile::tempdir().unwrap();
    let (w, h, n) = (1280, 720, 120);
    let frames: Vec<Vec<u8>> = (0..n).map(|k| pattern(w, h, k)).collect();
    for preset in ["ultrafast", "superfast", "veryfast", "faster"] {
        let file = dir.path().join(format!("{preset}.mp4"));
        let options = RecorderOptions { preset: preset.into(), ..Default::default() };
        let start = std::time::Instant::now();
        let mut rec = Mp4Recorder::start(&file, w, h, (30, 1), &options).unwrap();
        for f in &frames {
            rec.push(RgbaFrame::new(w, h, f.clone())).unwrap();
        }
        let summary = rec.finish().unwrap();
        let wall = start.elapsed().as_secs_f64();
        let min = assert_frames_match(&file, w, h, w, h, n as usize);
        eprintln!(
            "{preset}: {:.1} fps wall, {:.1} fps on the encoder thread, {} bytes ({:.0} kbit/s at 30 fps), min PSNR {min:.2} dB",
            f64::from(n) / wall,
            f64::from(n) / summary.encode_seconds,
            summary.bytes,
            summary.bytes as f64 * 8.0 / (f64::from(n) / 30.0) / 1000.0
        );
    }
}

/// Runs the recording child (`spec` = `mode:path`) with its file size limited to `blocks` 512-byte
/// blocks (`ulimit -f`; SIGXFSZ ignored, so a write past it fails with EFBIG); returns its stdout.
fn child_with_file_size_limit(blocks: u32, spec: &str) -> String {
    let exe = std::env::current_exe().expect("test binary path");
    let script = format!(
        "trap '' XFSZ; ulimit -f {blocks}; exec \"$0\" encode::child_process_for_signal_tests --exact --nocapture --test-threads=1"
    );
    let out = Command::new("sh")
        .args(["-c", &script])
        .arg(exe)
        .env(CHILD_ENV, spec)
        .stdin(Stdio::null())
        .output()
        .expect("spawn the recording child");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "child failed: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

#[test]
fn write_errors_on_the_encoder_thread_surface_on_push_and_finish() {
    // A child whose file size is limited (ulimit -f, SIGXFSZ ignored so writes fail with EFBIG):
    // the header fits, a later fragment does not.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("limited.mp4");
    let stdout = child_with_file_size_limit(40, &format!("limit:{}", s(&file)));
    let line = |prefix: &str| {
        // (The test harness may print its own text before ours on the same line.)
        let found = stdout.lines().find_map(|l| l.split_once(prefix).map(|(_, rest)| rest));
        found.unwrap_or_else(|| panic!("no `{prefix}` in {stdout}")).to_string()
    };
    let first = line("push error: ");
    assert!(first.starts_with(&format!("{}: encoding or writing frame ", s(&file))), "{first}");
    assert!(first.ends_with("failed: writing the file: File too large"), "{first}");
    assert_eq!(line("again: "), first, "a later push repeats the error");
    assert_eq!(line("finish: "), first, "finish repeats the error");
    // What reached the disk before the limit still plays, up to the last complete fragment.
    let check = run("ffmpeg", &["-nostdin", "-v", "error", "-i", s(&file), "-f", "null", "-"]);
    let frames: usize = probe(&file, &["-count_frames"], "nb_read_frames").parse().unwrap_or(0);
    eprintln!("{first}; the file decodes {frames} frames ({})", String::from_utf8_lossy(&check.stderr).trim());
    assert!(check.status.success() && frames >= 1);
}

#[test]
fn full_disk_at_start_is_a_one_line_error() {
    // A child with `ulimit -f 0` (SIGXFSZ ignored) fails the first write, the header, with EFBIG.
    // This works on any machine; /dev/full is not on every one (some containers lack it, and a
    // missing /dev/full would be created as a plain file).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("no-room.mp4");
    let stdout = child_with_file_size_limit(0, &format!("header:{}", s(&file)));
    let found = stdout.lines().find_map(|l| l.split_once("start error: ").map(|(_, rest)| rest));
    let expected = format!("{}: cannot create the recording: cannot write the header: File too large", s(&file));
    assert_eq!(found, Some(expected.as_str()), "{stdout}");
    // The real full-disk error, where the machine has the device (a character device, never a file).
    use std::os::unix::fs::FileTypeExt;
    let dev_full = Path::new("/dev/full");
    if std::fs::metadata(dev_full).is_ok_and(|m| m.file_type().is_char_device()) {
        let options = RecorderOptions { container: Some(Container::Mp4), ..Default::default() };
        let e = Mp4Recorder::start(dev_full, 64, 48, (30, 1), &options).err().expect("must fail");
        assert_eq!(
            e.to_string(),
            "/dev/full: cannot create the recording: cannot write the header: No space left on device"
        );
    }
}
