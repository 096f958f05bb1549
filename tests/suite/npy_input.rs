//! `.npy` frame stacks as inputs (a learner's predictions and targets): analyze on a stack writes the
//! same bytes as on the same frames as `.y4m`; an RGB float stack becomes the documented luma
//! (checked by NumPy with the formula written out again); `--ref` takes a stack; bad arrays are one
//! line naming the file and what was found.

use crate::common::vidscope;
use crate::common::y4m::Y4m;
use std::path::Path;
use std::process::Command;
use vidscope::formats::write_npy;

const W: u32 = 75;
const H: u32 = 43;
const T: usize = 5;

/// Frame t: a texture moving (1, 2) per frame, odd-sized (edge blocks).
fn frame(t: usize) -> Vec<u8> {
    (0..H as i64)
        .flat_map(|y| (0..W as i64).map(move |x| (x, y)))
        .map(|(x, y)| ((x - t as i64) * 9 + (y - 2 * t as i64) * 5 + ((x * y) >> 4)).rem_euclid(256) as u8)
        .collect()
}

fn analyze(input: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec!["analyze", input.to_str().unwrap(), "--out", out.to_str().unwrap(), "-r", "3"];
    args.extend(["--export", "all", "--dump", "raw,diff,residual"]);
    args.extend(extra);
    let o = vidscope(&args);
    assert!(o.status.success(), "analyze {}: {}", input.display(), String::from_utf8_lossy(&o.stderr));
}

/// Every file of an analyze output but the manifest, with its bytes.
fn outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in walk(dir) {
        let name = entry.strip_prefix(dir).unwrap().display().to_string();
        if name != "manifest.json" {
            files.push((name, std::fs::read(&entry).unwrap()));
        }
    }
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flat_map(|e| {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p)
            } else {
                vec![p]
            }
        })
        .collect()
}

#[test]
fn analyze_on_a_stack_writes_the_bytes_it_writes_on_the_same_frames_as_y4m() {
    let dir = tempfile::tempdir().unwrap();
    let frames: Vec<Vec<u8>> = (0..T).map(frame).collect();
    let y4m = dir.path().join("clip.y4m");
    Y4m::gray(W, H).write(&y4m, frames.iter().cloned());
    let shape = [T as u64, H as u64, W as u64];
    let u8_stack = dir.path().join("u8.npy");
    write_npy(&u8_stack, &shape, &frames.concat()).unwrap();
    // The same values as floats in [0, 1] with a trailing channel, and as 10-bit uint16.
    let floats: Vec<f32> = frames.concat().iter().map(|&v| f32::from(v) / 255.0).collect();
    let f32_stack = dir.path().join("f32.npy");
    write_npy(&f32_stack, &[T as u64, H as u64, W as u64, 1], &floats).unwrap();
    let tenbit: Vec<u16> = frames.concat().iter().map(|&v| u16::from(v) << 2 | 3).collect();
    let u16_stack = dir.path().join("u16.npy");
    write_npy(&u16_stack, &shape, &tenbit).unwrap();

    analyze(&y4m, &dir.path().join("a"), &[]);
    let want = outputs(&dir.path().join("a"));
    assert!(want.len() > 20, "{} files", want.len());
    for (stack, extra) in [(&u8_stack, &[][..]), (&f32_stack, &[][..]), (&u16_stack, &["--npy-bits", "10"][..])] {
        let out = dir.path().join(stack.file_stem().unwrap());
        analyze(stack, &out, extra);
        let got = outputs(&out);
        assert_eq!(got.iter().map(|f| &f.0).collect::<Vec<_>>(), want.iter().map(|f| &f.0).collect::<Vec<_>>());
        for ((name, a), (_, b)) in got.iter().zip(&want) {
            assert!(a == b, "{}: {name} differs from the .y4m run's", stack.display());
        }
    }
    // A stack as the reference: the A/B outputs of two identical inputs are all zero.
    let out = dir.path().join("ab");
    let o = vidscope(&[
        "analyze",
        y4m.to_str().unwrap(),
        "--ref",
        u8_stack.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-r",
        "1",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(out.join("psnr.csv")).unwrap();
    let mse = |l: &str| l.split(',').nth(1).and_then(|v| v.parse::<f64>().ok());
    assert!(csv.lines().count() == T + 1 && csv.lines().skip(1).all(|l| mse(l) == Some(0.0)), "{csv}");
    // A gray .y4m and a luma stack have no chroma, and 75x43 is under MS-SSIM's 161: those columns empty.
    assert!(
        csv.lines().skip(1).all(|l| l.split(',').count() == 11 && l.split(',').skip(4).all(str::is_empty)),
        "{csv}"
    );
}

#[test]
fn an_rgb_float_stack_is_read_through_the_documented_conversion() {
    let dir = tempfile::tempdir().unwrap();
    // [T, 3, H, W] float32 in [0, 1], with values outside it (clipped).
    let n = (W * H) as usize;
    let values: Vec<f32> = (0..T * 3 * n).map(|i| ((i * 7919) % 1201) as f32 / 1000.0 - 0.05).collect();
    let stack = dir.path().join("rgb.npy");
    write_npy(&stack, &[T as u64, 3, H as u64, W as u64], &values).unwrap();
    let out = dir.path().join("out");
    let o = vidscope(&["analyze", stack.to_str().unwrap(), "--out", out.to_str().unwrap(), "-r", "1", "--dump", "raw"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // NumPy, from the README's formulas: v -> floor(clip(255 v, 0, 255) + 0.5), then
    // Y = (19595 R + 38470 G + 7471 B + 32768) >> 16.
    let script = r#"
import sys, numpy as np
a = np.load(sys.argv[1]).astype(np.float32)
v = np.floor(np.clip(a * np.float32(255), 0, 255) + np.float32(0.5)).astype(np.int64)
y = (19595 * v[:, 0] + 38470 * v[:, 1] + 7471 * v[:, 2] + 32768) >> 16
np.save(sys.argv[2], y.astype(np.uint8))
"#;
    let expected = dir.path().join("y.npy");
    let py = Command::new("python3").args(["-c", script, stack.to_str().unwrap(), expected.to_str().unwrap()]).output();
    let py = py.expect("run python3");
    assert!(py.status.success(), "{}", String::from_utf8_lossy(&py.stderr));
    let bytes = std::fs::read(&expected).unwrap();
    let want: Vec<u8> = npyz::NpyFile::new(&bytes[..]).unwrap().into_vec().unwrap();
    for t in 0..T {
        let png = out.join(format!("raw/{t:06}.png"));
        let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut buf).unwrap();
        assert_eq!(&buf[..n], &want[t * n..(t + 1) * n], "frame {t}: luma of the RGB stack");
    }
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("float32 rgb"), "{manifest}");
}

#[test]
fn bad_arrays_are_one_line_errors_naming_the_file_and_what_was_found() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, dict: &str, body: usize| {
        let mut header = dict.as_bytes().to_vec();
        while !(10 + header.len() + 1).is_multiple_of(64) {
            header.push(b' ');
        }
        header.push(b'\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend((header.len() as u16).to_le_bytes());
        bytes.extend(header);
        bytes.extend(vec![0u8; body]);
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let cases = [
        (write("fortran.npy", "{'descr': '|u1', 'fortran_order': True, 'shape': (2, 8, 8), }", 128), "Fortran order"),
        (write("int32.npy", "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 8, 8), }", 512), "dtype <i4"),
        (write("rank.npy", "{'descr': '|u1', 'fortran_order': False, 'shape': (8, 8), }", 64), "shape [8, 8]"),
        (write("short.npy", "{'descr': '|u1', 'fortran_order': False, 'shape': (4, 8, 8), }", 100), "truncated"),
    ];
    let npz = dir.path().join("pair.npz");
    std::fs::write(&npz, b"PK\x03\x04 not an npy").unwrap();
    for (path, needle) in cases.iter().map(|(p, n)| (p.clone(), *n)).chain([(npz, ".npz")]) {
        let o = vidscope(&["bench", path.to_str().unwrap(), "-n", "2"]);
        let err = String::from_utf8_lossy(&o.stderr);
        let line = err.lines().filter(|l| !l.starts_with("vidscope: GPU")).collect::<Vec<_>>();
        assert_eq!(o.status.code(), Some(2), "{}: {err}", path.display());
        assert_eq!(line.len(), 1, "{}: {err}", path.display());
        assert!(line[0].contains(path.to_str().unwrap()) && line[0].contains(needle), "{}: {err}", path.display());
    }
}

#[test]
fn ref_start_auto_finds_the_offset_and_says_the_runner_up() {
    let dir = tempfile::tempdir().unwrap();
    // B is A with three other frames in front: frame t of A is frame t + 3 of B.
    let a: Vec<Vec<u8>> = (0..16).map(frame).collect();
    let b: Vec<Vec<u8>> = (0..3).map(|t| frame(40 + t)).chain(a.iter().cloned()).collect();
    let (pa, pb) = (dir.path().join("a.y4m"), dir.path().join("b.npy"));
    Y4m::gray(W, H).write(&pa, a.iter().cloned());
    write_npy(&pb, &[b.len() as u64, H as u64, W as u64], &b.concat()).unwrap();
    let out = dir.path().join("out");
    let args = ["analyze", pa.to_str().unwrap(), "--ref", pb.to_str().unwrap(), "--ref-start", "auto:5"];
    let o = vidscope(&[&args[..], &["--out", out.to_str().unwrap(), "-r", "1"]].concat());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("--ref-start auto:5: offset 3 (luma MSE 0.000)") && err.contains("runner-up"), "{err}");
    let csv = std::fs::read_to_string(out.join("psnr.csv")).unwrap();
    assert!(csv.lines().skip(1).all(|l| l.contains(",inf,")), "aligned, every frame is identical: {csv}");
    // The other way round B runs behind A: one line saying how to swap them.
    let (pb_y4m, out2) = (dir.path().join("b.y4m"), dir.path().join("out2"));
    Y4m::gray(W, H).write(&pb_y4m, b.iter().cloned());
    let o = vidscope(&[
        "analyze",
        pb_y4m.to_str().unwrap(),
        "--ref",
        pa.to_str().unwrap(),
        "--ref-start",
        "auto:5",
        "--out",
        out2.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    let last = err.lines().last().unwrap_or("");
    assert!(!o.status.success() && last.contains("offset -3") && last.contains("swap them"), "{err}");
    assert!(!out2.exists());
}
