//! The viewer's "export" button: the shown frame's block stats in analyze's formats (one pair):
//! `sad.npy`, `sse.npy`, `mean.npy` as [1, By, Bx], `motion.npy` [1, By, Bx, 2] and `mc_sad.npy`,
//! `mc_sse.npy` when motion search ran, and `stats.csv` with analyze's header (fields of passes that
//! did not run left empty), and `yuview.csv`: the same numbers (and the A/B ones when comparing) as a
//! YUView statistics file.

use super::export::write_npy;
use super::stats_csv::{PairRows, CSV_HEADER};
use super::yuview_export::{FrameStatistics, YuviewExport};
use crate::reference::{BlockGrid, BlockStat, MotionVector};
use anyhow::Context as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// One frame's results as the viewer has them.
pub struct FrameStats<'a> {
    /// Index of the current frame; the pair is `frame - 1` (frame 0 is compared with itself).
    pub frame: usize,
    pub grid: BlockGrid,
    pub stats: &'a [BlockStat],
    pub motion: Option<&'a [MotionVector]>,
    pub mc: Option<&'a [BlockStat]>,
    /// Decoder errors counted on the frame and the one before it (stats.csv's `decode_errors`).
    pub decode_errors: u32,
    /// A (the input) against B (`--ref`), when comparing.
    pub ab: Option<&'a [BlockStat]>,
    /// The input's file name and frame rate, for the YUView file's `seq-specs`.
    pub input_name: &'a str,
    pub fps: f64,
}

/// Writes the files into the folder `out`, which the caller has just created (the viewer takes a new
/// name for each export, so nothing is replaced), and returns it.
pub fn export_frame_stats(out: &Path, f: &FrameStats) -> anyhow::Result<PathBuf> {
    anyhow::ensure!(f.stats.len() == f.grid.len(), "no block stats for this frame yet");
    let shape = [1, f.grid.blocks_y() as u64, f.grid.blocks_x() as u64];
    let counts: Vec<u32> = f.grid.rects().map(|r| r.count()).collect();
    write_npy(&out.join("sad.npy"), &shape, &f.stats.iter().map(|s| s.sad).collect::<Vec<_>>())?;
    write_npy(&out.join("sse.npy"), &shape, &f.stats.iter().map(|s| s.sse).collect::<Vec<_>>())?;
    let mean: Vec<f32> = f.stats.iter().zip(&counts).map(|(s, &n)| BlockStat::mean(s.sum_a, n)).collect();
    write_npy(&out.join("mean.npy"), &shape, &mean)?;
    let motion = f.motion.zip(f.mc).filter(|(m, mc)| m.len() == f.grid.len() && mc.len() == f.grid.len());
    if let Some((m, mc)) = motion {
        let vectors: Vec<i32> = m.iter().flat_map(|v| [v.dx, v.dy]).collect();
        write_npy(&out.join("motion.npy"), &[shape[0], shape[1], shape[2], 2], &vectors)?;
        write_npy(&out.join("mc_sad.npy"), &shape, &mc.iter().map(|s| s.sad).collect::<Vec<_>>())?;
        write_npy(&out.join("mc_sse.npy"), &shape, &mc.iter().map(|s| s.sse).collect::<Vec<_>>())?;
    }
    let csv_path = out.join("stats.csv");
    let mut csv = std::io::BufWriter::new(
        std::fs::File::create(&csv_path).with_context(|| format!("{}: cannot create", csv_path.display()))?,
    );
    let rows = PairRows {
        pair: f.frame.saturating_sub(1) as u64,
        grid: &f.grid,
        stats: f.stats,
        motion: motion.map(|(m, _)| m),
        mc: motion.map(|(_, mc)| mc),
        rates: None,
        counts: &counts,
        decode_errors: f.decode_errors,
    };
    writeln!(csv, "{CSV_HEADER}")
        .and_then(|()| rows.write(&mut csv))
        .and_then(|()| csv.flush())
        .with_context(|| format!("{}: cannot write", csv_path.display()))?;
    // The same statistics as a YUView file (docs/yuview.md), at POC = this frame.
    let yuview_path = out.join("yuview.csv");
    let file =
        std::fs::File::create(&yuview_path).with_context(|| format!("{}: cannot create", yuview_path.display()))?;
    let mut yuview =
        YuviewExport::new(std::io::BufWriter::new(file), f.input_name, f.fps.max(1e-3), f.grid, f.ab.is_some())
            .with_context(|| format!("{}: cannot write", yuview_path.display()))?;
    // Frame 0 is compared with itself: no pair statistics, as in `analyze --yuview-csv`.
    let pair = f.frame > 0;
    let statistics = FrameStatistics {
        stats: pair.then_some(f.stats),
        motion: motion.filter(|_| pair).map(|(m, _)| m),
        mc: motion.filter(|_| pair).map(|(_, mc)| mc),
        ab: f.ab.filter(|ab| ab.len() == f.grid.len()),
    };
    yuview
        .write(f.frame, &statistics)
        .and_then(|()| yuview.finish().map(drop))
        .with_context(|| format!("{}: cannot write", yuview_path.display()))?;
    Ok(out.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_analyze_formats_for_one_pair() {
        let dir = tempfile::tempdir().unwrap();
        let grid = BlockGrid::new(20, 10, 8); // 3 x 2 blocks, edge blocks partial
        let stats: Vec<BlockStat> = (0..6).map(|i| BlockStat { sad: i, sse: i * i, sum_a: 64 * i, sum_b: 0 }).collect();
        let ab: Vec<BlockStat> = (0..6).map(|i| BlockStat { sad: 10 + i, sse: 0, sum_a: 0, sum_b: 0 }).collect();
        let f = FrameStats {
            frame: 5,
            grid,
            stats: &stats,
            motion: None,
            mc: None,
            decode_errors: 2,
            ab: Some(&ab),
            input_name: "my clip.mp4",
            fps: 30.0,
        };
        let out = export_frame_stats(dir.path(), &f).unwrap();
        let csv = std::fs::read_to_string(out.join("stats.csv")).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], CSV_HEADER);
        assert_eq!(lines.len(), 7);
        // Block (0, 1): 8x8 inside pixels, mean 64/64 = 1; pair 4; no motion or rate fields.
        assert_eq!(lines[2], "4,0,1,1,1,1,0,,,,,,,,2");
        let sad = std::fs::read(out.join("sad.npy")).unwrap();
        let npy = npyz::NpyFile::new(&sad[..]).unwrap();
        assert_eq!(npy.shape(), &[1, 2, 3]);
        assert!(!out.join("motion.npy").exists());
        // The YUView file: its header, then POC 5's SAD rows with true edge sizes, and the A/B SAD.
        let yuview = std::fs::read_to_string(out.join("yuview.csv")).unwrap();
        assert!(yuview.starts_with("%;syntax-version;v1.22\n%;seq-specs;my_clip.mp4;0;20;10;30\n"), "{yuview}");
        assert!(yuview.contains("\n5;16;8;4;2;0;5\n"), "SAD of the 4x2 corner block: {yuview}");
        assert!(yuview.contains("\n5;16;8;4;2;4;15\n"), "AB-SAD of the corner block: {yuview}");
    }
}
