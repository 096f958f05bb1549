//! The motion field as arrows a person can read (docs/ARCHITECTURE.md, "Arrows"): vectors whose MC
//! gain is below `--min-gain` are hidden, and where blocks are small on screen one arrow stands for a
//! g×g group of blocks, with the group's median vector. Pure logic, no egui: `scene::arrows` maps the
//! result to the screen.

use crate::reference::BlockGrid;

/// The smallest spacing of arrows on screen, in points: closer arrows are grouped.
pub const MIN_ARROW_SPACING: f32 = 12.0;

/// The largest group side, in blocks (blocks of 4 px at the smallest zoom, 0.05, need 64).
const MAX_GROUP: u32 = 1 << 12;

/// One block's motion as the arrows need it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BlockMotion {
    pub dx: i32,
    pub dy: i32,
    /// The block's MC-SAD (colours its arrow).
    pub mc_sad: u32,
    /// zero-vector SAD − best SAD (`motion_cost`'s `mc-gain`); `None` when the pass did not run.
    pub gain: Option<f32>,
}

/// One arrow of the field in image pixels: from the centre of its blocks, the (median) vector, and
/// the (median) MC-SAD that colours it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FieldArrow {
    pub centre: (f32, f32),
    pub dx: i32,
    pub dy: i32,
    pub mc_sad: u32,
}

/// The group side g (blocks): the smallest power of two with g × `block_on_screen` ≥
/// [`MIN_ARROW_SPACING`] points; 1 when blocks are that large already.
pub fn group_size(block_on_screen: f32) -> u32 {
    let mut g = 1;
    while g < MAX_GROUP && (g as f32 * block_on_screen) < MIN_ARROW_SPACING {
        g *= 2;
    }
    g
}

/// Whether a block's vector is shown at `min_gain`: always at 0, else only when its gain is known and
/// at least `min_gain`.
pub fn passes_gain(gain: Option<f32>, min_gain: u32) -> bool {
    min_gain == 0 || gain.is_some_and(|g| g >= min_gain as f32)
}

/// The lower median (of an even count, the smaller of the two middle values); `None` when empty.
pub fn lower_median<T: Ord + Copy>(values: &mut [T]) -> Option<T> {
    if values.is_empty() {
        return None;
    }
    let mid = (values.len() - 1) / 2;
    Some(*values.select_nth_unstable(mid).1)
}

/// The arrows of a frame's vectors (`blocks`, row-major over `grid`) with groups of `group` × `group`
/// blocks: one arrow per group that has a block passing the gain filter, from the centre of the
/// group's pixels (edge groups clipped to the picture), with the componentwise lower median of the
/// passing blocks' dx and dy and of their MC-SAD. Groups in row-major order; none when `blocks` does
/// not cover the grid.
pub fn field(grid: &BlockGrid, blocks: &[BlockMotion], min_gain: u32, group: u32) -> Vec<FieldArrow> {
    if blocks.len() != grid.len() || group == 0 {
        return Vec::new();
    }
    let (bx_n, by_n) = (grid.blocks_x(), grid.blocks_y());
    let side = group * grid.block;
    let (mut dxs, mut dys, mut sads) = (Vec::new(), Vec::new(), Vec::new());
    let mut arrows = Vec::new();
    for gy in 0..by_n.div_ceil(group) {
        for gx in 0..bx_n.div_ceil(group) {
            dxs.clear();
            dys.clear();
            sads.clear();
            for by in gy * group..((gy + 1) * group).min(by_n) {
                for bx in gx * group..((gx + 1) * group).min(bx_n) {
                    let b = blocks[(by * bx_n + bx) as usize];
                    if passes_gain(b.gain, min_gain) {
                        dxs.push(b.dx);
                        dys.push(b.dy);
                        sads.push(b.mc_sad);
                    }
                }
            }
            let (Some(dx), Some(dy), Some(mc_sad)) =
                (lower_median(&mut dxs), lower_median(&mut dys), lower_median(&mut sads))
            else {
                continue; // no block of the group is shown
            };
            let (x0, y0) = (gx * side, gy * side);
            let (x1, y1) = ((x0 + side).min(grid.width), (y0 + side).min(grid.height));
            let centre = (x0 as f32 + (x1 - x0) as f32 / 2.0, y0 as f32 + (y1 - y0) as f32 / 2.0);
            arrows.push(FieldArrow { centre, dx, dy, mc_sad });
        }
    }
    arrows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(dx: i32, dy: i32, gain: f32) -> BlockMotion {
        BlockMotion { dx, dy, mc_sad: gain as u32, gain: Some(gain) }
    }

    #[test]
    fn the_group_is_the_smallest_power_of_two_reaching_twelve_points() {
        assert_eq!(group_size(16.0), 1);
        assert_eq!(group_size(12.0), 1);
        assert_eq!(group_size(11.9), 2);
        assert_eq!(group_size(6.0), 2);
        assert_eq!(group_size(4.0), 4, "8 points is not enough, 16 is");
        assert_eq!(group_size(1.0), 16);
        assert_eq!(group_size(0.0), MAX_GROUP, "no zoom: the largest group, not a hang");
    }

    #[test]
    fn the_gain_filter_shows_all_at_zero_and_needs_a_known_gain_otherwise() {
        assert!(passes_gain(None, 0));
        assert!(passes_gain(Some(0.0), 0));
        assert!(!passes_gain(None, 1));
        assert!(!passes_gain(Some(9.0), 10));
        assert!(passes_gain(Some(10.0), 10), "the threshold itself is shown");
    }

    #[test]
    fn the_median_of_an_even_count_is_the_lower_one() {
        assert_eq!(lower_median::<i32>(&mut []), None);
        assert_eq!(lower_median(&mut [5]), Some(5));
        assert_eq!(lower_median(&mut [3, -1]), Some(-1));
        assert_eq!(lower_median(&mut [4, 1, 3, 2]), Some(2));
        assert_eq!(lower_median(&mut [9, 1, 5]), Some(5));
    }

    #[test]
    fn ungrouped_every_passing_block_has_its_own_arrow_at_its_centre() {
        // 3x2 blocks of 8 on a 20x16 picture: the right column is 4 px wide.
        let grid = BlockGrid::new(20, 16, 8);
        let blocks: Vec<_> = (0..6).map(|i| block(i, -i, 10.0 * i as f32)).collect();
        let all = field(&grid, &blocks, 0, 1);
        assert_eq!(all.len(), 6);
        assert_eq!(all[2], FieldArrow { centre: (18.0, 4.0), dx: 2, dy: -2, mc_sad: 20 });
        let strong = field(&grid, &blocks, 30, 1);
        assert_eq!(strong.iter().map(|a| a.dx).collect::<Vec<_>>(), vec![3, 4, 5]);
    }

    #[test]
    fn a_group_draws_the_componentwise_lower_median_of_its_passing_blocks() {
        // 4x2 blocks of 4 on 16x8, groups of 2x2: group 0 = blocks 0, 1, 4, 5; group 1 = 2, 3, 6, 7.
        let grid = BlockGrid::new(16, 8, 4);
        let mut blocks = vec![block(0, 0, 0.0); 8];
        blocks[0] = block(1, 7, 50.0);
        blocks[1] = block(5, 2, 50.0);
        blocks[4] = block(3, 9, 50.0);
        blocks[5] = block(-4, 4, 5.0); // filtered out at min gain 10
        let arrows = field(&grid, &blocks, 10, 2);
        // dx of {1, 5, 3} → 3, dy of {7, 2, 9} → 7: componentwise, not one block's vector.
        assert_eq!(arrows, vec![FieldArrow { centre: (4.0, 4.0), dx: 3, dy: 7, mc_sad: 50 }]);
        // Without the filter: dx {1, 5, 3, -4} → 1, dy {7, 2, 9, 4} → 4 (lower medians); group 1 too.
        let arrows = field(&grid, &blocks, 0, 2);
        assert_eq!(arrows[0], FieldArrow { centre: (4.0, 4.0), dx: 1, dy: 4, mc_sad: 50 });
        assert_eq!(arrows[1], FieldArrow { centre: (12.0, 4.0), dx: 0, dy: 0, mc_sad: 0 });
    }

    #[test]
    fn edge_groups_are_centred_on_their_pixels_inside_the_picture() {
        // 3x3 blocks of 4 on 10x10 in groups of 2: the last group is one column of 2 px.
        let grid = BlockGrid::new(10, 10, 4);
        let blocks = vec![block(1, 1, 1.0); grid.len()];
        let centres: Vec<_> = field(&grid, &blocks, 0, 2).iter().map(|a| a.centre).collect();
        assert_eq!(centres, vec![(4.0, 4.0), (9.0, 4.0), (4.0, 9.0), (9.0, 9.0)]);
    }

    #[test]
    fn vectors_that_do_not_cover_the_grid_draw_nothing() {
        let grid = BlockGrid::new(16, 16, 8);
        assert!(field(&grid, &[block(1, 1, 1.0)], 0, 1).is_empty());
    }
}
