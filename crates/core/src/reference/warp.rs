//! Per-block warps of the reference frame into a predicted frame (docs/ARCHITECTURE.md, Conventions: warps).
//! With block centre c = (x0 + (w-1)/2, y0 + (h-1)/2), pred(p) = bilinear(ref, c + M (p - c) + t),
//! M = [[a, -b], [b, a]], clamp-to-edge, rounded to nearest with ties up. All arithmetic is f32 in
//! the order written here; the GPU does the same and may differ by 1 LSB where FMA contraction
//! moves a value across a .5 boundary. Integer translations are exact: pred(p) = ref(p + t).

use super::grid::BlockGrid;
use super::motion_search::{clamped, MotionVector};

/// Similarity warp parameters of one block; translation is a = 1, b = 0.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WarpParams {
    pub a: f32,
    pub b: f32,
    pub tx: f32,
    pub ty: f32,
}

impl WarpParams {
    pub fn translation(tx: f32, ty: f32) -> Self {
        Self { a: 1.0, b: 0.0, tx, ty }
    }
}

/// Bilinear sample at (x, y) with clamp-to-edge, rounded to nearest (ties up).
pub fn bilinear(plane: &[u8], width: u32, height: u32, x: f32, y: f32) -> u8 {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (ix, iy) = (x0 as i64, y0 as i64);
    let p = |dx: i64, dy: i64| clamped(plane, width, height, ix + dx, iy + dy) as f32;
    let top = p(0, 0) + fx * (p(1, 0) - p(0, 0));
    let bottom = p(0, 1) + fx * (p(1, 1) - p(0, 1));
    let v = top + fy * (bottom - top);
    (v + 0.5).floor().clamp(0.0, 255.0) as u8
}

/// The source position of pixel (x, y) of a block under `params`.
pub fn source_position(grid: &BlockGrid, by: u32, bx: u32, params: &WarpParams, x: u32, y: u32) -> (f32, f32) {
    let r = grid.rect(by, bx);
    let cx = r.x0 as f32 + (r.w as f32 - 1.0) * 0.5;
    let cy = r.y0 as f32 + (r.h as f32 - 1.0) * 0.5;
    let (px, py) = (x as f32 - cx, y as f32 - cy);
    let sx = cx + (params.a * px - params.b * py) + params.tx;
    let sy = cy + (params.b * px + params.a * py) + params.ty;
    (sx, sy)
}

/// Predicted frame from per-block warp parameters (row-major over (by, bx)).
pub fn warp_predict(reference: &[u8], grid: &BlockGrid, params: &[WarpParams]) -> Vec<u8> {
    assert_eq!(params.len(), grid.len(), "one parameter set per block");
    let (w, h) = (grid.width, grid.height);
    let mut pred = vec![0u8; (w * h) as usize];
    for by in 0..grid.blocks_y() {
        for bx in 0..grid.blocks_x() {
            let p = &params[(by * grid.blocks_x() + bx) as usize];
            let r = grid.rect(by, bx);
            for y in r.y0..r.y0 + r.h {
                for x in r.x0..r.x0 + r.w {
                    let (sx, sy) = source_position(grid, by, bx, p, x, y);
                    pred[(y * w + x) as usize] = bilinear(reference, w, h, sx, sy);
                }
            }
        }
    }
    pred
}

/// Predicted frame from integer motion vectors: pred(x, y) = ref(x + dx, y + dy), clamped.
pub fn motion_predict(reference: &[u8], grid: &BlockGrid, vectors: &[MotionVector]) -> Vec<u8> {
    assert_eq!(vectors.len(), grid.len(), "one vector per block");
    let (w, h) = (grid.width, grid.height);
    let mut pred = vec![0u8; (w * h) as usize];
    for (i, r) in grid.rects().enumerate() {
        let v = vectors[i];
        for y in r.y0..r.y0 + r.h {
            for x in r.x0..r.x0 + r.w {
                pred[(y * w + x) as usize] = clamped(reference, w, h, x as i64 + v.dx as i64, y as i64 + v.dy as i64);
            }
        }
    }
    pred
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_translation_warp_equals_motion_prediction() {
        let (w, h) = (23u32, 17u32);
        let reference: Vec<u8> = (0..w * h).map(|i| (i * 7 % 256) as u8).collect();
        let grid = BlockGrid::new(w, h, 8);
        let vectors: Vec<MotionVector> =
            (0..grid.len() as i32).map(|i| MotionVector { dx: i % 5 - 2, dy: i % 3 - 1, sad: 0 }).collect();
        let params: Vec<WarpParams> =
            vectors.iter().map(|v| WarpParams::translation(v.dx as f32, v.dy as f32)).collect();
        assert_eq!(warp_predict(&reference, &grid, &params), motion_predict(&reference, &grid, &vectors));
    }

    #[test]
    fn bilinear_rounds_half_up() {
        let plane = [10u8, 11];
        assert_eq!(bilinear(&plane, 2, 1, 0.5, 0.0), 11); // 10.5 -> 11
        assert_eq!(bilinear(&plane, 2, 1, 0.25, 0.0), 10);
        assert_eq!(bilinear(&plane, 2, 1, -3.0, 0.0), 10); // clamped
    }
}
