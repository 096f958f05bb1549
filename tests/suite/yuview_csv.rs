//! The YUView statistics CSV read back with YUView's own parsing rules (StatisticsFileCSV.cpp): each
//! line trimmed, stripped of spaces and split on `;`; `%` lines are the header, which ends at the
//! first data row; values are integers (`toInt`); rows of one (POC, type) contiguous and, in a file
//! sorted by POC, every POC in one run. The numbers found are the ones the CPU reference computed:
//! zero-motion SAD/SSE, motion vectors and MC-SAD of each pair, and A/B SAD/SSE/PSNR×100.

use crate::common;
use crate::common::yuview_parse;

use common::textured;
use std::collections::BTreeMap;
use vidscope::analysis::{psnr_x100, BlockData, SeqSpecs, StatType, YuviewCsv};
use vidscope::reference::{block_psnr, block_stats, motion_predict, motion_search, BlockGrid, MotionVector};
use yuview_parse::{parse_yuview, Row};

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
