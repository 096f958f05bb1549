//! stats.csv: one row per (pair, block) — `pair,by,bx,sad,sse,mean_cur,mean_ref,dx,dy,mc_sad,mc_sse,
//! mv_bits,residual_bits,rate_bits` — written by `analyze` for every pair and by the viewer's export
//! for the shown one.

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
        let bx_count = self.grid.blocks_x() as usize;
        for (i, s) in self.stats.iter().enumerate() {
            let (by, bx, n) = (i / bx_count, i % bx_count, self.counts[i]);
            let (mean_cur, mean_ref) = (BlockStat::mean(s.sum_a, n), BlockStat::mean(s.sum_b, n));
            let motion = match (self.motion.and_then(|m| m.get(i)), self.mc.and_then(|m| m.get(i))) {
                (Some(m), Some(mc)) => format!("{},{},{},{}", m.dx, m.dy, mc.sad, mc.sse),
                _ => ",,,".into(),
            };
            // The same float32 values as rate.npy.
            let rate = match self.rates.and_then(|r| r.get(i)) {
                Some(r) => format!("{},{},{}", r.mv_bits as f32, r.residual_bits as f32, r.total() as f32),
                None => ",,".into(),
            };
            let errors = self.decode_errors;
            writeln!(
                csv,
                "{},{by},{bx},{},{},{mean_cur},{mean_ref},{motion},{rate},{errors}",
                self.pair, s.sad, s.sse
            )?;
        }
        Ok(())
    }
}
