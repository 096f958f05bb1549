//! `analyze --quant/--symbols` end to end: symbols.bin, rate.npy and the new stats.csv columns equal
//! the CPU reference; `scripts/read_symbols.py` (NumPy only) decodes symbols.bin to the reference's
//! trits; learner trits fed back through `--symbols` reproduce the stream; every malformed file is
//! rejected with one line naming it and the problem (exit 2, no output folder).

use std::path::Path;
use std::process::{Command, Output};
use vidscope::analysis::write_npy;
use vidscope::reference::symbols::{decode_record_trits, records};
use vidscope::reference::{
    block_rates, encode_stream, modes_from_vectors, motion_predict, motion_search, BlockGrid, SymbolLayout,
};
use vidscope::video::{FrameSource, SyntheticSource};

// synthetic:44x30 at block 8: grid 4 x 6 with partial edge blocks (4 x 6 pixels in the corner).
const INPUT: &str = "synthetic:44x30";
const SPEC: &str = "44x30";
const FRAMES: usize = 3;

fn analyze(out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vidscope"))
        .args(["--validation", "on", "analyze", INPUT, "--out", out.to_str().unwrap(), "--frames", "3"])
        .args(["--block", "8", "--range", "2", "--export", "symbols,block-csv"])
        .args(extra)
        .output()
        .expect("run vidscope")
}

fn load<T: npyz::Deserialize>(path: &Path) -> (Vec<u64>, Vec<T>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    (npy.shape().to_vec(), npy.into_vec().unwrap())
}

fn words(path: &Path) -> Vec<u32> {
    std::fs::read(path).unwrap().chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

/// The reference stream of every pair of the synthetic clip, motion-compensated with R = 2.
fn reference_streams(quant: u32) -> (BlockGrid, Vec<Vec<u32>>, Vec<Vec<vidscope::reference::MotionVector>>) {
    let mut source = SyntheticSource::parse(SPEC).unwrap();
    let frames: Vec<Vec<u8>> = (0..FRAMES).map(|_| source.next_frame().unwrap().unwrap().data).collect();
    let grid = BlockGrid::new(44, 30, 8);
    let mut streams = Vec::new();
    let mut all_vectors = Vec::new();
    for pair in frames.windows(2) {
        let (reference, cur) = (&pair[0], &pair[1]);
        let vectors = motion_search(cur, reference, &grid, 2);
        let pred = motion_predict(reference, &grid, &vectors);
        streams.push(encode_stream(cur, &pred, &grid, quant, &modes_from_vectors(&vectors)));
        all_vectors.push(vectors);
    }
    (grid, streams, all_vectors)
}

fn run_reader(out_dir: &Path, save: &Path) -> String {
    let out = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/read_symbols.py"))
        .arg(out_dir)
        .arg("--save")
        .arg(save)
        .output()
        .expect("run python3");
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "read_symbols.py failed:\n{report}{}", String::from_utf8_lossy(&out.stderr));
    report
}

#[test]
fn analyze_exports_the_reference_stream_and_rate_and_python_reads_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out = analyze(&out_dir, &["--quant", "3"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let (grid, streams, vectors) = reference_streams(3);
    let layout = SymbolLayout::new(8, 3);
    assert_eq!(words(&out_dir.join("symbols.bin")), streams.concat(), "symbols.bin equals the reference");

    let (shape, rate) = load::<f32>(&out_dir.join("rate.npy"));
    assert_eq!(shape, vec![2, 4, 6]);
    let rates: Vec<_> = streams
        .iter()
        .zip(&vectors)
        .flat_map(|(s, v)| block_rates(s, &modes_from_vectors(v), &grid, &layout))
        .collect();
    assert_eq!(rate, rates.iter().map(|r| r.total() as f32).collect::<Vec<_>>(), "rate.npy equals the reference");

    let csv = std::fs::read_to_string(out_dir.join("stats.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("pair,by,bx,sad,sse,mean_cur,mean_ref,dx,dy,mc_sad,mc_sse,mv_bits,residual_bits,rate_bits,decode_errors")
    );
    for (line, r) in lines.zip(&rates) {
        let cols: Vec<&str> = line.split(',').collect();
        assert_eq!(cols.len(), 15);
        assert_eq!(cols[14], "0", "a clean clip has no decode errors");
        let f = |i: usize| cols[i].parse::<f32>().unwrap();
        assert_eq!((f(11), f(12), f(13)), (r.mv_bits as f32, r.residual_bits as f32, r.total() as f32), "{line}");
    }

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("manifest.json")).unwrap()).unwrap();
    let s = &manifest["symbols"];
    assert_eq!(s["file"], "symbols.bin");
    assert_eq!((s["quant"].as_u64(), s["planes"].as_u64(), s["block"].as_u64()), (Some(3), Some(5), Some(8)));
    assert_eq!(s["grid"], serde_json::json!([4, 6]));
    assert_eq!((s["header_words"].as_u64(), s["words_per_plane"].as_u64()), (Some(8), Some(4)));
    assert_eq!(s["record_words"].as_u64(), Some(layout.record_words() as u64));
    assert_eq!(s["trit_code"], serde_json::json!({"0": 0, "+1": 1, "-1": 3}));
    assert_eq!(s["byte_order"], "little");
    let pair_bits = manifest["rate"]["pair_bits"].as_array().unwrap();
    assert_eq!(pair_bits.len(), 2);
    let pair0: f64 = rates[..grid.len()].iter().map(|r| r.total()).sum();
    assert!((pair_bits[0].as_f64().unwrap() - pair0).abs() < 1e-6);
    assert_eq!(manifest["files"]["stats.csv"]["shape"], serde_json::json!([48, 15]));

    // The NumPy-only reader decodes the same trits and levels as the Rust decoder.
    let saved = dir.path().join("py");
    let report = run_reader(&out_dir, &saved);
    assert!(report.contains("2 pairs x 4x6 blocks of 8x8, Q = 3, 5 planes"), "{report}");
    let (tshape, trits) = load::<i8>(&saved.join("trits.npy"));
    let (qshape, q) = load::<i32>(&saved.join("q.npy"));
    let (hshape, header) = load::<u32>(&saved.join("header.npy"));
    assert_eq!((tshape, qshape, hshape), (vec![2, 4, 6, 5, 8, 8], vec![2, 4, 6, 8, 8], vec![2, 4, 6, 8]));
    let mut want_trits = Vec::new();
    let mut want_q = Vec::new();
    let mut want_header: Vec<u32> = Vec::new();
    for stream in &streams {
        for record in records(stream, &grid, &layout).unwrap() {
            let (_, t) = decode_record_trits(record, &layout).unwrap();
            want_trits.extend(t);
            want_q.extend(vidscope::reference::decode_record(record, &layout).unwrap().1);
            want_header.extend(&record[..8]);
        }
    }
    assert_eq!(trits, want_trits, "Python trits equal the Rust decoder's");
    assert_eq!(q, want_q, "Python levels equal the Rust decoder's");
    assert_eq!(header, want_header);
    assert!(q.iter().any(|&v| v != 0), "the clip has a residual (edge blocks)");
}

#[test]
fn learner_symbols_replace_the_gpu_stream_in_symbols_bin_and_the_rate() {
    let dir = tempfile::tempdir().unwrap();
    let gpu_dir = dir.path().join("gpu");
    let out = analyze(&gpu_dir, &["--quant", "7"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let saved = dir.path().join("py");
    run_reader(&gpu_dir, &saved);

    // The decoded trits fed back reproduce the stream and the rate exactly.
    let back = dir.path().join("back");
    let trits = saved.join("trits.npy");
    let out = analyze(&back, &["--quant", "7", "--symbols", trits.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(words(&back.join("symbols.bin")), words(&gpu_dir.join("symbols.bin")));
    assert_eq!(load::<f32>(&back.join("rate.npy")), load::<f32>(&gpu_dir.join("rate.npy")));
    let manifest = std::fs::read_to_string(back.join("manifest.json")).unwrap();
    assert!(manifest.contains("learner trits from"), "{manifest}");

    // One all-zero set for every pair: headers keep the vectors, the planes are empty, the rate drops.
    let layout = SymbolLayout::new(8, 7);
    let zeros_path = dir.path().join("zeros.npy");
    write_npy(&zeros_path, &[4, 6, layout.planes as u64, 8, 8], &vec![0i8; 24 * layout.planes as usize * 64]).unwrap();
    let zero_dir = dir.path().join("zero");
    let out = analyze(&zero_dir, &["--quant", "7", "--symbols", zeros_path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (grid, _, vectors) = reference_streams(7);
    let stream = words(&zero_dir.join("symbols.bin"));
    let rw = layout.record_words() as usize;
    for (i, record) in stream.chunks_exact(rw).enumerate() {
        let v = vectors[i / grid.len()][i % grid.len()];
        assert_eq!(&record[..8], &[(i % grid.len()) as u32, 1, v.dx as u32, v.dy as u32, 0, 0, 0, 0]);
        assert!(record[8..].iter().all(|&w| w == 0));
    }
    let zero_rate: f32 = load::<f32>(&zero_dir.join("rate.npy")).1.iter().sum();
    let gpu_rate: f32 = load::<f32>(&gpu_dir.join("rate.npy")).1.iter().sum();
    assert!(zero_rate < gpu_rate, "all-zero trits cost less: {zero_rate} vs {gpu_rate}");
}

#[test]
fn malformed_symbols_fail_with_one_line_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    // --quant 3 → 5 planes; grid 4 x 6 at block 8; 2 pairs.
    let set = 4 * 6 * 5 * 64;
    write_npy(&p("f32.npy"), &[4, 6, 5, 8, 8], &vec![0f32; set]).unwrap();
    write_npy(&p("u8.npy"), &[4, 6, 5, 8, 8], &vec![0u8; set]).unwrap();
    write_npy(&p("rank4.npy"), &[24, 5, 8, 8], &vec![0i8; set]).unwrap();
    write_npy(&p("grid.npy"), &[3, 6, 5, 8, 8], &vec![0i8; 3 * 6 * 5 * 64]).unwrap();
    write_npy(&p("block.npy"), &[4, 6, 5, 4, 4], &vec![0i8; 4 * 6 * 5 * 16]).unwrap();
    write_npy(&p("planes.npy"), &[4, 6, 6, 8, 8], &vec![0i8; 4 * 6 * 6 * 64]).unwrap();
    write_npy(&p("short.npy"), &[1, 4, 6, 5, 8, 8], &vec![0i8; set]).unwrap();
    let flat = |i: [usize; 6]| ((((i[0] * 4 + i[1]) * 6 + i[2]) * 5 + i[3]) * 8 + i[4]) * 8 + i[5];
    let mut two = vec![0i8; 2 * set];
    two[flat([1, 2, 3, 4, 5, 6])] = -2;
    write_npy(&p("two.npy"), &[2, 4, 6, 5, 8, 8], &two).unwrap();
    // Block (3, 5) covers x 40..44, y 24..30: pixel (y 7, x 7) lies outside the frame.
    let mut outside = vec![0i8; 2 * set];
    outside[flat([0, 3, 5, 0, 7, 7])] = 1;
    write_npy(&p("outside.npy"), &[2, 4, 6, 5, 8, 8], &outside).unwrap();
    std::fs::write(p("text.npy"), b"not numpy").unwrap();
    let cases = [
        ("f32.npy", "dtype <f4, expected int8"),
        ("u8.npy", "dtype |u1"),
        ("rank4.npy", "shape [24, 5, 8, 8]"),
        ("grid.npy", "block grid 3x6"),
        ("block.npy", "blocks are 4x4, expected 8x8"),
        ("planes.npy", "has 6 planes, --quant 3 needs 5"),
        ("short.npy", "has 1 pairs, the video needs 2"),
        ("two.npy", "value -2 at [1, 2, 3, 4, 5, 6] is not a trit"),
        ("outside.npy", "non-zero trit 1 at [0, 3, 5, 0, 7, 7], outside the 44x30 frame"),
        ("text.npy", "not a valid .npy"),
        ("missing.npy", "cannot read"),
    ];
    for (name, needle) in cases {
        let out_dir = p("out");
        let out = analyze(&out_dir, &["--quant", "3", "--symbols", p(name).to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let errors: Vec<_> = stderr.lines().filter(|l| l.contains("error")).collect();
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert_eq!(errors.len(), 1, "{name}: one error line: {stderr}");
        assert!(errors[0].starts_with("vidscope: error: "), "{name}: {stderr}");
        assert!(errors[0].contains(name) && errors[0].contains(needle), "{name}: expected {needle:?} in {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!out_dir.exists(), "{name}: no output folder after an error");
    }
    for bad in ["0", "256"] {
        let out_dir = p("out");
        let out = analyze(&out_dir, &["--quant", bad]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&format!("vidscope: error: --quant {bad}: invalid quantiser step")), "{stderr}");
        assert!(!out_dir.exists());
    }
}
