//! The A/B comparison against the FFmpeg CLI on real decoded footage: the source clip (A) against a
//! high-CRF x264 re-encode of it (B, "the codec output"), both decoded by vidscope's own sources and
//! run through the GPU passes. Per frame: mse_y and psnr_y equal the `psnr` filter's stats file as
//! printed (2 decimals), the signed difference equals `blend=all_mode=grainextract`'s luma exactly,
//! and the SSIM is within 0.001 of the `ssim` filter's Y (measured: see the printed maximum).
//! FFmpeg's two-input filters take [main][reference]; A is main (top for blend), B the reference.
//!
//! FFmpeg's x86 SSE4 `ssim_end_line` (libavfilter/x86/vf_ssim.asm) mis-sums the last windows of a
//! row when the row has 4k + 1 windows, i.e. floor(W/4) − 1 ≡ 1 (mod 4), W mod 16 in 8..=11: it
//! keeps the third of the last four window slots (one past the row, whose cells are unset) instead of
//! the first. Our SSIM is FFmpeg's C definition; at such widths it is compared with FFmpeg run with
//! `-cpuflags 0` (its C code), at every other width with FFmpeg as it runs by default.
#![cfg(feature = "ffmpeg")]

use crate::common;
use crate::common::ab_rig;
use crate::common::ffmpeg_cli;

use ab_rig::AbRig;
use common::{assert_no_validation_messages, gpu};
use ffmpeg_cli::{decode, ffmpeg, ffmpeg_simd_ssim_is_off, ffmpeg_with, grainextract_luma, stats_lines};
use std::path::Path;
use vidscope::reference::{format_2dp, frame_error, signed_diff, ssim, BlockGrid, FrameError};

/// Compares vidscope's A/B results on (a, b) with FFmpeg's filters; returns the largest SSIM
/// difference seen and whether any frame pair differed (finite PSNR).
fn compare_with_ffmpeg(dir: &Path, a: &str, b: &str) -> (f64, bool) {
    let (w, h, frames_a) = decode(&dir.join(a));
    let (wb, hb, frames_b) = decode(&dir.join(b));
    assert_eq!((w, h), (wb, hb), "A and B sizes");
    assert_eq!(frames_a.len(), frames_b.len(), "A and B frame counts");
    let n = frames_a.len();
    assert!(n >= 10, "enough frames: {n}");

    ffmpeg(dir, &["-i", a, "-i", b, "-lavfi", "[0:v][1:v]psnr=stats_file=psnr.log", "-f", "null", "-"]);
    let ssim_cpu: &[&str] = if ffmpeg_simd_ssim_is_off(w) { &["-cpuflags", "0"] } else { &[] };
    ffmpeg_with(dir, ssim_cpu, &["-i", a, "-i", b, "-lavfi", "[0:v][1:v]ssim=stats_file=ssim.log", "-f", "null", "-"]);
    let psnr_log = stats_lines(&dir.join("psnr.log"));
    let ssim_log = stats_lines(&dir.join("ssim.log"));
    let grain = grainextract_luma(dir, a, b, w, h);
    assert_eq!((psnr_log.len(), ssim_log.len(), grain.len()), (n, n, n), "one FFmpeg result per frame");

    let ctx = gpu();
    let mut rig = AbRig::new(&ctx, w, h);
    let grid = BlockGrid::new(w, h, 16);
    let (mut max_ssim_diff, mut max_mse_diff) = (0.0f64, 0.0f64);
    let mut some_psnr_finite = false;
    for t in 0..n {
        let (fa, fb) = (&frames_a[t], &frames_b[t]);
        let out = rig.run(fa, fb, 16);
        let fe = FrameError::from_block_stats(&out.stats, &grid);
        assert_eq!(fe, frame_error(fa, fb, w, h), "GPU = CPU, frame {t}");
        let (mse_y, psnr_y) = (&psnr_log[t]["mse_y"], &psnr_log[t]["psnr_y"]);
        assert_eq!(&format_2dp(fe.mse), mse_y, "mse_y of frame {t} ({w}x{h}): ours {}", fe.mse);
        assert_eq!(&format_2dp(fe.psnr), psnr_y, "psnr_y of frame {t} ({w}x{h}): ours {}", fe.psnr);
        max_mse_diff = max_mse_diff.max((fe.mse - mse_y.parse::<f64>().unwrap()).abs());
        some_psnr_finite |= fe.psnr.is_finite();

        assert!(out.signed_diff == grain[t], "signed difference = grainextract, frame {t} ({w}x{h})");
        assert!(out.signed_diff == signed_diff(fa, fb));

        let ours = out.ssim.ssim().expect("frame has SSIM windows");
        assert_eq!(Some(ours), ssim(fa, fb, w, h), "GPU = CPU SSIM, frame {t}");
        let theirs: f64 = ssim_log[t]["Y"].parse().unwrap();
        let d = (ours - theirs).abs();
        assert!(d <= 0.001, "SSIM of frame {t} ({w}x{h}): ours {ours}, FFmpeg {theirs}");
        max_ssim_diff = max_ssim_diff.max(d);
    }
    assert_no_validation_messages(&ctx);
    eprintln!(
        "{a} vs {b} ({w}x{h}, {n} frames): mse_y/psnr_y equal as printed (max |mse diff| {max_mse_diff:.2e}), \
         grainextract equal, max |SSIM - FFmpeg Y| = {max_ssim_diff:.2e}{}",
        if ssim_cpu.is_empty() { "" } else { " (FFmpeg's C SSIM, -cpuflags 0)" }
    );
    (max_ssim_diff, some_psnr_finite)
}

#[test]
fn clip_against_its_high_crf_reencode_matches_ffmpeg_psnr_ssim_and_grainextract() {
    let dir = tempfile::tempdir().unwrap();
    let clip = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/clip.mp4");
    std::fs::copy(clip, dir.path().join("a.mp4")).unwrap();
    ffmpeg(
        dir.path(),
        &["-i", "a.mp4", "-c:v", "libx264", "-preset", "veryfast", "-crf", "38", "-pix_fmt", "yuv420p", "b.mp4"],
    );
    let (ssim_diff, differs) = compare_with_ffmpeg(dir.path(), "a.mp4", "b.mp4");
    assert!(differs, "the re-encode must differ from the source");
    assert!(ssim_diff <= 0.001);
}

#[test]
fn odd_sizes_in_y4m_against_their_reencode_match_ffmpeg() {
    // 339x185: SSIM ignores the last 3 columns and 1 row (whole 4x4 cells only), the PSNR does not.
    // 331x185 has 81 windows per row: FFmpeg's SIMD row sum is off there, so its C code is the judge.
    let dir = tempfile::tempdir().unwrap();
    let clip = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/clip.mp4");
    for (w, h) in [(339, 185), (331, 185)] {
        let (a, b) = (format!("a{w}.y4m"), format!("b{w}.y4m"));
        let crop = format!("format=yuv444p,crop={w}:{h}:7:3,format=yuv420p");
        ffmpeg(dir.path(), &["-i", clip, "-vf", &crop, "-frames:v", "12", &a]);
        // x264 takes odd sizes in 4:4:4; its output is stored back as 4:2:0 y4m (luma untouched).
        let mp4 = format!("b{w}.mp4");
        ffmpeg(
            dir.path(),
            &["-i", &a, "-c:v", "libx264", "-preset", "veryfast", "-crf", "40", "-pix_fmt", "yuv444p", &mp4],
        );
        ffmpeg(dir.path(), &["-i", &mp4, "-pix_fmt", "yuv420p", &b]);
        assert_eq!(ffmpeg_simd_ssim_is_off(w), w == 331);
        assert!(compare_with_ffmpeg(dir.path(), &a, &b).1);
    }
    // Identical inputs: FFmpeg prints mse_y:0.00 psnr_y:inf and Y:1.000000; so do we.
    let (ssim_diff, differs) = compare_with_ffmpeg(dir.path(), "a339.y4m", "a339.y4m");
    assert_eq!((ssim_diff, differs), (0.0, false));
}
