//! The FFmpeg CLI as the A/B tests' judge: running it, reading its stats files, its grainextract luma.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

pub fn ffmpeg(dir: &Path, args: &[&str]) {
    ffmpeg_with(dir, &[], args)
}

/// FFmpeg with global options (e.g. `-cpuflags 0`) before the inputs.
pub fn ffmpeg_with(dir: &Path, global: &[&str], args: &[&str]) {
    let out = Command::new("ffmpeg")
        .current_dir(dir)
        .args(["-v", "error", "-y", "-nostdin"])
        .args(global)
        .args(args)
        .output()
        .expect("run ffmpeg");
    assert!(out.status.success(), "ffmpeg {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// Every frame's luma through vidscope's own source.
pub fn decode(path: &Path) -> (u32, u32, Vec<Vec<u8>>) {
    let mut source = vidscope::video::open(path.to_str().unwrap()).expect("open");
    let mut frames = Vec::new();
    let mut size = (0, 0);
    while let Some(f) = source.next_frame().expect("decode") {
        size = (f.width, f.height);
        frames.push(f.data);
    }
    (size.0, size.1, frames)
}

/// `key:value` fields of each line of an FFmpeg stats file.
pub fn stats_lines(path: &Path) -> Vec<HashMap<String, String>> {
    std::fs::read_to_string(path)
        .expect("stats file")
        .lines()
        .map(|l| {
            l.split_whitespace()
                .filter_map(|kv| kv.split_once(':'))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// The Y planes of FFmpeg's `[0:v][1:v]blend=all_mode=grainextract` output (yuv420p raw frames).
pub fn grainextract_luma(dir: &Path, a: &str, b: &str, w: u32, h: u32) -> Vec<Vec<u8>> {
    ffmpeg(
        dir,
        &[
            "-i",
            a,
            "-i",
            b,
            "-lavfi",
            "[0:v][1:v]blend=all_mode=grainextract",
            "-vsync",
            "passthrough",
            "-pix_fmt",
            "yuv420p",
            "-f",
            "rawvideo",
            "grain.yuv",
        ],
    );
    let raw = std::fs::read(dir.join("grain.yuv")).unwrap();
    let luma = (w * h) as usize;
    let frame = luma + 2 * (w.div_ceil(2) * h.div_ceil(2)) as usize;
    assert_eq!(raw.len() % frame, 0, "whole yuv420p frames");
    raw.chunks_exact(frame).map(|f| f[..luma].to_vec()).collect()
}

/// Whether FFmpeg's x86 SSE4 SSIM row sum is wrong at this width (see the module comment).
pub fn ffmpeg_simd_ssim_is_off(width: u32) -> bool {
    (width / 4).saturating_sub(1) % 4 == 1
}
