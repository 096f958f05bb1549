//! Shared test helpers: a GPU context with validation required, deterministic frames.
#![allow(dead_code)]

pub mod ab_rig;
pub mod ffmpeg_cli;
pub mod y4m;
pub mod yuview_parse;

use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use vidscope::gpu::{GpuContext, GpuOptions, ValidationMode};
use vidscope::passes::{FrameGraph, FrameOutputs};
use vidscope::reference::WarpParams;

/// A context on the default device with the validation layer on (fails if it is not installed).
/// Prints the device so a failure names the driver.
/// The bundled clip (640x360, 30 fps, moving).
pub const CLIP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/clip.mp4");

pub fn gpu() -> Arc<GpuContext> {
    let ctx = GpuContext::new(&GpuOptions { validation: ValidationMode::On, gpu: None })
        .unwrap_or_else(|e| panic!("no GPU context for tests: {e}"));
    eprintln!("GPU tests on: {}", ctx.describe());
    Arc::new(ctx)
}

/// Fails the test if the validation layer reported any warning or error.
pub fn assert_no_validation_messages(ctx: &GpuContext) {
    let messages = ctx.validation_log().messages();
    assert!(messages.is_empty(), "validation messages on {}:\n{}", ctx.describe(), messages.join("\n"));
}

/// xorshift64*: deterministic pseudo-random bytes without a dependency.
pub fn random_plane(len: usize, seed: u64) -> Vec<u8> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            (s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

/// Pushes ref then cur (optionally with warp params) and returns the pair's outputs.
pub fn run_pair(g: &mut FrameGraph, reference: &[u8], cur: &[u8], warp: Option<&[WarpParams]>) -> FrameOutputs {
    g.reset_sequence();
    g.push_frame(reference).unwrap();
    g.push_frame_with(cur, warp).unwrap()
}

/// A smooth texture shifted by `shift`, plus noise: real motion, small residuals, and near-ties for
/// the search.
pub fn textured(w: u32, h: u32, seed: u64, shift: (i64, i64)) -> Vec<u8> {
    let noise = random_plane((w * h) as usize, seed);
    (0..h as i64)
        .flat_map(|y| (0..w as i64).map(move |x| (x, y)))
        .enumerate()
        .map(|(i, (x, y))| {
            let (u, v) = (x + shift.0, y + shift.1);
            let smooth = 128.0 + 60.0 * ((u as f64) * 0.31).sin() * ((v as f64) * 0.23).cos();
            (smooth as i64 + (noise[i] as i64 % 9) - 4).clamp(0, 255) as u8
        })
        .collect()
}

/// The vidscope binary with the validation layer on (any message fails the command) and stdin closed.
pub fn vidscope_cmd() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vidscope"));
    cmd.args(["--validation", "on"]).stdin(Stdio::null());
    cmd
}

/// Runs vidscope with `args` to the end.
pub fn vidscope(args: &[&str]) -> Output {
    vidscope_cmd().args(args).output().expect("run vidscope")
}

/// An 8-bit gray PNG's pixels (analyze's dumps).
pub fn read_png_gray(path: &std::path::Path) -> Vec<u8> {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    buf
}

/// The mode word of every block header in an analyze folder's `symbols.bin` (its layout from the
/// manifest's `symbols.record_words`).
pub fn symbol_modes(out: &std::path::Path) -> Vec<u32> {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let record_words = manifest["symbols"]["record_words"].as_u64().unwrap() as usize;
    let bytes = std::fs::read(out.join("symbols.bin")).unwrap();
    let words: Vec<u32> = bytes.chunks_exact(4).map(|w| u32::from_le_bytes(w.try_into().unwrap())).collect();
    words.chunks_exact(record_words).map(|r| r[1]).collect()
}

/// Writes `fields` (interleaved (u, v) per pixel of a `w` × `h` frame) as a float32 .npy [P, H, W, 2],
/// what `--flow` reads.
pub fn write_flow_npy(path: &std::path::Path, w: u32, h: u32, fields: &[Vec<f32>]) {
    use npyz::WriterBuilder;
    let mut out = npyz::WriteOptions::<f32>::new()
        .default_dtype()
        .shape(&[fields.len() as u64, u64::from(h), u64::from(w), 2])
        .writer(std::io::BufWriter::new(std::fs::File::create(path).unwrap()))
        .begin_nd()
        .unwrap();
    fields.iter().for_each(|f| out.extend(f.iter().copied()).unwrap());
    out.finish().unwrap();
}
