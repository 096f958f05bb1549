//! The cost surface of one chosen block (the cost_surface pass) against its CPU reference, bit for bit,
//! on lavapipe with validation on: inner and edge blocks of odd-sized frames, R from 0 to 9; its
//! second best located on the surface agrees with the motion costs' second-best SAD; without a chosen
//! block the pass does not run.

use crate::common;

use common::{assert_no_validation_messages, gpu, random_plane, run_pair, textured};
use vidscope::passes::cost_surface::{CostSurfacePass, SURFACE};
use vidscope::passes::motion_cost::{MotionCostKernel, COSTS};
use vidscope::passes::{FrameGraph, PassSelection};
use vidscope::reference::motion_search::{cost_surface, surface_second_best};
use vidscope::reference::{motion_search, BlockGrid};

#[test]
fn the_cost_surface_matches_the_reference_bit_exact() {
    let ctx = gpu();
    let cases: &[(u32, u32, u32, u32)] = &[(17, 9, 4, 3), (61, 37, 16, 7), (45, 33, 32, 0), (70, 50, 16, 9)];
    let selection = PassSelection { surface: true, ..PassSelection::ALL };
    let mut checked = 0;
    for &(w, h, b, r) in cases {
        let grid = BlockGrid::new(w, h, b);
        let mut g = FrameGraph::new(&ctx, grid, selection, false).expect("frame graph");
        g.set_range(r).unwrap();
        let (reference, cur) = (textured(w, h, 11, (0, 0)), textured(w, h, 12, (1, -2)));
        let noise = (random_plane((w * h) as usize, 5), random_plane((w * h) as usize, 6));
        for (reference, cur) in [(&reference, &cur), (&noise.0, &noise.1)] {
            // An inner block, the last (edge) block, the first.
            for (by, bx) in
                [(grid.blocks_y() / 2, grid.blocks_x() / 2), (grid.blocks_y() - 1, grid.blocks_x() - 1), (0, 0)]
            {
                g.set_surface_block(Some((by, bx)));
                let out = run_pair(&mut g, reference, cur, None);
                let got = CostSurfacePass::decode(out.buffers.get(SURFACE).expect("read back"), r);
                let want = cost_surface(cur, reference, &grid, by, bx, r);
                assert_eq!(got, want, "{w}x{h} b={b} R={r} block ({bx}, {by})");
                // The surface's second best is the motion costs' (when there is one).
                let i = (by * grid.blocks_x() + bx) as usize;
                let v = motion_search(cur, reference, &grid, r)[i];
                let costs = MotionCostKernel::decode(out.buffers.get(COSTS).expect("costs"), &grid)[i];
                let second = surface_second_best(&got, r, (v.dx, v.dy)).map_or(costs.best, |s| s.sad);
                assert_eq!(second, costs.second, "{w}x{h} b={b} R={r} block ({bx}, {by}): second best");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 24);
    assert_no_validation_messages(&ctx);
}
