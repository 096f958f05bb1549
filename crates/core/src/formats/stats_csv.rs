//! stats.csv: one row per (pair, block) — `pair,by,bx,sad,sse,mean_cur,mean_ref,dx,dy,mc_sad,mc_sse,
//! mv_bits,residual_bits,rate_bits,decode_errors` — written by `analyze --export block-csv` for every
//! pair and by the viewer's export for the shown one; and frames.csv, one row of totals per pair,
//! which `analyze` always writes.

use crate::reference::{BlockGrid, BlockRate, BlockStat, MotionVector};
use std::io::Write;

pub const CSV_HEADER: &str =
    "pair,by,bx,sad,sse,mean_cur,mean_ref,dx,dy,mc_sad,mc_sse,mv_bits,residual_bits,rate_bits,decode_errors";

/// The stats.csv rows of one pair. Motion, MC stats and rates may be missing (the viewer's export
/// of a frame shown without them): their fields are then left empty.
pub struct PairRows<'a> {
    pub pair: u64,
    pub grid: &'a BlockGrid,
    pub stats: &'a [BlockStat],
    pub motion: Option<&'a [MotionVector]>,
    pub mc: Option<&'a [BlockStat]>,
    pub rates: Option<&'a [BlockRate]>,
    pub counts: &'a [u32],
    /// Decoder errors counted on the pair's two frames (cur + ref); 0 for clean frames.
    pub decode_errors: u32,
}

impl PairRows<'_> {
    pub fn write(&self, csv: &mut impl Write) -> std::io::Result<()> {
        self.write_blocks(csv, 0..self.stats.len())
    }

    /// The rows of blocks `range` only (so a long pair can be formatted in pieces, on several threads,
    /// and written in order): the same bytes `write` gives them.
    pub fn write_blocks(&self, csv: &mut impl Write, range: std::ops::Range<usize>) -> std::io::Result<()> {
        let bx_count = self.grid.blocks_x() as usize;
        let errors = self.decode_errors;
        for i in range {
            let s = &self.stats[i];
            let (by, bx, n) = (i / bx_count, i % bx_count, self.counts[i]);
            let (mean_cur, mean_ref) = (BlockStat::mean(s.sum_a, n), BlockStat::mean(s.sum_b, n));
            write!(csv, "{},{by},{bx},{},{},{mean_cur},{mean_ref},", self.pair, s.sad, s.sse)?;
            match (self.motion.and_then(|m| m.get(i)), self.mc.and_then(|m| m.get(i))) {
                (Some(m), Some(mc)) => write!(csv, "{},{},{},{},", m.dx, m.dy, mc.sad, mc.sse)?,
                _ => csv.write_all(b",,,,")?,
            }
            // The same float32 values as rate.npy.
            match self.rates.and_then(|r| r.get(i)) {
                Some(r) => write!(csv, "{},{},{},", r.mv_bits as f32, r.residual_bits as f32, r.total() as f32)?,
                None => csv.write_all(b",,,")?,
            }
            writeln!(csv, "{errors}")?;
        }
        Ok(())
    }
}

/// frames.csv: one row per pair with the frame's totals over all blocks (sums of the per-block
/// arrays; the bits are the manifest's `rate` totals), written by default where stats.csv (one row
/// per block) is asked for with `--export block-csv`.
pub const FRAMES_CSV_HEADER: &str = "pair,frame,sad,sse,mc_sad,mc_sse,mv_bits,residual_bits,rate_bits,decode_errors";

/// One row of frames.csv.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PairTotals {
    pub pair: u64,
    pub sad: u64,
    pub sse: u64,
    pub mc_sad: u64,
    pub mc_sse: u64,
    /// (mv, residual, total) bits of the pair.
    pub bits: [f64; 3],
    pub decode_errors: u32,
}

impl PairTotals {
    /// The totals of pair `pair` (cur = frame pair + 1).
    pub fn new(pair: u64, stats: &[BlockStat], mc: &[BlockStat], bits: [f64; 3], decode_errors: u32) -> Self {
        let sum = |v: &[BlockStat], f: fn(&BlockStat) -> u32| v.iter().map(|s| u64::from(f(s))).sum::<u64>();
        Self {
            pair,
            sad: sum(stats, |s| s.sad),
            sse: sum(stats, |s| s.sse),
            mc_sad: sum(mc, |s| s.sad),
            mc_sse: sum(mc, |s| s.sse),
            bits,
            decode_errors,
        }
    }

    pub fn write(&self, csv: &mut impl Write) -> std::io::Result<()> {
        let [mv, residual, total] = self.bits;
        writeln!(
            csv,
            "{},{},{},{},{},{},{mv},{residual},{total},{}",
            self.pair,
            self.pair + 1,
            self.sad,
            self.sse,
            self.mc_sad,
            self.mc_sse,
            self.decode_errors
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_written_in_pieces_equal_the_whole_and_the_old_formatting() {
        let grid = BlockGrid::new(50, 30, 16);
        let stats: Vec<BlockStat> = (0..grid.len() as u32)
            .map(|i| BlockStat { sad: i * 7, sse: i * 991, sum_a: i * 3001, sum_b: 77 * i + 5 })
            .collect();
        let motion: Vec<MotionVector> =
            (0..grid.len() as i32).map(|i| MotionVector { dx: i - 4, dy: 2 - i, sad: 0 }).collect();
        let rates: Vec<BlockRate> = (0..grid.len())
            .map(|i| BlockRate { mv_bits: i as f64 * 1.5, residual_bits: 1.0 / (i as f64 + 3.0) })
            .collect();
        let counts: Vec<u32> = grid.rects().map(|r| r.count()).collect();
        for (m, r) in [(true, true), (false, false)] {
            let rows = PairRows {
                pair: 3,
                grid: &grid,
                stats: &stats,
                motion: m.then_some(&motion[..]),
                mc: m.then_some(&stats[..]),
                rates: r.then_some(&rates[..]),
                counts: &counts,
                decode_errors: 2,
            };
            let mut whole = Vec::new();
            rows.write(&mut whole).unwrap();
            let mut pieces = Vec::new();
            for start in (0..grid.len()).step_by(5) {
                rows.write_blocks(&mut pieces, start..(start + 5).min(grid.len())).unwrap();
            }
            assert_eq!(whole, pieces);
            // What the earlier formatting (one format! per field group) wrote.
            let mut old = String::new();
            for (i, s) in stats.iter().enumerate() {
                let (by, bx) = (i / 4, i % 4);
                let (mc, mr) = (BlockStat::mean(s.sum_a, counts[i]), BlockStat::mean(s.sum_b, counts[i]));
                let mo =
                    if m { format!("{},{},{},{}", motion[i].dx, motion[i].dy, s.sad, s.sse) } else { ",,,".into() };
                let ra = if r {
                    let x = &rates[i];
                    format!("{},{},{}", x.mv_bits as f32, x.residual_bits as f32, x.total() as f32)
                } else {
                    ",,".into()
                };
                old += &format!("3,{by},{bx},{},{},{mc},{mr},{mo},{ra},2\n", s.sad, s.sse);
            }
            assert_eq!(String::from_utf8(whole).unwrap(), old);
        }
    }

    #[test]
    fn frame_totals_sum_the_blocks() {
        let stats = [BlockStat { sad: u32::MAX, sse: 1, sum_a: 0, sum_b: 0 }; 3];
        let t = PairTotals::new(4, &stats, &stats[..1], [1.5, 2.25, 3.75], 1);
        assert_eq!((t.sad, t.mc_sad), (3 * u64::from(u32::MAX), u64::from(u32::MAX)));
        let mut row = Vec::new();
        t.write(&mut row).unwrap();
        assert_eq!(String::from_utf8(row).unwrap(), format!("4,5,{},3,{},1,1.5,2.25,3.75,1\n", t.sad, t.mc_sad));
        assert_eq!(FRAMES_CSV_HEADER.split(',').count(), 10);
    }
}
