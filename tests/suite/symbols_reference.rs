//! The symbol stream's CPU reference on its own: encode → decode round trip for every block size and
//! several quantisers (edge blocks included), the decoder's rejections, the GLSL include's constants
//! equal to the Rust ones, and the MDL rate against hand-computed values.

use crate::common;

use common::random_plane;
use vidscope::reference::rate::{adaptive_trit_bits, predictor, residual_bits, se_bits, side_info_bits};
use vidscope::reference::symbols::{
    self, block_levels, decode_record_trits, encode_levels, encode_trits, plane_nonzero_counts, quantize, reconstruct,
    records, stream_plane_nonzero_counts, trit_at, GLSL_CONSTANTS,
};
use vidscope::reference::{
    decode_record, encode_stream, BlockGrid, BlockMode, BlockRect, SymbolLayout, WarpParams, BLOCK_SIZES,
};

/// A mode per block cycling through all four kinds (b = −0.0 in one translation on purpose).
fn mixed_modes(n: usize, seed: u64) -> Vec<BlockMode> {
    let r = random_plane(n * 4, seed);
    (0..n)
        .map(|i| {
            let u = |k: usize| r[i * 4 + k] as f32 / 16.0 - 8.0;
            match i % 5 {
                0 => BlockMode::ZeroMotion,
                1 => BlockMode::MotionVector { dx: u(0) as i32, dy: -(u(1) as i32) },
                2 => BlockMode::Warp(WarpParams::translation(u(2), u(3))),
                3 => BlockMode::Warp(WarpParams { a: 1.0, b: -0.0, tx: u(0), ty: 0.25 }),
                _ => BlockMode::Warp(WarpParams { a: 1.0 + u(0) / 100.0, b: u(1) / 100.0, tx: u(2), ty: u(3) }),
            }
        })
        .collect()
}

#[test]
fn encode_then_decode_returns_the_quantised_residual_for_every_block_size_and_quantiser() {
    let mut checked = 0usize;
    for &(w, h) in &[(1u32, 1u32), (17, 9), (61, 37), (130, 67)] {
        let len = (w * h) as usize;
        let planes = [
            (random_plane(len, 1), random_plane(len, 2)),
            (vec![255; len], vec![0; len]),
            (vec![0; len], vec![255; len]),
        ];
        for &b in &BLOCK_SIZES {
            let grid = BlockGrid::new(w, h, b);
            let modes = mixed_modes(grid.len(), b as u64);
            for quant in [1, 2, 3, 7, 16, 85, 128, 255] {
                let layout = SymbolLayout::new(b, quant);
                for (cur, pred) in &planes {
                    let stream = encode_stream(cur, pred, &grid, quant, &modes);
                    assert_eq!(stream.len(), grid.len() * layout.record_words() as usize);
                    // The per-pixel accessor agrees with the levels, pixel by pixel, in frame coordinates.
                    let (x, y) = (w - 1, h / 2);
                    let level: i32 =
                        (0..layout.planes).fold(0, |acc, k| acc * 3 + trit_at(&stream, &grid, &layout, k, x, y) as i32);
                    let at = (y * w + x) as usize;
                    assert_eq!(level, quantize(cur[at] as i32 - pred[at] as i32, quant));
                    let map = stream_plane_nonzero_counts(&stream, &grid, &layout).unwrap();
                    assert_eq!(map.len(), grid.len() * layout.planes as usize);
                    for (i, record) in records(&stream, &grid, &layout).unwrap().enumerate() {
                        let (by, bx) = (i as u32 / grid.blocks_x(), i as u32 % grid.blocks_x());
                        let (header, levels) = decode_record(record, &layout).unwrap();
                        assert_eq!(header.index, i as u32);
                        assert_eq!(header.mode.code(), modes[i].code(), "mode of block {i}");
                        assert_eq!(header.mode.param_words(), modes[i].param_words(), "params of block {i}");
                        let rect = grid.rect(by, bx);
                        for (p, &q) in levels.iter().enumerate() {
                            let (lx, ly) = (p as u32 % b, p as u32 / b);
                            let want = if lx < rect.w && ly < rect.h {
                                let at = ((rect.y0 + ly) * w + rect.x0 + lx) as usize;
                                quantize(cur[at] as i32 - pred[at] as i32, quant)
                            } else {
                                0
                            };
                            assert_eq!(q, want, "{w}x{h} b={b} Q={quant} block {i} pixel {p}");
                        }
                        assert_eq!(levels, block_levels(cur, pred, &grid, by, bx, quant));
                        let counts = plane_nonzero_counts(record, &layout);
                        assert_eq!(counts.iter().sum::<u32>(), header.nonzero);
                        let (_, trits) = decode_record_trits(record, &layout).unwrap();
                        let n = layout.pixels();
                        for (k, &c) in counts.iter().enumerate() {
                            assert_eq!(c as usize, trits[k * n..(k + 1) * n].iter().filter(|&&d| d != 0).count());
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    eprintln!("{checked} records round-tripped");
}

#[test]
fn reconstruction_is_within_half_a_step_and_exact_at_q1() {
    for quant in 1..=255u32 {
        for r in -255..=255i32 {
            let q = quantize(r, quant);
            let back = reconstruct(&[q], quant)[0];
            assert!((r - back).unsigned_abs() <= quant / 2, "r={r} Q={quant} q={q} r^={back}");
            assert!(q.unsigned_abs() <= symbols::max_level(quant));
        }
    }
    // Q = 3, r = −20: q = −floor((20 + 1)/3) = −7 = −9 + 3 − 1, digits (0, 0, −1, +1, −1) on 5 planes.
    assert_eq!(quantize(-20, 3), -7);
    assert_eq!(&symbols::level_to_trits(-7, 5)[..5], &[0, 0, -1, 1, -1]);
}

#[test]
fn decoder_rejects_malformed_records() {
    let layout = SymbolLayout::new(4, 1);
    let levels: Vec<i32> = (0..16).map(|i| i * 17 - 128).collect();
    let good = encode_levels(5, BlockMode::MotionVector { dx: -3, dy: 2 }, &levels, &layout);
    let (header, back) = decode_record(&good, &layout).unwrap();
    assert_eq!((header.index, header.mode), (5, BlockMode::MotionVector { dx: -3, dy: 2 }));
    assert_eq!(back, levels);

    let broken = |f: &dyn Fn(&mut Vec<u32>)| {
        let mut r = good.clone();
        f(&mut r);
        decode_record(&r, &layout).unwrap_err().to_string()
    };
    assert!(broken(&|r| r.truncate(10)).contains("record has 10 words, expected 14"));
    let word = symbols::HEADER_WORDS as usize + 2; // plane 2, pixels 0..16
    assert!(broken(&|r| r[word] = (r[word] & !(0b11 << 6)) | (0b10 << 6))
        .contains("invalid trit code 0b10 at plane 2, pixel 3"));
    assert!(broken(&|r| r[1] = 5).contains("unknown mode 5"));
    // Mode 4 (dense flow) has no parameters.
    assert!(broken(&|r| r[1] = 4).contains("mode 4 does not match its parameter words"));
    assert!(broken(&|r| r[4] = 1).contains("does not match its parameter words"));
    assert!(broken(&|r| r[6] += 1).contains("non-zero trits"));
    assert!(broken(&|r| r[7] = 9).contains("reserved header word is 9"));
    // Mode 2 (translation) with a != 1 is inconsistent.
    let t = encode_levels(0, BlockMode::Warp(WarpParams::translation(1.5, 0.0)), &levels, &layout);
    assert_eq!(t[1], symbols::MODE_WARP_TRANSLATION);
    let mut bad = t.clone();
    bad[2] = 2f32.to_bits();
    assert!(decode_record(&bad, &layout).unwrap_err().to_string().contains("mode 2 does not match"));
}

#[test]
fn glsl_include_constants_equal_the_rust_constants() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/shaders/symbols.glsl");
    let text = std::fs::read_to_string(path).unwrap();
    let mut glsl = std::collections::BTreeMap::new();
    for line in text.lines().map(str::trim).filter(|l| l.starts_with("const ")) {
        // const uint NAME = VALUEu;  // comment
        let decl = line.split(';').next().unwrap();
        let (lhs, value) = decl.split_once('=').unwrap_or_else(|| panic!("cannot parse {line:?}"));
        let name = lhs.trim().strip_prefix("const uint ").unwrap_or_else(|| panic!("not a uint constant: {line:?}"));
        let value: u32 = value.trim().trim_end_matches('u').parse().unwrap_or_else(|_| panic!("value of {line:?}"));
        glsl.insert(name.trim().to_string(), value);
    }
    let rust: std::collections::BTreeMap<String, u32> =
        GLSL_CONSTANTS.iter().map(|&(n, v)| (n.to_string(), v)).collect();
    assert_eq!(glsl, rust, "shaders/symbols.glsl and reference::symbols::GLSL_CONSTANTS differ");
    assert_eq!(rust.len(), 18);
}

#[test]
fn signed_exp_golomb_lengths_match_hand_values() {
    let table = [(0, 1), (1, 3), (-1, 3), (2, 5), (-2, 5), (3, 5), (-3, 5), (4, 7), (-4, 7), (7, 7), (8, 9), (-8, 9)];
    for (v, bits) in table {
        assert_eq!(se_bits(v), bits, "se({v})");
    }
}

#[test]
fn median_predictor_on_a_3x3_grid_matches_hand_values() {
    let vectors: [(i32, i32); 9] = [(1, 0), (3, 2), (-1, 4), (2, 2), (0, -3), (5, 1), (4, 4), (1, 1), (-2, 0)];
    let symbols: Vec<[i64; 4]> = vectors.iter().map(|&(x, y)| [x as i64, y as i64, 0, 0]).collect();
    // Worked by hand (docs/symbols.md): first row predicts from the left; C outside → top-left.
    let want = [(0, 0), (1, 0), (3, 2), (1, 0), (2, 2), (0, 2), (0, 0), (4, 1), (1, 1)];
    for (i, &(px, py)) in want.iter().enumerate() {
        let p = predictor(&symbols, 3, 3, i as u32 / 3, i as u32 % 3);
        assert_eq!((p[0], p[1]), (px, py), "predictor of block {i}");
    }
    let grid = BlockGrid::new(48, 48, 16);
    let modes: Vec<BlockMode> = vectors.iter().map(|&(dx, dy)| BlockMode::MotionVector { dx, dy }).collect();
    let bits = side_info_bits(&modes, &grid);
    assert_eq!(bits, vec![4.0, 10.0, 12.0, 8.0, 12.0, 10.0, 14.0, 6.0, 8.0]);
    assert!(side_info_bits(&[BlockMode::ZeroMotion; 9], &grid).iter().all(|&b| b == 0.0));
}

#[test]
fn warp_side_information_codes_quarter_pels_and_1024ths() {
    let grid = BlockGrid::new(8, 8, 8);
    let t = side_info_bits(&[BlockMode::Warp(WarpParams::translation(0.5, -0.25))], &grid);
    assert_eq!(t, vec![8.0], "se(2) + se(-1)");
    let s = WarpParams { a: 1.0 + 1.0 / 1024.0, b: -2.0 / 1024.0, tx: 0.0, ty: 0.0 };
    assert_eq!(side_info_bits(&[BlockMode::Warp(s)], &grid), vec![10.0], "se(0) + se(0) + se(1) + se(-2)");
}

/// The adaptive model's cost symbol by symbol, as docs/symbols.md defines it.
fn sequential_bits(trits: &[i8]) -> f64 {
    let mut counts = [1.0f64; 3];
    let mut bits = 0.0;
    for &d in trits {
        let s = (d + 1) as usize;
        bits -= (counts[s] / counts.iter().sum::<f64>()).log2();
        counts[s] += 1.0;
    }
    bits
}

#[test]
fn adaptive_trit_cost_matches_the_sequential_definition() {
    let zeros16: f64 = (0..16).map(|i| ((i + 3) as f64 / (i + 1) as f64).log2()).sum();
    assert!((adaptive_trit_bits([16, 0, 0]) - zeros16).abs() < 1e-9, "all-zero plane of 16 trits");
    assert!((zeros16 - (17.0f64 * 18.0 / 2.0).log2()).abs() < 1e-9);
    assert!((adaptive_trit_bits([1, 1, 1]) - 60f64.log2()).abs() < 1e-12, "+1, -1, 0 costs log2 3 + 2 + log2 5");
    assert_eq!(adaptive_trit_bits([0, 0, 0]), 0.0);

    // A record's residual bits = Σ over planes of the sequential cost of its inside trits.
    let layout = SymbolLayout::new(8, 1);
    let noise = random_plane(64 * 6, 9);
    // Uneven counts: zeros most often, then +1, then −1.
    let trits: Vec<i8> = noise.iter().map(|&v| [0, 0, 0, 1, 1, -1][v as usize % 6]).collect();
    let record = encode_trits(0, BlockMode::ZeroMotion, &trits, &layout);
    let full = BlockRect { x0: 0, y0: 0, w: 8, h: 8 };
    let want: f64 = trits.chunks(64).map(sequential_bits).sum();
    assert!((residual_bits(&record, &layout, &full) - want).abs() < 1e-9);
    // An edge block codes only its inside pixels (5 x 3 here), in raster order.
    let edge = BlockRect { x0: 16, y0: 8, w: 5, h: 3 };
    let want: f64 = trits
        .chunks(64)
        .map(|plane| {
            let inside: Vec<i8> = (0..3).flat_map(|y| (0..5).map(move |x| plane[y * 8 + x])).collect();
            sequential_bits(&inside)
        })
        .sum();
    assert!((residual_bits(&record, &layout, &edge) - want).abs() < 1e-9);
    let (_, decoded) = decode_record_trits(&record, &layout).unwrap();
    assert_eq!(decoded, trits);
}

/// docs/symbols.md's worked example: one 4×4 frame (a single block), Q = 3, vector (2, −1).
#[test]
fn docs_worked_example_encodes_to_the_documented_words() {
    let cur: [u8; 16] = [128, 129, 127, 132, 126, 133, 148, 108, 255, 0, 255, 0, 131, 125, 130, 126];
    let pred: [u8; 16] = [128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 0, 255, 128, 128, 128, 128];
    let grid = BlockGrid::new(4, 4, 4);
    let mode = BlockMode::MotionVector { dx: 2, dy: -1 };
    let stream = encode_stream(&cur, &pred, &grid, 3, &[mode]);
    let layout = SymbolLayout::new(4, 3);
    assert_eq!((layout.planes, layout.words_per_plane(), layout.record_words()), (5, 1, 13));
    let (_, levels) = decode_record(&stream, &layout).unwrap();
    assert_eq!(levels, [0, 0, 0, 1, -1, 2, 7, -7, 42, -43, 85, -85, 1, -1, 1, -1]);
    let (_, trits) = decode_record_trits(&stream, &layout).unwrap();
    assert_eq!(&trits[16..32], &[0, 0, 0, 0, 0, 0, 0, 0, -1, 1, 0, 0, 0, 0, 0, 0], "plane 1");
    let header = [0, 1, 2, (-1i32) as u32, 0, 0, 29, 0]; // index, mode 1, dx, dy, 0, 0, non-zero, reserved
    let planes = [0x00DD_0000, 0x0007_0000, 0x0007_D000, 0x00D7_7400, 0xDDDC_DF40];
    assert_eq!(stream, [&header[..], &planes[..]].concat());
    // (zeros, +1s, −1s) per plane.
    let counts = [[12, 2, 2], [14, 1, 1], [12, 2, 2], [9, 4, 3], [4, 5, 7]];
    let plane_bits: f64 = counts.iter().map(|&c| adaptive_trit_bits(c)).sum();
    let rate = vidscope::reference::block_rates(&stream, &[mode], &grid, &layout)[0];
    assert_eq!(rate.mv_bits, 8.0, "se(2) + se(-1) against the predictor (0, 0)");
    assert!((rate.residual_bits - plane_bits).abs() < 1e-9 && (rate.residual_bits - 110.0934).abs() < 1e-4);
    assert!((adaptive_trit_bits([12, 2, 2]) - 20.6721).abs() < 1e-4);
}

#[test]
fn planes_per_quantiser_match_the_docs_table() {
    let table = [(1, 2, 6), (3, 6, 5), (7, 18, 4), (19, 56, 3), (57, 170, 2), (171, 255, 1)];
    for (first, last, n) in table {
        for q in first..=last {
            assert_eq!(symbols::planes_for_quant(q), n, "Q = {q}");
        }
    }
}
