//! vidscope's statistics as a YUView statistics file (docs/yuview.md): which types, with which ids,
//! from which results. Used by `analyze --yuview-csv` (every frame) and the viewer's E export (the
//! shown frame).

use super::yuview_csv::{psnr_x100, BlockData, SeqSpecs, StatType, YuviewCsv};
use crate::reference::{block_psnr, BlockGrid, BlockStat, MotionVector};
use crate::safe_fs::{ReadPaths, StagedFile};
use std::io::{self, Write};

const SAD: u32 = 0;
const SSE: u32 = 1;
const MC_SAD: u32 = 2;
const MV: u32 = 3;
const AB_SAD: u32 = 4;
const AB_SSE: u32 = 5;
const AB_PSNR: u32 = 6;

/// One frame's statistics; pair stats (frame t vs t − 1) are absent for frame 0.
#[derive(Default)]
pub struct FrameStatistics<'a> {
    pub stats: Option<&'a [BlockStat]>,
    pub motion: Option<&'a [MotionVector]>,
    pub mc: Option<&'a [BlockStat]>,
    /// A (the input) against B (`--ref`).
    pub ab: Option<&'a [BlockStat]>,
}

pub struct YuviewExport<W: Write> {
    csv: YuviewCsv<W>,
    grid: BlockGrid,
}

impl<W: Write> YuviewExport<W> {
    /// Declares SAD, SSE, MC-SAD and MV, and with `compare` the A/B SAD, SSE and PSNR×100.
    pub fn new(out: W, name: &str, fps: f64, grid: BlockGrid, compare: bool) -> io::Result<Self> {
        let specs = SeqSpecs { name: name.into(), layer: 0, width: grid.width, height: grid.height, fps };
        let mut csv = YuviewCsv::new(out, specs)?;
        let b = grid.block;
        csv.add_type(StatType::sad(SAD, "SAD", b))?;
        csv.add_type(StatType::sse(SSE, "SSE", b))?;
        csv.add_type(StatType::sad(MC_SAD, "MC-SAD", b))?;
        csv.add_type(StatType::vectors(MV, "MV"))?;
        if compare {
            csv.add_type(StatType::sad(AB_SAD, "AB-SAD", b))?;
            csv.add_type(StatType::sse(AB_SSE, "AB-SSE", b))?;
            csv.add_type(StatType::psnr_x100(AB_PSNR, "AB-PSNR[dBx100]"))?;
        }
        Ok(Self { csv, grid })
    }

    /// Writes frame `t` (POC t) with whatever statistics it has.
    pub fn write(&mut self, t: usize, f: &FrameStatistics) -> io::Result<()> {
        let as_i32 = |v: &[BlockStat], pick: fn(&BlockStat) -> u32| -> Vec<i32> {
            v.iter().map(|s| pick(s).min(i32::MAX as u32) as i32).collect()
        };
        let sad = f.stats.map(|s| as_i32(s, |s| s.sad));
        let sse = f.stats.map(|s| as_i32(s, |s| s.sse));
        let mc_sad = f.mc.map(|s| as_i32(s, |s| s.sad));
        let ab_sad = f.ab.map(|s| as_i32(s, |s| s.sad));
        let ab_sse = f.ab.map(|s| as_i32(s, |s| s.sse));
        let ab_psnr: Option<Vec<i32>> = f.ab.map(|s| block_psnr(s, &self.grid).into_iter().map(psnr_x100).collect());
        let mut data = Vec::new();
        for (type_id, values) in
            [(SAD, &sad), (SSE, &sse), (MC_SAD, &mc_sad), (AB_SAD, &ab_sad), (AB_SSE, &ab_sse), (AB_PSNR, &ab_psnr)]
        {
            if let Some(values) = values {
                data.push(BlockData::Values { type_id, values });
            }
        }
        if let Some(vectors) = f.motion {
            data.push(BlockData::Vectors { type_id: MV, vectors });
        }
        if data.is_empty() {
            return Ok(());
        }
        self.csv.write_frame(t as u32, &self.grid, &data)
    }

    pub fn finish(self) -> io::Result<W> {
        self.csv.finish()
    }
}

/// `--yuview-csv FILE`: written beside FILE under a temporary name ([`StagedFile`]) and moved into place
/// when complete, so a failed run leaves no half file and never replaces an existing one (nor an input).
pub struct YuviewFile {
    export: YuviewExport<std::io::BufWriter<std::fs::File>>,
    staged: StagedFile,
}

impl YuviewFile {
    /// Refuses an existing FILE and any file the run reads; checked before the run starts.
    pub fn create(
        path: &std::path::Path,
        reads: &ReadPaths,
        info: &crate::frame::StreamInfo,
        grid: BlockGrid,
        compare: bool,
    ) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        let staged = StagedFile::create("--yuview-csv", path, reads, false)?;
        let cannot = |what: &str| format!("--yuview-csv {}: cannot {what}", path.display());
        let file = std::fs::File::create(staged.path()).with_context(|| cannot("create"))?;
        let input_name = std::path::Path::new(&info.input)
            .file_name()
            .map_or(info.input.clone(), |n| n.to_string_lossy().into_owned());
        let export = YuviewExport::new(std::io::BufWriter::new(file), &input_name, info.fps.max(1e-3), grid, compare)
            .with_context(|| cannot("write"))?;
        Ok(Self { export, staged })
    }

    pub fn write(&mut self, t: usize, f: &FrameStatistics) -> anyhow::Result<()> {
        use anyhow::Context as _;
        let target = self.staged.target().display().to_string();
        self.export.write(t, f).with_context(|| format!("--yuview-csv {target}: cannot write"))
    }

    /// Flushes the file and hands it back under its staging name, for the caller to move into place
    /// (`StagedFile::commit`, which leaves a file that appeared at FILE during the run alone).
    pub fn finish(self) -> anyhow::Result<StagedFile> {
        use anyhow::Context as _;
        let target = self.staged.target().display().to_string();
        let mut file = self.export.finish().with_context(|| format!("--yuview-csv {target}: cannot write"))?;
        file.flush().with_context(|| format!("--yuview-csv {target}: cannot write"))?;
        Ok(self.staged)
    }
}
