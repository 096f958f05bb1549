//! The YUView statistics CSV read back with YUView's own parsing rules (StatisticsFileCSV.cpp): each
//! line trimmed, stripped of spaces and split on `;`; `%` lines are the header, which ends at the
//! first data row; values are integers (`toInt`); rows of one (POC, type) contiguous and, in a file
//! sorted by POC, every POC in one run. The numbers found are the ones the CPU reference computed:
//! zero-motion SAD/SSE, motion vectors and MC-SAD of each pair, and A/B SAD/SSE/PSNR×100.

mod common;

use common::textured;
use std::collections::{BTreeMap, HashSet};
use vidscope::analysis::{psnr_x100, BlockData, SeqSpecs, StatType, YuviewCsv};
use vidscope::reference::{block_psnr, block_stats, motion_predict, motion_search, BlockGrid, MotionVector};

#[derive(Debug, Default)]
struct ParsedType {
    name: String,
    kind: String,
    default_range: Option<(i32, i32, String)>,
    scale: Option<i32>,
}

#[derive(Debug, PartialEq, Eq)]
struct Row {
    x: i32,
    y: i32,
    w: i32,
    h: i32,
    values: Vec<i32>,
}

#[derive(Debug, Default)]
struct Parsed {
    version: String,
    size: (i32, i32),
    fps: f64,
    types: BTreeMap<i32, ParsedType>,
    /// (POC, type) → rows in file order.
    groups: BTreeMap<(i32, i32), Vec<Row>>,
}

/// YUView's `parseCSVLine`: trimmed, every space removed, split on ';'.
fn fields(line: &str) -> Vec<String> {
    line.trim().replace(' ', "").split(';').map(str::to_string).collect()
}

/// Qt's `toInt` accepts an optional sign and decimal digits only; anything else is a parse failure
/// (which YUView would silently read as 0), so it is an error here.
fn int(s: &str, what: &str) -> i32 {
    s.parse::<i32>().unwrap_or_else(|_| panic!("{what}: {s:?} is not an integer"))
}

fn parse_yuview(text: &str) -> Parsed {
    let mut p = Parsed::default();
    let mut current: Option<i32> = None;
    let mut in_data = false;
    let mut seen_groups = HashSet::new();
    let mut seen_pocs = HashSet::new();
    let mut last: Option<(i32, i32)> = None;
    for (n, line) in text.lines().enumerate() {
        let f = fields(line);
        if f[0].is_empty() {
            continue;
        }
        if f[0].starts_with('%') {
            assert!(!in_data, "line {n}: a header line after the data rows would be read as data");
            assert!(f.len() >= 2, "line {n}: a header line needs a second column (YUView reads it)");
            if n == 0 {
                assert_eq!(f[1], "syntax-version", "the first line gives the syntax version");
            }
            match f[1].as_str() {
                "syntax-version" => p.version = f[2].clone(),
                "seq-specs" => {
                    assert!(f.len() >= 7, "seq-specs has name, layer, width, height, framerate");
                    p.size = (int(&f[4], "width"), int(&f[5], "height"));
                    p.fps = f[6].parse().expect("frame rate");
                }
                "type" => {
                    assert!(f.len() >= 5, "line {n}: type needs ID, name and kind");
                    let id = int(&f[2], "type id");
                    assert!(!p.types.contains_key(&id), "type {id} declared twice");
                    assert!(["range", "map", "vector", "line"].contains(&f[4].as_str()), "kind {}", f[4]);
                    p.types.insert(id, ParsedType { name: f[3].clone(), kind: f[4].clone(), ..Default::default() });
                    current = Some(id);
                }
                "defaultRange" => {
                    let t = p.types.get_mut(&current.expect("defaultRange belongs to a type")).unwrap();
                    t.default_range = Some((int(&f[2], "min"), int(&f[3], "max"), f[4].clone()));
                }
                "scaleFactor" => {
                    let t = p.types.get_mut(&current.expect("scaleFactor belongs to a type")).unwrap();
                    t.scale = Some(int(&f[2], "scale"));
                }
                other => panic!("line {n}: header key {other:?} is not one this writer should produce"),
            }
            continue;
        }
        in_data = true;
        let poc = int(&f[0], "POC");
        let type_id = int(&f[5], "type id");
        let t = p.types.get(&type_id).unwrap_or_else(|| panic!("line {n}: type {type_id} not declared"));
        let expected = if t.kind == "vector" { 8 } else { 7 };
        assert_eq!(f.len(), expected, "line {n}: {} columns for a {} type", f.len(), t.kind);
        // YUView's position scan: a (POC, type) run may not restart, nor may a POC once left.
        if last != Some((poc, type_id)) {
            assert!(seen_groups.insert((poc, type_id)), "line {n}: rows of POC {poc} type {type_id} not contiguous");
            if last.map(|l| l.0) != Some(poc) {
                assert!(seen_pocs.insert(poc), "line {n}: POC {poc} appears in two runs");
            }
            last = Some((poc, type_id));
        }
        let row = Row {
            x: int(&f[1], "x"),
            y: int(&f[2], "y"),
            w: int(&f[3], "w"),
            h: int(&f[4], "h"),
            values: f[6..].iter().map(|v| int(v, "value")).collect(),
        };
        assert!(row.w > 0 && row.h > 0, "line {n}: empty block");
        assert!(row.x + row.w <= p.size.0 && row.y + row.h <= p.size.1, "line {n}: block outside the frame");
        p.groups.entry((poc, type_id)).or_default().push(row);
    }
    p
}

/// The rows a grid's blocks should give, with one or two values each.
fn expected_rows(grid: &BlockGrid, values: impl Iterator<Item = Vec<i32>>) -> Vec<Row> {
    grid.rects()
        .zip(values)
        .map(|(r, v)| Row { x: r.x0 as i32, y: r.y0 as i32, w: r.w as i32, h: r.h as i32, values: v })
        .collect()
}

#[test]
fn yuview_rules_read_back_the_reference_sad_sse_vectors_and_ab_psnr() {
    // 45x30 at b = 16: edge blocks are 13 wide and 14 high.
    let (w, h, block, range) = (45u32, 30u32, 16u32, 4u32);
    let grid = BlockGrid::new(w, h, block);
    let frames: Vec<Vec<u8>> = (0..4).map(|t| textured(w, h, t, (2 * t as i64, t as i64))).collect();
    // "B": the frames with a brightness offset in one corner, so the A/B values vary.
    let b_frames: Vec<Vec<u8>> = frames
        .iter()
        .map(|f| {
            f.iter().enumerate().map(|(i, &v)| if i % w as usize > 30 { v.saturating_add(9) } else { v }).collect()
        })
        .collect();

    let specs = SeqSpecs { name: "synthetic_45x30.y4m".into(), layer: 0, width: w, height: h, fps: 29.97 };
    let mut csv = YuviewCsv::new(Vec::new(), specs).unwrap();
    let types = [
        StatType::sad(0, "SAD", block),
        StatType::sse(1, "SSE", block),
        StatType::sad(2, "MC-SAD", block),
        StatType::vectors(3, "MV"),
        StatType::sad(4, "AB-SAD", block),
        StatType::sse(5, "AB-SSE", block),
        StatType::psnr_x100(6, "AB-PSNR[dBx100]"),
    ];
    for t in &types {
        csv.add_type(t.clone()).unwrap();
    }

    let mut expected: BTreeMap<(i32, i32), Vec<Row>> = BTreeMap::new();
    let ints = |v: Vec<u32>| v.into_iter().map(|x| x as i32).collect::<Vec<_>>();
    for t in 0..frames.len() {
        let ab = block_stats(&frames[t], &b_frames[t], &grid);
        let ab_sad = ints(ab.iter().map(|s| s.sad).collect());
        let ab_sse = ints(ab.iter().map(|s| s.sse).collect());
        let ab_psnr: Vec<i32> = block_psnr(&ab, &grid).into_iter().map(psnr_x100).collect();
        let mut data = vec![
            BlockData::Values { type_id: 4, values: &ab_sad },
            BlockData::Values { type_id: 5, values: &ab_sse },
            BlockData::Values { type_id: 6, values: &ab_psnr },
        ];
        // Pair stats belong to the current frame t (pair t - 1): frame 0 has none.
        let (sad, sse, mc_sad, mv): (Vec<i32>, Vec<i32>, Vec<i32>, Vec<MotionVector>);
        if t > 0 {
            let (cur, reference) = (&frames[t], &frames[t - 1]);
            let zero = block_stats(cur, reference, &grid);
            sad = ints(zero.iter().map(|s| s.sad).collect());
            sse = ints(zero.iter().map(|s| s.sse).collect());
            mv = motion_search(cur, reference, &grid, range);
            let pred = motion_predict(reference, &grid, &mv);
            mc_sad = ints(block_stats(cur, &pred, &grid).iter().map(|s| s.sad).collect());
            data.splice(
                0..0,
                [
                    BlockData::Values { type_id: 0, values: &sad },
                    BlockData::Values { type_id: 1, values: &sse },
                    BlockData::Values { type_id: 2, values: &mc_sad },
                    BlockData::Vectors { type_id: 3, vectors: &mv },
                ],
            );
            for (id, vals) in [(0, &sad), (1, &sse), (2, &mc_sad)] {
                expected.insert((t as i32, id), expected_rows(&grid, vals.iter().map(|&v| vec![v])));
            }
            expected.insert((t as i32, 3), expected_rows(&grid, mv.iter().map(|v| vec![v.dx, v.dy])));
            assert!(mv.iter().any(|v| (v.dx, v.dy) != (0, 0)), "the texture moves");
        }
        for (id, vals) in [(4, &ab_sad), (5, &ab_sse), (6, &ab_psnr)] {
            expected.insert((t as i32, id), expected_rows(&grid, vals.iter().map(|&v| vec![v])));
        }
        csv.write_frame(t as u32, &grid, &data).unwrap();
    }
    let text = String::from_utf8(csv.finish().unwrap()).unwrap();

    let parsed = parse_yuview(&text);
    assert_eq!(parsed.version, "v1.22");
    assert_eq!((parsed.size, parsed.fps), ((w as i32, h as i32), 29.97));
    assert_eq!(parsed.types.len(), types.len());
    for (id, name, kind) in [(0, "SAD", "range"), (3, "MV", "vector"), (6, "AB-PSNR[dBx100]", "range")] {
        assert_eq!((parsed.types[&id].name.as_str(), parsed.types[&id].kind.as_str()), (name, kind));
    }
    assert_eq!(parsed.types[&3].scale, Some(1), "vectors are whole pixels");
    assert_eq!(parsed.types[&0].default_range, Some((0, 16 * 256, "jet".to_string())));
    assert_eq!(parsed.types[&6].default_range, Some((2000, 5000, "jet".to_string())));
    assert_eq!(parsed.groups.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>());
    for (key, rows) in &expected {
        assert_eq!(&parsed.groups[key], rows, "POC {} type {}", key.0, key.1);
    }
    // The corner block has its true size and the identical-block PSNR is 100 dB.
    assert!(parsed.groups[&(1, 0)].iter().any(|r| (r.x, r.y, r.w, r.h) == (32, 16, 13, 14)));
    assert!(parsed.groups[&(0, 6)].iter().any(|r| r.values == [10_000]), "left blocks are identical");
}
