//! `analyze --ref`'s outputs: `ab_sad.npy`, `ab_sse.npy` (uint32 [F, By, Bx], one row per compared
//! frame) and `psnr.csv` ([`PSNR_CSV_HEADER`]: luma as FFmpeg's `psnr` and `ssim` filters define
//! them, then the chroma PSNRs, the weighted YUV PSNRs and MS-SSIM papers report; docs/ARCHITECTURE.md
//! "Chroma PSNR and MS-SSIM"), written frame by frame.

use super::manifest::FileEntry;
use super::npy_stream::NpyStream;
use crate::reference::{BlockGrid, BlockStat, ChromaSse, FrameError, YuvError};
use anyhow::Context as _;
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

pub const PSNR_CSV_HEADER: &str =
    "frame,mse_y,psnr_y,ssim_y,mse_u,mse_v,psnr_u,psnr_v,psnr_yuv_611,psnr_yuv_411,ms_ssim_y";

/// What psnr.csv's manifest entry says of its columns.
const PSNR_CSV_ABOUT: &str = "frame,mse_y,psnr_y,ssim_y: luma MSE/PSNR as FFmpeg's psnr filter (inf when identical), \
SSIM as its ssim filter (nan below 8x8); mse_u,mse_v,psnr_u,psnr_v: each chroma plane at its own size, as the psnr filter; \
psnr_yuv_611 = (6Y+U+V)/8 (DCVC), psnr_yuv_411 = (4Y+U+V)/6 (CompressAI), inf when a plane is identical; \
ms_ssim_y as pytorch_msssim.ms_ssim(data_range=255); empty where not defined (no chroma in A or B, \
different subsampling, a side under 161)";

/// A frame's A/B metrics beyond the block stats: each `None` where it is not defined.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AbMetrics {
    /// Luma SSIM (`SsimCells::ssim`; `None` below 8×8).
    pub ssim: Option<f64>,
    /// Cb and Cr SSE (`None`: A or B without chroma, or with different subsampling).
    pub chroma: Option<ChromaSse>,
    /// Luma MS-SSIM (`None` when a side is under 161).
    pub ms_ssim: Option<f64>,
    /// Both frames had chroma, of different sizes (the chroma columns stay empty; said once).
    pub chroma_mismatch: bool,
}

/// Streams psnr.csv and the per-block A/B arrays to the output folder.
pub struct CompareExport {
    csv_path: PathBuf,
    csv: BufWriter<std::fs::File>,
    ab_sad: NpyStream<u32>,
    ab_sse: NpyStream<u32>,
    frames: u64,
    /// Per frame (mse_y, psnr_y, ssim_y) for the summary.
    totals: Vec<(f64, f64, Option<f64>)>,
    /// Per frame psnr_yuv_611 and ms_ssim_y where defined, for the summary.
    yuv_611: Vec<f64>,
    ms_ssims: Vec<f64>,
    chroma_mismatch: bool,
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
        Ok(Self {
            csv_path,
            csv,
            ab_sad,
            ab_sse,
            frames: 0,
            totals: Vec::new(),
            yuv_611: Vec::new(),
            ms_ssims: Vec::new(),
            chroma_mismatch: false,
        })
    }

    /// Frame t of the input against its reference frame: per-block stats and its other metrics.
    pub fn add(&mut self, t: usize, stats: &[BlockStat], metrics: &AbMetrics, grid: &BlockGrid) -> anyhow::Result<()> {
        let row: Vec<u8> = stats.iter().flat_map(|s| s.sad.to_le_bytes()).collect();
        self.ab_sad.extend_bytes(&row)?;
        let row: Vec<u8> = stats.iter().flat_map(|s| s.sse.to_le_bytes()).collect();
        self.ab_sse.extend_bytes(&row)?;
        let error = FrameError::from_block_stats(stats, grid);
        // FFmpeg prints inf for identical frames; SSIM needs at least one 8x8 window.
        let psnr = psnr_text(error.psnr);
        let ssim_text = metrics.ssim.map_or("nan".to_string(), |s| format!("{s:.6}"));
        let yuv = metrics.chroma.map(|sse| YuvError::new(error.psnr, sse));
        let yuv_text = yuv.map_or(",,,,,".to_string(), |e| {
            let p = [e.psnr_u, e.psnr_v, e.psnr_yuv_611, e.psnr_yuv_411].map(psnr_text);
            format!("{:.6},{:.6},{},{},{},{}", e.mse_u, e.mse_v, p[0], p[1], p[2], p[3])
        });
        let ms_ssim_text = metrics.ms_ssim.map_or(String::new(), |s| format!("{s:.6}"));
        writeln!(self.csv, "{t},{:.6},{psnr},{ssim_text},{yuv_text},{ms_ssim_text}", error.mse)
            .with_context(|| format!("{}: cannot write", self.csv_path.display()))?;
        self.totals.push((error.mse, error.psnr, metrics.ssim));
        self.yuv_611.extend(yuv.map(|e| e.psnr_yuv_611));
        self.ms_ssims.extend(metrics.ms_ssim);
        self.chroma_mismatch |= metrics.chroma_mismatch;
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
            entry(vec![self.frames, PSNR_CSV_HEADER.split(',').count() as u64], "csv", PSNR_CSV_ABOUT),
        );
        let n = self.totals.len().max(1) as f64;
        let mean_mse = self.totals.iter().map(|t| t.0).sum::<f64>() / n;
        let ssims: Vec<f64> = self.totals.iter().filter_map(|t| t.2).collect();
        let mut summary = format!(
            "A/B: mean mse_y {mean_mse:.3} (psnr_y {:.2} dB), mean ssim_y {}",
            crate::reference::psnr_from_mse(mean_mse),
            mean_text(&ssims, 4)
        );
        if !self.yuv_611.is_empty() {
            summary += &format!(", mean psnr_yuv_611 {} dB", mean_text(&self.yuv_611, 2));
        }
        if !self.ms_ssims.is_empty() {
            summary += &format!(", mean ms_ssim_y {}", mean_text(&self.ms_ssims, 4));
        }
        if self.chroma_mismatch {
            summary += "; A and B differ in chroma subsampling: the chroma columns are empty";
        }
        Ok((files, summary))
    }
}

/// A PSNR as psnr.csv prints it: 6 decimals, `inf` for identical planes (as FFmpeg prints).
fn psnr_text(psnr: f64) -> String {
    if psnr.is_infinite() {
        "inf".to_string()
    } else {
        format!("{psnr:.6}")
    }
}

/// The mean of `values` to `decimals` places (`n/a` when empty; `inf` when one is infinite).
fn mean_text(values: &[f64], decimals: usize) -> String {
    match values.is_empty() {
        true => "n/a".into(),
        false => format!("{:.*}", decimals, values.iter().sum::<f64>() / values.len() as f64),
    }
}
