//! `analyze --ref`'s outputs: `ab_sad.npy`, `ab_sse.npy` (uint32 [F, By, Bx], one row per compared
//! frame) and `psnr.csv` (`frame,mse_y,psnr_y,ssim_y`, as FFmpeg's `psnr` and `ssim` filters define
//! them), written frame by frame.

use super::manifest::FileEntry;
use super::npy_stream::NpyStream;
use crate::reference::{BlockGrid, BlockStat, FrameError};
use anyhow::Context as _;
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

pub const PSNR_CSV_HEADER: &str = "frame,mse_y,psnr_y,ssim_y";

/// Streams psnr.csv and the per-block A/B arrays to the output folder.
pub struct CompareExport {
    csv_path: PathBuf,
    csv: BufWriter<std::fs::File>,
    ab_sad: NpyStream<u32>,
    ab_sse: NpyStream<u32>,
    frames: u64,
    /// Per frame (mse_y, psnr_y, ssim_y) for the summary.
    totals: Vec<(f64, f64, Option<f64>)>,
}

impl CompareExport {
    pub fn create(dir: &Path, grid: &BlockGrid) -> anyhow::Result<Self> {
        let csv_path = dir.join("psnr.csv");
        let file =
            std::fs::File::create(&csv_path).with_context(|| format!("{}: cannot create", csv_path.display()))?;
        let mut csv = BufWriter::new(file);
        writeln!(csv, "{PSNR_CSV_HEADER}").with_context(|| format!("{}: cannot write", csv_path.display()))?;
        let row = [grid.blocks_y() as u64, grid.blocks_x() as u64];
        let ab_sad = NpyStream::create(&dir.join("ab_sad.npy"), &row)?;
        let ab_sse = NpyStream::create(&dir.join("ab_sse.npy"), &row)?;
        Ok(Self { csv_path, csv, ab_sad, ab_sse, frames: 0, totals: Vec::new() })
    }

    /// Frame t of the input against its reference frame: per-block stats and its SSIM
    /// (`SsimCells::ssim` of its cells, `None` below 8×8).
    pub fn add(&mut self, t: usize, stats: &[BlockStat], ssim: Option<f64>, grid: &BlockGrid) -> anyhow::Result<()> {
        let row: Vec<u8> = stats.iter().flat_map(|s| s.sad.to_le_bytes()).collect();
        self.ab_sad.extend_bytes(&row)?;
        let row: Vec<u8> = stats.iter().flat_map(|s| s.sse.to_le_bytes()).collect();
        self.ab_sse.extend_bytes(&row)?;
        let error = FrameError::from_block_stats(stats, grid);
        // FFmpeg prints inf for identical frames; SSIM needs at least one 8x8 window.
        let psnr = if error.psnr.is_infinite() { "inf".to_string() } else { format!("{:.6}", error.psnr) };
        let ssim_text = ssim.map_or("nan".to_string(), |s| format!("{s:.6}"));
        writeln!(self.csv, "{t},{:.6},{psnr},{ssim_text}", error.mse)
            .with_context(|| format!("{}: cannot write", self.csv_path.display()))?;
        self.totals.push((error.mse, error.psnr, ssim));
        self.frames += 1;
        Ok(())
    }

    /// Writes the arrays and returns the manifest entries and the mean PSNR/SSIM for the summary.
    pub fn finish(mut self) -> anyhow::Result<(BTreeMap<String, FileEntry>, String)> {
        self.csv.flush().with_context(|| format!("{}: cannot write", self.csv_path.display()))?;
        let shape = self.ab_sad.finish()?;
        self.ab_sse.finish()?;
        let entry = FileEntry::new;
        let mut files = BTreeMap::new();
        files.insert(
            "ab_sad.npy".into(),
            entry(shape.to_vec(), "uint32", "SAD of frame t (A) vs its reference frame (B)"),
        );
        files.insert(
            "ab_sse.npy".into(),
            entry(shape.to_vec(), "uint32", "SSE of frame t (A) vs its reference frame (B)"),
        );
        files.insert(
            "psnr.csv".into(),
            entry(
                vec![self.frames, 4],
                "csv",
                "frame,mse_y,psnr_y,ssim_y: luma MSE/PSNR as FFmpeg's psnr filter (inf when identical), SSIM as its ssim filter (nan below 8x8)",
            ),
        );
        let n = self.totals.len().max(1) as f64;
        let mean_mse = self.totals.iter().map(|t| t.0).sum::<f64>() / n;
        let ssims: Vec<f64> = self.totals.iter().filter_map(|t| t.2).collect();
        let summary = format!(
            "A/B: mean mse_y {mean_mse:.3} (psnr_y {:.2} dB), mean ssim_y {}",
            crate::reference::psnr_from_mse(mean_mse),
            if ssims.is_empty() {
                "n/a".into()
            } else {
                format!("{:.4}", ssims.iter().sum::<f64>() / ssims.len() as f64)
            }
        );
        Ok((files, summary))
    }
}
