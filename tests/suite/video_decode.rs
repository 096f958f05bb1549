//! Decode tests against the ffmpeg CLI: our luma must equal the CLI's Y plane byte for byte (8-bit) or
//! after `>> (depth - 8)` (10/12-bit), and bad inputs must give clear errors, never panics.
//!
//! Needs the `ffmpeg` feature and the `ffmpeg` command-line tool.
#![cfg(feature = "ffmpeg")]

use std::path::{Path, PathBuf};
use std::process::Command;

use vidscope::video::{self, ChromaPlanes, ColourMatrix, DecodeThread, LumaFrame, StreamInfo, VideoError};

use crate::common::CLIP;

/// Runs `ffmpeg -nostdin -v error <args>` and returns its stdout; panics with stderr on failure.
fn ffmpeg(args: &[&str]) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-v", "error", "-y"])
        .args(args)
        .output()
        .expect("run the ffmpeg CLI (is ffmpeg installed?)");
    assert!(out.status.success(), "ffmpeg {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// The CLI's decode of `input` as raw `pix_fmt` frames (no conversion when it is the stream's own
/// format), split into `frames` equal frames, each cut to its first `luma_bytes` bytes (the Y plane).
fn cli_luma_planes(input: &str, pix_fmt: &str, frames: usize, luma_bytes: usize) -> Vec<Vec<u8>> {
    cli_frames(input, pix_fmt, frames, luma_bytes).into_iter().map(|f| f[..luma_bytes].to_vec()).collect()
}

/// The CLI's decode of `input` as raw `pix_fmt` frames, whole (all planes).
fn cli_frames(input: &str, pix_fmt: &str, frames: usize, luma_bytes: usize) -> Vec<Vec<u8>> {
    let raw = ffmpeg(&["-i", input, "-f", "rawvideo", "-pix_fmt", pix_fmt, "-"]);
    assert!(frames > 0 && raw.len().is_multiple_of(frames), "{input}: {} bytes for {frames} frames", raw.len());
    let frame_bytes = raw.len() / frames;
    assert!(frame_bytes >= luma_bytes);
    raw.chunks_exact(frame_bytes).map(<[u8]>::to_vec).collect()
}

/// (Cb, Cr) expected from a raw CLI frame of `pix_fmt` (`w x h`, `bps` bytes per sample, reduced by
/// `shift`), with the chroma plane size and subsampling; `None` for gray.
fn cli_chroma(frame: &[u8], pix_fmt: &str, (w, h): (usize, usize), bps: usize, shift: u32) -> Option<ChromaPlanes> {
    let (sx, sy) = match pix_fmt {
        f if f.starts_with("gray") => return None,
        f if f.starts_with("yuv420") || f.starts_with("yuvj420") || f.starts_with("nv") => (1, 1),
        f if f.starts_with("yuv422") || f.starts_with("yuvj422") => (1, 0),
        _ => (0, 0),
    };
    let (cw, ch) = (w.div_ceil(1 << sx), h.div_ceil(1 << sy));
    let n = cw * ch;
    let to8 = |b: &[u8]| -> Vec<u8> {
        if bps == 1 {
            b.to_vec()
        } else {
            b.chunks_exact(2).map(|s| (u16::from_le_bytes([s[0], s[1]]) >> shift) as u8).collect()
        }
    };
    let rest = to8(&frame[w * h * bps..]);
    let (cb, cr) = if pix_fmt.starts_with("nv") {
        let first: Vec<u8> = rest[..2 * n].iter().step_by(2).copied().collect();
        let second: Vec<u8> = rest[1..2 * n].iter().step_by(2).copied().collect();
        if pix_fmt == "nv21" {
            (second, first)
        } else {
            (first, second)
        }
    } else {
        (rest[..n].to_vec(), rest[n..2 * n].to_vec())
    };
    Some(ChromaPlanes { width: cw as u32, height: ch as u32, shift_x: sx, shift_y: sy, cb, cr })
}

fn decode_all(input: &str) -> Result<(StreamInfo, Vec<LumaFrame>), VideoError> {
    let mut src = video::open(input)?;
    let info = src.info().clone();
    let mut frames = Vec::new();
    while let Some(f) = src.next_frame()? {
        frames.push(f);
    }
    Ok((info, frames))
}

fn s(p: &Path) -> String {
    p.to_str().expect("utf-8 temp path").to_string()
}

#[test]
fn clip_luma_matches_ffmpeg_cli_exactly() {
    let (info, frames) = decode_all(CLIP).expect("decode assets/clip.mp4");
    assert_eq!((info.width, info.height), (640, 360));
    assert_eq!(info.frame_count, Some(60));
    assert!((info.fps - 30.0).abs() < 1e-9, "fps {}", info.fps);
    assert_eq!(info.pixel_format, "yuv420p");
    assert_eq!(info.bit_depth, 8);
    assert_eq!(info.codec, "h264");
    assert_eq!(frames.len(), 60);

    let want = cli_luma_planes(CLIP, "yuv420p", 60, 640 * 360);
    for (t, (ours, theirs)) in frames.iter().zip(&want).enumerate() {
        assert_eq!(ours.index, t);
        assert_eq!((ours.width, ours.height), (640, 360));
        assert!(ours.data == *theirs, "frame {t} differs from the ffmpeg CLI");
    }
}

#[test]
fn clip_has_the_documented_known_motion() {
    // assets/README.md: frame n is frame n-1 moved by (dx, dy) = (2, 1): cur(x, y) = ref(x + 2, y + 1).
    let (info, frames) = decode_all(CLIP).expect("decode assets/clip.mp4");
    let (w, h) = (info.width as usize, info.height as usize);
    for t in 1..frames.len() {
        let (cur, prev) = (&frames[t].data, &frames[t - 1].data);
        for y in 0..h - 1 {
            assert!(
                cur[y * w..y * w + w - 2] == prev[(y + 1) * w + 2..(y + 1) * w + w],
                "frame {t}, row {y}: not an exact (2, 1) shift of frame {}",
                t - 1
            );
        }
    }
}

#[test]
fn decode_thread_delivers_the_same_frames() {
    let (_, direct) = decode_all(CLIP).expect("decode assets/clip.mp4");
    let mut thread = DecodeThread::spawn(video::open(CLIP).expect("open clip"), 4, None);
    assert_eq!(thread.info().frame_count, Some(60));
    let mut n = 0;
    while let Some(f) = thread.recv().expect("decode in thread") {
        assert!(f == direct[n], "frame {n} differs");
        n += 1;
    }
    assert_eq!(n, 60);
    assert!(thread.decode_seconds() > 0.0);

    let mut limited = DecodeThread::spawn(video::open(CLIP).expect("open clip"), 2, Some(7));
    let mut n = 0;
    while limited.recv().expect("decode in thread").is_some() {
        n += 1;
    }
    assert_eq!(n, 7);
}

/// One generated clip: encoder settings and the pixel format the decoder must report.
struct Case {
    pix_fmt: &'static str,
    codec: &'static str,
    ext: &'static str,
    size: (usize, usize),
    depth: u32,
}

#[test]
fn pixel_formats_match_ffmpeg_cli() {
    const FRAMES: usize = 4;
    let cases = [
        // 10-bit H.264, as a camera or encoder would produce it.
        Case { pix_fmt: "yuv420p10le", codec: "libx264", ext: "mp4", size: (96, 64), depth: 10 },
        Case { pix_fmt: "yuv420p12le", codec: "ffv1", ext: "mkv", size: (65, 37), depth: 12 },
        Case { pix_fmt: "yuv422p10le", codec: "rawvideo", ext: "nut", size: (65, 37), depth: 10 },
        Case { pix_fmt: "yuv422p12le", codec: "ffv1", ext: "mkv", size: (65, 37), depth: 12 },
        Case { pix_fmt: "yuv444p10le", codec: "rawvideo", ext: "nut", size: (65, 37), depth: 10 },
        Case { pix_fmt: "yuv444p12le", codec: "ffv1", ext: "mkv", size: (65, 37), depth: 12 },
        Case { pix_fmt: "gray10le", codec: "ffv1", ext: "mkv", size: (65, 37), depth: 10 },
        Case { pix_fmt: "gray12le", codec: "rawvideo", ext: "nut", size: (65, 37), depth: 12 },
        Case { pix_fmt: "yuv422p", codec: "ffv1", ext: "mkv", size: (65, 37), depth: 8 },
        Case { pix_fmt: "yuv444p", codec: "rawvideo", ext: "nut", size: (65, 37), depth: 8 },
        Case { pix_fmt: "yuvj420p", codec: "mjpeg", ext: "avi", size: (65, 37), depth: 8 },
        Case { pix_fmt: "nv12", codec: "rawvideo", ext: "nut", size: (66, 38), depth: 8 },
        Case { pix_fmt: "nv21", codec: "rawvideo", ext: "nut", size: (66, 38), depth: 8 },
        Case { pix_fmt: "gray", codec: "ffv1", ext: "mkv", size: (65, 37), depth: 8 },
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    for case in &cases {
        let (w, h) = case.size;
        let path = dir.path().join(format!("{}.{}", case.pix_fmt, case.ext));
        let input = s(&path);
        // Full-range noisy content so the low bits of high-depth samples matter.
        let src = format!(
            "testsrc2=size={}x{}:rate=10,format=yuv444p,crop={w}:{h}:0:0,noise=alls=30:allf=t",
            w + w % 2,
            h + h % 2
        );
        let frames = FRAMES.to_string();
        let mut args = vec!["-f", "lavfi", "-i", &src, "-frames:v", &frames, "-c:v", case.codec];
        if case.codec == "libx264" {
            args.extend(["-qp", "4"]);
        }
        args.extend(["-pix_fmt", case.pix_fmt, &input]);
        ffmpeg(&args);

        let (info, ours) = decode_all(&input).unwrap_or_else(|e| panic!("{}: {e}", case.pix_fmt));
        assert_eq!(info.pixel_format, case.pix_fmt);
        assert_eq!(info.bit_depth, case.depth, "{}", case.pix_fmt);
        assert_eq!((info.width as usize, info.height as usize), (w, h), "{}", case.pix_fmt);
        assert_eq!(ours.len(), FRAMES, "{}", case.pix_fmt);

        let bps = if case.depth > 8 { 2 } else { 1 };
        let whole = cli_frames(&input, case.pix_fmt, FRAMES, w * h * bps);
        for (t, (o, f)) in ours.iter().zip(&whole).enumerate() {
            let want = cli_chroma(f, case.pix_fmt, (w, h), bps, case.depth - 8);
            assert!(o.chroma == want, "{}: frame {t} chroma differs from the CLI", case.pix_fmt);
        }
        let theirs = cli_luma_planes(&input, case.pix_fmt, FRAMES, w * h * bps);
        for (t, (o, c)) in ours.iter().zip(&theirs).enumerate() {
            let want: Vec<u8> = if bps == 2 {
                c.chunks_exact(2).map(|s| (u16::from_le_bytes([s[0], s[1]]) >> (case.depth - 8)) as u8).collect()
            } else {
                c.clone()
            };
            assert!(o.data == want, "{}: frame {t} differs from the CLI", case.pix_fmt);
        }
        if case.depth > 8 {
            // The content really uses the high bits, so a wrong shift would show.
            assert!(ours.iter().any(|f| f.data.iter().any(|&v| v > 200)), "{}", case.pix_fmt);
        }
    }
}

#[test]
fn colour_tags_are_read_and_untagged_streams_guessed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let make = |name: &str, size: &str, extra: &[&str]| -> String {
        let path = s(&dir.path().join(name));
        let src = format!("testsrc2=size={size}:rate=10");
        let mut args = vec!["-f", "lavfi", "-i", &src, "-frames:v", "1"];
        args.extend(extra);
        args.push(&path);
        ffmpeg(&args);
        path
    };
    let bt709 = make("709.mp4", "64x48", &["-pix_fmt", "yuv420p", "-colorspace", "bt709", "-color_range", "tv"]);
    let full = make("jpeg.avi", "64x48", &["-c:v", "mjpeg", "-pix_fmt", "yuvj420p"]);
    let sd = make("sd.mp4", "64x48", &["-pix_fmt", "yuv420p"]);
    let hd = make("hd.mp4", "1280x720", &["-pix_fmt", "yuv420p"]);
    let info = |p: &str| decode_all(p).expect("decode").0.colour;
    let c = info(&bt709);
    assert_eq!((c.matrix, c.full_range, c.matrix_tagged, c.range_tagged), (ColourMatrix::Bt709, false, true, true));
    let c = info(&full);
    assert!(c.full_range && c.range_tagged, "yuvj is full range: {c:?}");
    let c = info(&sd);
    assert_eq!((c.matrix, c.full_range, c.matrix_tagged), (ColourMatrix::Bt601, false, false));
    assert_eq!(info(&hd).matrix, ColourMatrix::Bt709, "untagged HD is guessed BT.709");
    assert_eq!(info(&hd).describe(), "BT.709 limited (guessed)");
}

#[test]
fn y4m_files_written_by_ffmpeg_match_the_cli() {
    const FRAMES: usize = 3;
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        ("yuv420p", 8),
        ("yuv422p", 8),
        ("yuv444p", 8),
        ("gray", 8),
        ("yuv420p10le", 10),
        ("yuv422p10le", 10),
        ("yuv444p12le", 12),
        ("gray10le", 10),
        ("gray12le", 12),
    ];
    // Odd height; even width because FFmpeg 5.1's y4m muxer writes ceil(2w/2) instead of
    // 2*ceil(w/2) bytes per chroma row for 16-bit 4:2:0/4:2:2 at odd widths (its own demuxer then
    // fails on such files too). Odd widths at 8 bits are covered by the unit tests.
    let (w, h) = (38usize, 21usize);
    for (pix_fmt, depth) in cases {
        let path = dir.path().join(format!("{pix_fmt}.y4m"));
        let input = s(&path);
        let src = format!("testsrc2=size=38x22:rate=25,format=yuv444p,crop={w}:{h}:0:0,noise=alls=30:allf=t");
        let frames = FRAMES.to_string();
        ffmpeg(&["-f", "lavfi", "-i", &src, "-frames:v", &frames, "-pix_fmt", pix_fmt, "-strict", "-1", &input]);
        let (info, ours) = decode_all(&input).unwrap_or_else(|e| panic!("{pix_fmt}: {e}"));
        assert_eq!(info.pixel_format, pix_fmt);
        assert_eq!(info.bit_depth, depth);
        assert_eq!((info.width as usize, info.height as usize), (w, h), "{pix_fmt}");
        assert_eq!(info.frame_count, Some(FRAMES as u64), "{pix_fmt}");
        assert_eq!((info.fps, info.codec.as_str()), (25.0, "rawvideo"));
        assert_eq!(ours.len(), FRAMES);
        let bps = if depth > 8 { 2 } else { 1 };
        let theirs = cli_luma_planes(&input, pix_fmt, FRAMES, w * h * bps);
        for (t, (o, c)) in ours.iter().zip(&theirs).enumerate() {
            let want: Vec<u8> = if bps == 2 {
                c.chunks_exact(2).map(|s| (u16::from_le_bytes([s[0], s[1]]) >> (depth - 8)) as u8).collect()
            } else {
                c.clone()
            };
            assert!(o.data == want, "{pix_fmt}: frame {t} differs from the CLI");
        }
    }
}

fn assert_names_path(err: &VideoError, path: &str) {
    let msg = err.to_string();
    assert!(msg.contains(path), "error {msg:?} does not name {path}");
}

#[test]
fn missing_empty_and_directory_inputs_are_open_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = s(&dir.path().join("does-not-exist.mp4"));
    let empty_path = dir.path().join("empty.mp4");
    std::fs::write(&empty_path, b"").expect("write");
    let empty = s(&empty_path);
    let empty_y4m_path = dir.path().join("empty.y4m");
    std::fs::write(&empty_y4m_path, b"").expect("write");
    let empty_y4m = s(&empty_y4m_path);
    let directory = s(dir.path());
    for input in [&missing, &empty, &empty_y4m, &directory] {
        match video::open(input) {
            Err(e @ VideoError::Open { .. }) => assert_names_path(&e, input),
            Err(e) => panic!("{input}: expected an Open error, got {e:?}"),
            Ok(_) => panic!("{input}: opened"),
        }
    }
}

#[test]
fn text_file_is_not_video() {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["notes.mp4", "notes.txt", "notes"] {
        let path = dir.path().join(name);
        std::fs::write(&path, "this is not a video, just a line of text\n").expect("write");
        let input = s(&path);
        match video::open(&input) {
            Err(e @ VideoError::NotVideo { .. }) => assert_names_path(&e, &input),
            Err(e) => panic!("{name}: expected NotVideo, got {e:?}"),
            Ok(_) => panic!("{name}: a text file opened as video"),
        }
    }
}

#[test]
fn audio_only_file_is_not_video() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = s(&dir.path().join("tone.wav"));
    ffmpeg(&["-f", "lavfi", "-i", "sine=frequency=440:duration=0.2", &input]);
    match video::open(&input) {
        Err(e @ VideoError::NotVideo { .. }) => {
            assert_names_path(&e, &input);
            assert!(e.to_string().contains("no video stream"), "{e}");
        }
        Err(e) => panic!("expected NotVideo, got {e:?}"),
        Ok(_) => panic!("an audio file opened as video"),
    }
}

#[test]
fn truncated_clip_gives_an_error_or_fewer_frames() {
    let bytes = std::fs::read(CLIP).expect("read clip");
    let dir = tempfile::tempdir().expect("temp dir");
    for percent in [30usize, 5, 60, 99] {
        let path: PathBuf = dir.path().join(format!("truncated-{percent}.mp4"));
        std::fs::write(&path, &bytes[..bytes.len() * percent / 100]).expect("write");
        let input = s(&path);
        match decode_all(&input) {
            Ok((_, frames)) => {
                eprintln!("{percent}%: {} frames, then the end", frames.len());
                assert!(frames.len() < 60, "{percent}%: decoded all 60 frames");
            }
            Err(e) => {
                eprintln!("{percent}%: {e}");
                assert_names_path(&e, &input);
            }
        }
        // Through the thread as well: an error or an early end, never ThreadDied.
        if let Ok(src) = video::open(&input) {
            let mut thread = DecodeThread::spawn(src, 2, None);
            let mut n = 0;
            loop {
                match thread.recv() {
                    Ok(Some(_)) => n += 1,
                    Ok(None) => break,
                    Err(e) => {
                        assert!(!matches!(e, VideoError::ThreadDied { .. }), "{e}");
                        assert_names_path(&e, &input);
                        break;
                    }
                }
            }
            assert!(n < 60, "{percent}%: decoded all 60 frames");
        }
    }
}

#[test]
fn unsupported_pixel_format_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (pix_fmt, codec, ext) in [("rgb24", "rawvideo", "nut"), ("bgr0", "ffv1", "mkv"), ("yuv410p", "rawvideo", "nut")]
    {
        let path = dir.path().join(format!("{pix_fmt}.{ext}"));
        let input = s(&path);
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=64x48:rate=5",
            "-frames:v",
            "3",
            "-c:v",
            codec,
            "-pix_fmt",
            pix_fmt,
            &input,
        ]);
        match video::open(&input) {
            Err(e @ VideoError::UnsupportedPixelFormat { .. }) => {
                assert_names_path(&e, &input);
                let VideoError::UnsupportedPixelFormat { format, .. } = &e else { unreachable!() };
                assert_eq!(format, pix_fmt);
            }
            Err(e) => panic!("{pix_fmt}: expected UnsupportedPixelFormat, got {e:?}"),
            Ok(_) => panic!("{pix_fmt}: opened"),
        }
    }
}

/// Writes `n` gray PNGs of `size` (testsrc2) as `dir/f000.png`, `dir/f001.png`, ...
fn png_sequence(dir: &Path, size: &str, n: usize) {
    let pattern = s(&dir.join("f%03d.png"));
    let src = format!("testsrc2=size={size}:rate=10");
    let n = n.to_string();
    ffmpeg(&["-f", "lavfi", "-i", &src, "-frames:v", &n, "-pix_fmt", "gray", "-start_number", "0", &pattern]);
}

#[test]
fn an_image_sequence_with_a_gap_is_read_up_to_the_gap() {
    let dir = tempfile::tempdir().expect("temp dir");
    png_sequence(dir.path(), "64x48", 7);
    std::fs::remove_file(dir.path().join("f003.png")).unwrap();
    let pattern = s(&dir.path().join("f%03d.png"));
    // FFmpeg's image2 demuxer alone steps over the gap and fails at the missing file.
    let (info, frames) = decode_all(&pattern).expect("f000..f002 decode");
    assert_eq!((info.frame_count, frames.len()), (Some(3), 3));
    let want = cli_luma_planes(&s(&dir.path().join("f002.png")), "gray", 1, 64 * 48);
    assert_eq!(frames[2].data, want[0], "the third frame is f002.png");
}

#[test]
fn a_file_named_like_a_pattern_is_that_file_not_the_sequence() {
    let dir = tempfile::tempdir().expect("temp dir");
    let literal = dir.path().join("f%03d.png");
    let name = s(&literal);
    // `-update 1`: the image2 muxer writes that very name, no number in it.
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=32x24:rate=10",
        "-frames:v",
        "1",
        "-pix_fmt",
        "gray",
        "-update",
        "1",
        &name,
    ]);
    assert!(literal.is_file());
    // Alone, and beside the sequence its name would expand to: the file itself, one 32x24 frame.
    for with_sequence in [false, true] {
        if with_sequence {
            png_sequence(dir.path(), "64x48", 3);
            assert!(dir.path().join("f002.png").is_file());
        }
        let (info, frames) = decode_all(&name).expect("the literal file decodes");
        assert_eq!((info.width, info.height, frames.len()), (32, 24, 1), "with the sequence there: {with_sequence}");
    }
}
