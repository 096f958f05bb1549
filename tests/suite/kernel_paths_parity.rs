//! Every code path of the tiled kernels against the CPU reference, bit for bit, on lavapipe with
//! validation on. The frame graph picks one motion-search plan per device (direct on lavapipe), so
//! here each plan shape is forced: staged one block per workgroup, several small blocks per
//! workgroup, row chunks for windows larger than shared memory, and direct reads; K = 4 and 8, KY 1
//! to 4; small blocks, large ranges, partial edge blocks and odd sizes. The fused diff + block stats
//! pass is checked on both its image-store (GPU) and packed-buffer (CPU) paths.

use crate::common;

use common::{assert_no_validation_messages, gpu, random_plane, textured};
use std::sync::Arc;
use vidscope::gpu::{BufferKind, GpuBuffer, GpuContext, LumaImage, Recorder};
use vidscope::passes::motion_cost::MotionCostKernel;
use vidscope::passes::{DiffStatsPass, MotionSearchPass, Search, SearchBindings, SearchPlan, MEASURED_SHAPES};
use vidscope::reference::motion_search::{motion_costs, MotionCost};
use vidscope::reference::{block_stats, diff, motion_search, regularised_search, BlockGrid, MotionVector, BLOCK_SIZES};

/// Two frames uploaded into images, ready for a pass.
struct Pair {
    cur: LumaImage,
    reference: LumaImage,
}

fn upload_pair(ctx: &Arc<GpuContext>, rec: &mut Recorder, w: u32, h: u32, reference: &[u8], cur: &[u8]) -> Pair {
    let pair =
        Pair { cur: LumaImage::new(ctx, "cur", w, h).unwrap(), reference: LumaImage::new(ctx, "ref", w, h).unwrap() };
    let mut staging = GpuBuffer::new(ctx, "staging", 2 * (w * h) as u64, BufferKind::Upload).unwrap();
    staging.bytes_mut()[..(w * h) as usize].copy_from_slice(cur);
    staging.bytes_mut()[(w * h) as usize..2 * (w * h) as usize].copy_from_slice(reference);
    rec.begin().unwrap();
    rec.init_image(&pair.cur).unwrap();
    rec.init_image(&pair.reference).unwrap();
    rec.upload(&staging, 0, &pair.cur).unwrap();
    rec.upload(&staging, (w * h) as u64, &pair.reference).unwrap();
    rec.submit_and_wait().unwrap();
    pair
}

fn search(
    ctx: &Arc<GpuContext>,
    pass: &MotionSearchPass,
    pair: &Pair,
    grid: &BlockGrid,
    params: Search,
    plan: &SearchPlan,
) -> (Vec<MotionVector>, Option<Vec<MotionCost>>) {
    let out = GpuBuffer::new(ctx, "vectors", MotionSearchPass::buffer_size(grid), BufferKind::Readback).unwrap();
    let costs = GpuBuffer::new(ctx, "costs", MotionCostKernel::buffer_size(grid), BufferKind::Readback).unwrap();
    let mut rec = Recorder::new(ctx, "search").unwrap();
    rec.begin().unwrap();
    let bindings = SearchBindings { cur: &pair.cur, reference: &pair.reference, out: &out, costs: Some(&costs) };
    pass.record_with_plan(&mut rec, &bindings, grid, params, plan).unwrap();
    rec.barrier().unwrap();
    rec.submit_and_wait().unwrap();
    // The kernel writes the costs only under plans that gather them.
    let gathered = plan.gathers_costs(params.range).then(|| MotionCostKernel::decode(costs.bytes(), grid));
    (MotionSearchPass::read(&out, grid), gathered)
}

/// The plans worth checking for a block size and range: the GPU and CPU choices, and forced shapes.
fn plans(grid: &BlockGrid, range: u32, subgroup: u32) -> Vec<SearchPlan> {
    let b = grid.block;
    let shared = 32 * 1024;
    let mut plans =
        vec![SearchPlan::choose(grid, range, None, shared), SearchPlan::choose(grid, range, Some(subgroup), shared)];
    for (k, ky, threads, per_block) in [(8, 4, 64, 64), (4, 1, 64, 16), (8, 3, 128, 32), (4, 2, 256, 8), (8, 2, 64, 8)]
    {
        plans.extend(SearchPlan::staged(b, range, k, ky, threads, per_block, shared));
    }
    // The shapes measured fastest on a GPU, at every range (not only the one each was measured at).
    for &(_, _, [k, ky, threads, per_block]) in MEASURED_SHAPES.iter().filter(|s| s.0 == b) {
        plans.extend(SearchPlan::staged(b, range, k, ky, threads, per_block, shared));
    }
    // A small shared budget forces row chunks.
    plans.extend(SearchPlan::staged(b, range, 8, 4, 64, 64, 8 * 1024));
    plans.push(SearchPlan::direct(b, 8, 4, subgroup));
    plans.push(SearchPlan::direct(b, 4, 3, subgroup));
    plans.sort_by_key(|p| format!("{p:?}"));
    plans.dedup();
    plans
}

#[test]
fn every_motion_search_plan_matches_reference_bit_exact() {
    let ctx = gpu();
    let pass = MotionSearchPass::new(&ctx).unwrap();
    let cases: &[(u32, u32, u32, u32)] = &[
        // (w, h, block, range): odd sizes, 1x1, small blocks, large ranges, partial edge blocks.
        (1, 1, 4, 1),
        (17, 9, 4, 7),
        (17, 9, 8, 0),
        (61, 37, 8, 16),
        (45, 33, 32, 16),
        (40, 30, 4, 64),
        (70, 50, 16, 64),
        (33, 29, 32, 32),
        (150, 131, 64, 9),
        (131, 129, 128, 5),
        // The measured GPU shapes' own (block, range) pairs not covered above.
        (37, 23, 16, 4),
        (47, 35, 16, 16),
        (67, 45, 8, 32),
        (90, 70, 32, 4),
        (29, 19, 8, 4),
    ];
    let (mut checked, mut gathered) = (0, 0);
    for (i, &(w, h, b, r)) in cases.iter().enumerate() {
        // Every other case also with a regularised search (--lambda), and one at the largest weight.
        let lambdas: &[u32] = match i % 4 {
            0 => &[0, 37],
            2 => &[0, 4096],
            _ => &[0],
        };
        let grid = BlockGrid::new(w, h, b);
        let len = (w * h) as usize;
        let inputs = [
            (random_plane(len, 41), random_plane(len, 42)),
            (textured(w, h, 7, (0, 0)), textured(w, h, 8, (-3, 2))),
            (vec![200; len], vec![200; len]),
        ];
        let mut rec = Recorder::new(&ctx, "upload").unwrap();
        for ((reference, cur), &lambda) in inputs.iter().flat_map(|input| lambdas.iter().map(move |l| (input, l))) {
            let want = regularised_search(cur, reference, &grid, r, lambda);
            let want_costs = motion_costs(cur, reference, &grid, r, &want);
            let pair = upload_pair(&ctx, &mut rec, w, h, reference, cur);
            for plan in plans(&grid, r, ctx.subgroup_size()) {
                let (got, costs) = search(&ctx, &pass, &pair, &grid, Search { range: r, lambda }, &plan);
                if let Some(costs) = costs {
                    assert_eq!(costs, want_costs, "{w}x{h} b={b} R={r} lambda={lambda} {plan:?}: motion costs");
                    gathered += 1;
                }
                let wrong: Vec<_> = got.iter().zip(&want).enumerate().filter(|(_, (g, w))| g != w).take(3).collect();
                assert!(
                    wrong.is_empty(),
                    "{w}x{h} b={b} R={r} lambda={lambda} {plan:?}: (block, (GPU, reference)) {wrong:?}"
                );
                checked += 1;
            }
        }
    }
    eprintln!("{checked} (input, plan) pairs bit-exact, {gathered} with the costs gathered in the kernel");
    assert!(gathered > 50, "too few plans gather the motion costs ({gathered})");
    assert_no_validation_messages(&ctx);
}

#[test]
fn motion_search_on_a_1919x1081_frame_matches_reference() {
    let ctx = gpu();
    let pass = MotionSearchPass::new(&ctx).unwrap();
    let (w, h, r) = (1919, 1081, 3);
    let (reference, cur) = (textured(w, h, 9, (0, 0)), textured(w, h, 10, (2, -1)));
    let mut rec = Recorder::new(&ctx, "upload").unwrap();
    let pair = upload_pair(&ctx, &mut rec, w, h, &reference, &cur);
    for b in [8, 16] {
        let grid = BlockGrid::new(w, h, b);
        let want = motion_search(&cur, &reference, &grid, r);
        let subgroup = Some(ctx.subgroup_size());
        for plan in [SearchPlan::choose(&grid, r, None, 32 * 1024), SearchPlan::choose(&grid, r, subgroup, 32 * 1024)] {
            assert_eq!(search(&ctx, &pass, &pair, &grid, Search::sad(r), &plan).0, want, "1919x1081 b={b} {plan:?}");
        }
    }
    assert_no_validation_messages(&ctx);
}

#[test]
fn fused_diff_stats_matches_reference_on_both_paths() {
    let ctx = gpu();
    let passes = [DiffStatsPass::with_packing(&ctx, false).unwrap(), DiffStatsPass::with_packing(&ctx, true).unwrap()];
    for &(w, h) in &[(1u32, 1u32), (7, 5), (17, 9), (64, 64), (65, 129), (1919, 1081)] {
        let len = (w * h) as usize;
        let (reference, cur) = (random_plane(len, 51), random_plane(len, 52));
        let mut rec = Recorder::new(&ctx, "diff stats").unwrap();
        let pair = upload_pair(&ctx, &mut rec, w, h, &reference, &cur);
        let image = LumaImage::new(&ctx, "diff", w, h).unwrap();
        let readback = GpuBuffer::new(&ctx, "diff readback", len as u64, BufferKind::Readback).unwrap();
        let blocks: &[u32] = if w > 1000 { &[4, 16, 128] } else { &BLOCK_SIZES };
        for &b in blocks {
            let grid = BlockGrid::new(w, h, b);
            let stats = GpuBuffer::new(&ctx, "stats", DiffStatsPass::buffer_size(&grid), BufferKind::Readback).unwrap();
            for (packed, pass) in passes.iter().enumerate() {
                rec.begin().unwrap();
                rec.init_image(&image).unwrap();
                pass.record(&mut rec, &pair.cur, &pair.reference, &image, &stats, &grid).unwrap();
                rec.barrier().unwrap();
                rec.download(&image, &readback, 0).unwrap();
                rec.submit_and_wait().unwrap();
                let what = format!("{w}x{h} b={b} packed={packed}");
                assert_eq!(&readback.bytes()[..len], &diff(&cur, &reference)[..], "diff {what}");
                assert_eq!(DiffStatsPass::read(&stats, &grid), block_stats(&cur, &reference, &grid), "stats {what}");
            }
        }
    }
    assert_no_validation_messages(&ctx);
}
