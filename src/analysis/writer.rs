//! `analyze`'s writers, off the pipeline's thread: the driver hands each frame's results over a
//! bounded queue to one writer thread, which writes the binary outputs (each `.npy` row gathered
//! into one buffer and written as its bytes; `symbols.bin` straight from the read-back buffer), the
//! rate (computed on all cores), `frames.csv`, the A/B outputs and PNG dumps; text that is
//! formatted per block (`stats.csv`, the YUView file) goes over a second bounded queue to a text
//! thread with buffered writers, formatted on all cores in pieces and written in order.
//!
//! The queues hold at most a few frames, so memory stays flat however long the input; a failed
//! write stops the run with that error; dropping the writer (an error or a signal in the driver)
//! stops both threads and waits for them, so nothing writes into a folder that is being removed.

use super::analyze::FLOW_DUMP;
use crate::passes::outputs as out;
use crate::passes::subpel::QPEL_PARAMS;
use crate::passes::{ArrayExport, Dtype, DumpExport, FrameResults, WarpSource};
use crate::reference::flow_colour::flow_image;
use crate::reference::rate::{predictor, residual_bits, se_bits, side_info_symbols};
use crate::reference::{
    codec_epe, modes_from_warp, BlockGrid, BlockMode, BlockRate, BlockRect, BlockStat, MotionVector, SsimCells,
    SsimSums, SymbolLayout, WarpParams,
};
use anyhow::Context as _;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use vidscope_core::formats::{
    codec_mvs_rows, write_png_gray, write_png_rgb, AbMetrics, CompareExport, FileEntry, FrameStatistics, NpyStream,
    PairRows, PairTotals, SymbolsFile, YuviewFile, CODEC_EPE_NPY, CODEC_MVS_CSV, CODEC_MVS_CSV_HEADER, CSV_HEADER,
    FRAMES_CSV_HEADER,
};
use vidscope_core::safe_fs::StagedFile;

/// Frames queued between the writer and the text thread.
const QUEUE: usize = 3;

/// Frames queued between the driver and the writer, which prepares them at once (each on the
/// thread pool) and then writes them in order.
const BATCH: usize = 8;

/// Blocks formatted per piece of stats.csv (one piece per task on the thread pool).
const CSV_PIECE: usize = 2048;

/// What the writer writes besides the per-block arrays, frames.csv and the manifest.
#[derive(Clone, Debug)]
pub struct WriterConfig {
    pub dir: PathBuf,
    pub grid: BlockGrid,
    pub layout: SymbolLayout,
    pub width: u32,
    pub height: u32,
    /// `symbols.bin`.
    pub symbols: bool,
    /// `stats.csv`, one row per block.
    pub block_csv: bool,
    /// A YUView file is written (`--yuview-csv`).
    pub yuview: bool,
    /// Each dumped kind (`raw`: plane "", the input frame).
    pub dumps: Vec<DumpExport>,
    /// The flow dump's pixels at full saturation.
    pub flow_scale: f32,
    /// The per-block arrays the passes that run declare.
    pub arrays: Vec<&'static ArrayExport>,
    pub compare: bool,
    /// `codec_mvs.csv` and `codec_epe.npy` (`--codec-mvs`).
    pub codec_mvs: bool,
}

/// One frame for the writer: the pipeline's results and what the driver knew about it.
pub struct FrameJob {
    pub results: FrameResults,
    /// Decoder errors on this frame and on the one before it (a pair's stats.csv column adds both).
    pub errors: u32,
    pub prev_errors: u32,
    /// Learner warp parameters of this frame's pair, when `--warp-params` replaced the vectors.
    pub warp: Option<Vec<WarpParams>>,
}

/// What the writer kept per pair and frame (a few numbers each), for the manifest and the summary.
#[derive(Default)]
pub struct Written {
    /// Per pair: (mv, residual, total) bits.
    pub pair_bits: Vec<[f64; 3]>,
    pub frames: u64,
    /// With `--ref`: the A/B files' manifest entries and the summary line.
    pub compare: Option<(BTreeMap<String, FileEntry>, String)>,
    /// `--yuview-csv`, complete under its staging name: analyze moves it into place after the
    /// output folder, so a file that appeared there costs only itself.
    pub yuview: Option<StagedFile>,
    /// Rows written to `codec_mvs.csv`.
    pub codec_mv_rows: u64,
}

/// `--codec-mvs`'s files: the vectors as FFmpeg gives them, and their error against the search.
struct CodecMvFiles {
    csv: OutFile,
    epe: NpyStream<f32>,
}

impl CodecMvFiles {
    fn create(dir: &Path, grid: &BlockGrid) -> anyhow::Result<Self> {
        let mut csv = OutFile::create(dir.join(CODEC_MVS_CSV))?;
        csv.write(format!("{CODEC_MVS_CSV_HEADER}\n").as_bytes())?;
        let epe = NpyStream::create(&dir.join(CODEC_EPE_NPY), &[grid.blocks_y() as u64, grid.blocks_x() as u64])?;
        Ok(Self { csv, epe })
    }

    fn finish(self) -> anyhow::Result<()> {
        self.csv.finish()?;
        self.epe.finish().map(drop)
    }
}

/// One frame's `--codec-mvs` output: its CSV rows (how many) and, for t > 0, its pair's EPE row.
struct CodecMvRows {
    csv: Vec<u8>,
    rows: u64,
    epe: Option<Vec<f32>>,
}

/// Frame `t`'s codec vectors as CSV rows, and for t > 0 their errors against the search's `vectors`.
fn codec_mv_rows(out: &FrameResults, grid: &BlockGrid) -> anyhow::Result<CodecMvRows> {
    let t = out.index;
    let mvs = out
        .frame(0)
        .and_then(|f| f.codec_mvs.as_ref())
        .map(|c| &c.vectors[..])
        .with_context(|| format!("frame {t} came without the codec's motion vectors"))?;
    let mut csv = Vec::new();
    codec_mvs_rows(t as u64, mvs, &mut csv);
    let epe = match t {
        0 => None,
        _ => Some(codec_epe(grid, mvs, &out.motion().context("motion pass did not run")?)),
    };
    Ok(CodecMvRows { csv, rows: mvs.len() as u64, epe })
}

/// The per-block arrays, written to the staging folder frame by frame (nothing per block is kept
/// in memory: analyze's memory stays flat however long the input; docs/memory.md).
struct BlockArrays {
    sad: NpyStream<u32>,
    sse: NpyStream<u32>,
    mean: NpyStream<f32>,
    motion: NpyStream<i32>,
    mc_sad: NpyStream<u32>,
    mc_sse: NpyStream<u32>,
    rate: NpyStream<f32>,
}

impl BlockArrays {
    fn create(dir: &Path, grid: &BlockGrid) -> anyhow::Result<Self> {
        let (by, bx) = (grid.blocks_y() as u64, grid.blocks_x() as u64);
        let (row, motion_row) = ([by, bx], [by, bx, 2]);
        Ok(Self {
            sad: NpyStream::create(&dir.join("sad.npy"), &row)?,
            sse: NpyStream::create(&dir.join("sse.npy"), &row)?,
            mean: NpyStream::create(&dir.join("mean.npy"), &row)?,
            motion: NpyStream::create(&dir.join("motion.npy"), &motion_row)?,
            mc_sad: NpyStream::create(&dir.join("mc_sad.npy"), &row)?,
            mc_sse: NpyStream::create(&dir.join("mc_sse.npy"), &row)?,
            rate: NpyStream::create(&dir.join("rate.npy"), &row)?,
        })
    }

    /// Writes every header with its final row count.
    fn finish(self) -> anyhow::Result<()> {
        self.sad.finish()?;
        self.sse.finish()?;
        self.mc_sad.finish()?;
        self.mc_sse.finish()?;
        self.mean.finish()?;
        self.motion.finish()?;
        self.rate.finish()?;
        Ok(())
    }
}

/// A per-block array a pass declares (`ArrayExport`), written pair by pair as stored.
enum PassArray {
    U32(NpyStream<u32>),
    I32(NpyStream<i32>),
    U16(NpyStream<u16>),
    I16(NpyStream<i16>),
    F32(NpyStream<f32>),
}

impl PassArray {
    fn create(dir: &Path, export: &ArrayExport, grid: &BlockGrid) -> anyhow::Result<Self> {
        let (path, shape) = (dir.join(export.file), export.row_shape(grid));
        Ok(match export.dtype {
            Dtype::U32 => Self::U32(NpyStream::create(&path, &shape)?),
            Dtype::I32 => Self::I32(NpyStream::create(&path, &shape)?),
            Dtype::U16 => Self::U16(NpyStream::create(&path, &shape)?),
            Dtype::I16 => Self::I16(NpyStream::create(&path, &shape)?),
            Dtype::F32 => Self::F32(NpyStream::create(&path, &shape)?),
        })
    }

    fn extend_bytes(&mut self, row: &[u8]) -> anyhow::Result<()> {
        match self {
            Self::U32(s) => s.extend_bytes(row),
            Self::I32(s) => s.extend_bytes(row),
            Self::U16(s) => s.extend_bytes(row),
            Self::I16(s) => s.extend_bytes(row),
            Self::F32(s) => s.extend_bytes(row),
        }
    }

    fn finish(self) -> anyhow::Result<()> {
        match self {
            Self::U32(s) => s.finish().map(drop),
            Self::I32(s) => s.finish().map(drop),
            Self::U16(s) => s.finish().map(drop),
            Self::I16(s) => s.finish().map(drop),
            Self::F32(s) => s.finish().map(drop),
        }
    }
}

/// A buffered output file that names itself in its errors.
struct OutFile {
    path: PathBuf,
    out: BufWriter<std::fs::File>,
}

impl OutFile {
    fn create(path: PathBuf) -> anyhow::Result<Self> {
        let file = std::fs::File::create(&path).with_context(|| format!("{}: cannot create", path.display()))?;
        Ok(Self { out: BufWriter::with_capacity(1 << 16, file), path })
    }

    fn write(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        self.out.write_all(bytes).with_context(|| format!("{}: cannot write", self.path.display()))
    }

    fn finish(mut self) -> anyhow::Result<()> {
        self.out.flush().with_context(|| format!("{}: cannot write", self.path.display()))
    }
}

/// The writer thread's handle: `send` each frame in order, then `finish`.
pub struct Writer {
    tx: Option<SyncSender<FrameJob>>,
    handle: Option<JoinHandle<anyhow::Result<Written>>>,
    abort: Arc<AtomicBool>,
}

impl Writer {
    /// Creates the output files (so a folder that cannot be written fails before any frame) and
    /// starts the threads. `learner` replaces the GPU's symbol stream; `yuview` is the open
    /// `--yuview-csv` file.
    pub fn start(
        config: WriterConfig,
        learner: Option<SymbolsFile>,
        yuview: Option<YuviewFile>,
    ) -> anyhow::Result<Self> {
        let state = WriterState::create(config, learner, yuview)?;
        let (tx, rx) = sync_channel::<FrameJob>(BATCH);
        let abort = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&abort);
        let handle = std::thread::Builder::new()
            .name("vidscope-writer".into())
            .spawn(move || state.run(&rx, &stop))
            .context("cannot start the writer thread")?;
        Ok(Self { tx: Some(tx), handle: Some(handle), abort })
    }

    /// Queues one frame; blocks while the queue is full. Fails with the writer's own error when it
    /// has stopped on one.
    pub fn send(&mut self, job: FrameJob) -> anyhow::Result<()> {
        let sent = self.tx.as_ref().is_some_and(|tx| tx.send(job).is_ok());
        if sent {
            return Ok(());
        }
        // The writer ended early: only an error does that.
        Err(self.join().err().unwrap_or_else(|| anyhow::anyhow!("the writer thread stopped")))
    }

    /// Writes the remaining frames, closes every file and returns what was written.
    pub fn finish(mut self) -> anyhow::Result<Written> {
        self.join()
    }

    fn join(&mut self) -> anyhow::Result<Written> {
        self.tx = None;
        match self.handle.take() {
            Some(handle) => handle.join().map_err(|_| anyhow::anyhow!("the writer thread panicked"))?,
            None => anyhow::bail!("the writer thread already ended"),
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Not finished: the run failed or was stopped; drop the queued frames and wait.
        self.abort.store(true, Ordering::SeqCst);
        self.tx = None;
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

/// What preparing a frame reads (shared by the frames prepared at once).
struct Shared {
    config: WriterConfig,
    learner: Option<SymbolsFile>,
    /// Inside pixels of each block, and the blocks' rectangles.
    counts: Arc<Vec<u32>>,
    rects: Vec<BlockRect>,
}

struct WriterState {
    shared: Shared,
    arrays: BlockArrays,
    pass_arrays: Vec<(&'static ArrayExport, PassArray)>,
    frames_csv: OutFile,
    symbols_bin: Option<OutFile>,
    compare: Option<CompareExport>,
    codec_mvs: Option<CodecMvFiles>,
    text: Option<TextThread>,
    written: Written,
}

/// A frame ready to be written: everything computed, in memory.
struct Prepared {
    results: FrameResults,
    rows: Rows,
    /// Frames t > 0: the pair's totals (bits as the manifest sums them).
    totals: Option<PairTotals>,
    /// The learner stream's bytes, when `--symbols` replaced the GPU's.
    learner_bytes: Option<Vec<u8>>,
    /// With `--ref`: the A/B block stats and the frame's other A/B metrics.
    ab: Option<Vec<BlockStat>>,
    metrics: AbMetrics,
    text: Option<TextJob>,
    codec_mvs: Option<CodecMvRows>,
}

impl WriterState {
    fn create(config: WriterConfig, learner: Option<SymbolsFile>, yuview: Option<YuviewFile>) -> anyhow::Result<Self> {
        let dir = config.dir.clone();
        let grid = config.grid;
        let mut frames_csv = OutFile::create(dir.join("frames.csv"))?;
        frames_csv.write(format!("{FRAMES_CSV_HEADER}\n").as_bytes())?;
        let symbols_bin = match config.symbols {
            true => Some(OutFile::create(dir.join("symbols.bin"))?),
            false => None,
        };
        let block_csv = match config.block_csv {
            true => {
                let mut csv = OutFile::create(dir.join("stats.csv"))?;
                csv.write(format!("{CSV_HEADER}\n").as_bytes())?;
                Some(csv)
            }
            false => None,
        };
        let counts: Arc<Vec<u32>> = Arc::new(grid.rects().map(|r| r.count()).collect());
        let text = match (block_csv, yuview) {
            (None, None) => None,
            (csv, yuview) => Some(TextThread::start(grid, Arc::clone(&counts), csv, yuview)?),
        };
        let pass_arrays = config
            .arrays
            .iter()
            .map(|a| Ok((*a, PassArray::create(&dir, a, &grid)?)))
            .collect::<anyhow::Result<_>>()?;
        Ok(Self {
            arrays: BlockArrays::create(&dir, &grid)?,
            pass_arrays,
            frames_csv,
            symbols_bin,
            compare: if config.compare { Some(CompareExport::create(&dir, &grid)?) } else { None },
            codec_mvs: if config.codec_mvs { Some(CodecMvFiles::create(&dir, &grid)?) } else { None },
            text,
            written: Written::default(),
            shared: Shared { rects: grid.rects().collect(), counts, learner, config },
        })
    }

    /// Takes the frames that are waiting (up to BATCH), prepares them at once on the thread pool and
    /// writes them in order; so the pool's start-up is paid once per batch, and a slow frame does not
    /// hold the others back.
    fn run(mut self, rx: &Receiver<FrameJob>, abort: &AtomicBool) -> anyhow::Result<Written> {
        while let Ok(first) = rx.recv() {
            let mut batch = vec![first];
            while batch.len() < BATCH {
                match rx.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            if abort.load(Ordering::SeqCst) {
                anyhow::bail!("stopped");
            }
            let shared = &self.shared;
            let prepared: Vec<anyhow::Result<Prepared>> =
                batch.into_par_iter().map(|job| shared.prepare(job)).collect();
            for frame in prepared {
                self.commit(frame?)?;
            }
        }
        if abort.load(Ordering::SeqCst) {
            anyhow::bail!("stopped");
        }
        self.finish()
    }

    /// Writes a prepared frame (in frame order).
    fn commit(&mut self, p: Prepared) -> anyhow::Result<()> {
        let Prepared { results: out, rows, totals, learner_bytes, ab, metrics, text, codec_mvs } = p;
        let t = out.index;
        let config = &self.shared.config;
        if let (Some(files), Some(rows)) = (self.codec_mvs.as_mut(), codec_mvs) {
            files.csv.write(&rows.csv)?;
            self.written.codec_mv_rows += rows.rows;
            if let Some(epe) = rows.epe {
                files.epe.extend(epe)?;
            }
        }
        if let (Some(export), Some(ab)) = (self.compare.as_mut(), &ab) {
            export.add(t, ab, &metrics, &config.grid)?;
        }
        self.arrays.mean.extend_bytes(&rows.mean)?;
        if let Some(totals) = totals {
            if let Some(bin) = self.symbols_bin.as_mut() {
                match &learner_bytes {
                    Some(bytes) => bin.write(bytes)?,
                    None => bin.write(out.symbol_bytes().context("symbols pass did not run")?)?,
                }
            }
            self.arrays.sad.extend_bytes(&rows.sad)?;
            self.arrays.sse.extend_bytes(&rows.sse)?;
            self.arrays.motion.extend_bytes(&rows.motion)?;
            self.arrays.mc_sad.extend_bytes(&rows.mc_sad)?;
            self.arrays.mc_sse.extend_bytes(&rows.mc_sse)?;
            self.arrays.rate.extend_bytes(&rows.rate)?;
            for (export, file) in &mut self.pass_arrays {
                let bytes =
                    out.buffer_bytes(export.buffer).with_context(|| format!("{} was not read back", export.buffer))?;
                let row =
                    export.row(bytes, &config.grid).with_context(|| format!("{}: buffer too short", export.buffer))?;
                file.extend_bytes(&row)?;
            }
            self.written.pair_bits.push(totals.bits);
            let mut line = Vec::new();
            totals.write(&mut line)?;
            self.frames_csv.write(&line)?;
        }
        if let (Some(thread), Some(text)) = (self.text.as_mut(), text) {
            thread.send(text)?;
        }
        for dump in &config.dumps {
            let png = config.dir.join(dump.kind).join(format!("{t:06}.png"));
            let (w, h) = (config.width, config.height);
            if dump.kind == FLOW_DUMP {
                if let (true, Some(vectors)) = (t > 0, out.motion()) {
                    let rgb = flow_image(&vectors, &config.grid, config.flow_scale);
                    write_png_rgb(&png, w, h, &rgb)?;
                }
                continue;
            }
            if dump.plane.is_empty() {
                if let Some(frame) = out.frame(0) {
                    write_png_gray(&png, w, h, &frame.data)?;
                }
                continue;
            }
            if let (true, Some(data)) = (t > 0 || !dump.per_pair, out.plane(dump.plane)) {
                write_png_gray(&png, w, h, data)?;
            }
        }
        self.written.frames += 1;
        Ok(())
    }

    fn finish(mut self) -> anyhow::Result<Written> {
        if let Some(text) = self.text.take() {
            self.written.yuview = text.finish()?;
        }
        self.frames_csv.finish()?;
        if let Some(bin) = self.symbols_bin.take() {
            bin.finish()?;
        }
        self.arrays.finish()?;
        for (_, file) in self.pass_arrays {
            file.finish()?;
        }
        if let Some(export) = self.compare.take() {
            self.written.compare = Some(export.finish()?);
        }
        if let Some(files) = self.codec_mvs.take() {
            files.finish()?;
        }
        Ok(self.written)
    }
}

impl Shared {
    /// Everything a frame's files need, computed from its results (on the thread pool).
    fn prepare(&self, job: FrameJob) -> anyhow::Result<Prepared> {
        let FrameJob { results: out, errors, prev_errors, warp } = job;
        let t = out.index;
        let grid = self.config.grid;
        let n = grid.len();
        let stats = out.buffer_bytes(out::STATS).context("block stats pass did not run")?;
        let (ab, metrics) = match self.config.compare {
            true => (Some(out.ab_stats().context("compare passes did not run")?), ab_metrics(&out)),
            false => (None, AbMetrics::default()),
        };
        let want_text = self.config.block_csv || self.config.yuview;
        let codec_mvs = self.config.codec_mvs.then(|| codec_mv_rows(&out, &grid)).transpose()?;
        let Some(pair) = (t as u64).checked_sub(1) else {
            let rows = gather_rows(&self.counts, &self.rects, stats, None)?;
            let text = want_text.then(|| TextJob { t, pair: None, ab: ab.clone() });
            let totals = None;
            return Ok(Prepared { results: out, rows, totals, learner_bytes: None, ab, metrics, text, codec_mvs });
        };
        let vectors = out.buffer_bytes(out::VECTORS).context("motion pass did not run")?;
        let mc = out.buffer_bytes(out::MC_STATS).context("residual pass did not run")?;
        anyhow::ensure!(vectors.len() >= n * 16, "motion vectors: {} bytes for {n} blocks", vectors.len());
        // The refined vectors (--subpel) predict as translation warps, and the stream's headers say so.
        let refined = out.buffer_bytes(QPEL_PARAMS).and_then(|bytes| bytes.get(..n * 16)).map(|bytes| {
            let floats: Vec<[f32; 4]> = bytemuck::pod_collect_to_vec(bytes);
            floats.iter().map(|p| WarpParams { a: p[0], b: p[1], tx: p[2], ty: p[3] }).collect::<Vec<_>>()
        });
        let modes = match warp.as_ref().or(refined.as_ref()) {
            // A dense flow predicted every pixel: mode 4, no side information.
            _ if out.settings.warp == WarpSource::Flow => vec![BlockMode::DenseFlow; n],
            Some(params) => modes_from_warp(params),
            None => vectors
                .chunks_exact(16)
                .take(n)
                .map(|v| BlockMode::MotionVector {
                    dx: i32::from_le_bytes([v[0], v[1], v[2], v[3]]),
                    dy: i32::from_le_bytes([v[4], v[5], v[6], v[7]]),
                })
                .collect(),
        };
        let owned: Vec<u32>;
        let mut learner_bytes = None;
        let stream: &[u32] = match &self.learner {
            Some(file) => {
                owned = file.stream_for_pair(pair, &modes)?;
                learner_bytes = Some(owned.iter().flat_map(|w| w.to_le_bytes()).collect());
                &owned
            }
            None => {
                let bytes = out.symbol_bytes().context("symbols pass did not run")?;
                match bytemuck::try_cast_slice::<u8, u32>(bytes) {
                    Ok(words) if cfg!(target_endian = "little") => words,
                    _ => {
                        owned = out.symbols().context("symbols pass did not run")?;
                        &owned
                    }
                }
            }
        };
        let inputs = PairInputs { vectors, mc, stream, modes: &modes, grid, layout: self.config.layout };
        let mut rows = gather_rows(&self.counts, &self.rects, stats, Some(&inputs))?;
        // Summed in block order, as the manifest's totals always were.
        let bits = rows
            .rates
            .iter()
            .fold([0.0; 3], |acc, r| [acc[0] + r.mv_bits, acc[1] + r.residual_bits, acc[2] + r.total()]);
        let [sad, sse, mc_sad, mc_sse] = rows.sums;
        let decode_errors = prev_errors + errors;
        let totals = PairTotals { pair, sad, sse, mc_sad, mc_sse, bits, decode_errors };
        let text = match want_text {
            true => {
                let stats = out.stats().context("block stats pass did not run")?;
                let motion = out.motion().context("motion pass did not run")?;
                let mc = out.mc_stats().context("residual pass did not run")?;
                let rates = std::mem::take(&mut rows.rates);
                let pair = Some(PairText { pair, stats, motion, mc, rates, decode_errors });
                Some(TextJob { t, pair, ab: ab.clone() })
            }
            false => None,
        };
        Ok(Prepared { results: out, rows, totals: Some(totals), learner_bytes, ab, metrics, text, codec_mvs })
    }
}

/// One pair's numbers for the text thread.
struct PairText {
    pair: u64,
    stats: Vec<BlockStat>,
    motion: Vec<MotionVector>,
    mc: Vec<BlockStat>,
    rates: Vec<BlockRate>,
    decode_errors: u32,
}

/// One frame for the text thread: its pair (frame t > 0) and its A/B stats (with `--ref`).
struct TextJob {
    t: usize,
    pair: Option<PairText>,
    ab: Option<Vec<BlockStat>>,
}

/// stats.csv and the YUView file, formatted and written on their own thread.
struct TextThread {
    tx: Option<SyncSender<TextJob>>,
    handle: Option<JoinHandle<anyhow::Result<Option<StagedFile>>>>,
}

impl TextThread {
    fn start(
        grid: BlockGrid,
        counts: Arc<Vec<u32>>,
        mut csv: Option<OutFile>,
        mut yuview: Option<YuviewFile>,
    ) -> anyhow::Result<Self> {
        let (tx, rx) = sync_channel::<TextJob>(QUEUE);
        let handle = std::thread::Builder::new()
            .name("vidscope-text".into())
            .spawn(move || -> anyhow::Result<Option<StagedFile>> {
                let mut pieces: Vec<Vec<u8>> = Vec::new();
                while let Ok(job) = rx.recv() {
                    if let (Some(csv), Some(p)) = (csv.as_mut(), &job.pair) {
                        let rows = PairRows {
                            pair: p.pair,
                            grid: &grid,
                            stats: &p.stats,
                            motion: Some(&p.motion),
                            mc: Some(&p.mc),
                            rates: Some(&p.rates),
                            counts: &counts,
                            decode_errors: p.decode_errors,
                        };
                        let starts: Vec<usize> = (0..p.stats.len()).step_by(CSV_PIECE).collect();
                        pieces.resize_with(starts.len(), Vec::new);
                        pieces.par_iter_mut().zip(starts.par_iter()).try_for_each(|(piece, &start)| {
                            piece.clear();
                            rows.write_blocks(piece, start..(start + CSV_PIECE).min(p.stats.len()))
                        })?;
                        for piece in &pieces {
                            csv.write(piece)?;
                        }
                    }
                    if let Some(y) = yuview.as_mut() {
                        let f = match &job.pair {
                            Some(p) => FrameStatistics {
                                stats: Some(&p.stats),
                                motion: Some(&p.motion),
                                mc: Some(&p.mc),
                                ab: job.ab.as_deref(),
                            },
                            None => FrameStatistics { ab: job.ab.as_deref(), ..FrameStatistics::default() },
                        };
                        y.write(job.t, &f)?;
                    }
                }
                if let Some(csv) = csv {
                    csv.finish()?;
                }
                // Flushed here, moved into place by analyze after its folder (see `Written::yuview`).
                yuview.map(YuviewFile::finish).transpose()
            })
            .context("cannot start the text writer thread")?;
        Ok(Self { tx: Some(tx), handle: Some(handle) })
    }

    fn send(&mut self, job: TextJob) -> anyhow::Result<()> {
        if self.tx.as_ref().is_some_and(|tx| tx.send(job).is_ok()) {
            return Ok(());
        }
        Err(self.join().err().unwrap_or_else(|| anyhow::anyhow!("the text writer thread stopped")))
    }

    fn finish(mut self) -> anyhow::Result<Option<StagedFile>> {
        self.join()
    }

    fn join(&mut self) -> anyhow::Result<Option<StagedFile>> {
        self.tx = None;
        match self.handle.take() {
            Some(handle) => handle.join().map_err(|_| anyhow::anyhow!("the text writer thread panicked"))?,
            None => Ok(None),
        }
    }
}

impl Drop for TextThread {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

/// What a pair adds to the per-block rows besides its stats: the read-back vectors and MC stats
/// (16 bytes per block each), the symbol stream and the blocks' modes (the rate's side information).
struct PairInputs<'a> {
    vectors: &'a [u8],
    mc: &'a [u8],
    stream: &'a [u32],
    modes: &'a [BlockMode],
    grid: BlockGrid,
    layout: SymbolLayout,
}

/// One frame's rows of every per-block `.npy` file (little-endian bytes, as written), its blocks'
/// rates and the totals frames.csv gives (SAD, SSE, MC-SAD, MC-SSE).
#[derive(Default)]
struct Rows {
    mean: Vec<u8>,
    sad: Vec<u8>,
    sse: Vec<u8>,
    motion: Vec<u8>,
    mc_sad: Vec<u8>,
    mc_sse: Vec<u8>,
    rate: Vec<u8>,
    rates: Vec<BlockRate>,
    sums: [u64; 4],
}

impl Rows {
    fn append(&mut self, part: Rows) {
        for (to, from) in [
            (&mut self.mean, part.mean),
            (&mut self.sad, part.sad),
            (&mut self.sse, part.sse),
            (&mut self.motion, part.motion),
            (&mut self.mc_sad, part.mc_sad),
            (&mut self.mc_sse, part.mc_sse),
            (&mut self.rate, part.rate),
        ] {
            to.extend_from_slice(&from);
        }
        self.rates.extend(part.rates);
        for (a, b) in self.sums.iter_mut().zip(part.sums) {
            *a += b;
        }
    }
}

/// Blocks per task when a frame's rows are gathered on the thread pool.
const ROW_PIECE: usize = 512;

/// Gathers one frame's rows straight from the read-back bytes (`stats`: 16 bytes per block, sad,
/// sse, sum of cur, sum of ref) on the thread pool, in pieces put together in block order; frame 0
/// (`pair` None) has only its means. Each value is what the typed decoders give, computed by the
/// same function (`BlockStat::mean`, the rate's `se_bits`/`predictor`/`residual_bits`), so the bytes
/// equal those of `block_rates` and the per-value writes they replace.
fn gather_rows(counts: &[u32], rects: &[BlockRect], stats: &[u8], pair: Option<&PairInputs>) -> anyhow::Result<Rows> {
    let n = counts.len();
    anyhow::ensure!(stats.len() >= n * 16, "block stats: {} bytes for {n} blocks", stats.len());
    let word = |b: &[u8], k: usize| u32::from_le_bytes([b[4 * k], b[4 * k + 1], b[4 * k + 2], b[4 * k + 3]]);
    let coded: Vec<([i64; 4], usize)> =
        pair.map(|p| p.modes.iter().map(side_info_symbols).collect()).unwrap_or_default();
    let symbols: Vec<[i64; 4]> = coded.iter().map(|c| c.0).collect();
    if let Some(p) = pair {
        let words = p.layout.record_words() as usize * n;
        anyhow::ensure!(
            p.vectors.len() >= n * 16 && p.mc.len() >= n * 16 && p.stream.len() >= words && p.modes.len() == n,
            "a pair's results do not cover its {n} blocks"
        );
    }
    let parts: Vec<Rows> = (0..n.div_ceil(ROW_PIECE))
        .into_par_iter()
        .map(|piece| {
            let mut r = Rows::default();
            for i in piece * ROW_PIECE..((piece + 1) * ROW_PIECE).min(n) {
                let s = &stats[16 * i..16 * i + 16];
                r.mean.extend_from_slice(&BlockStat::mean(word(s, 2), counts[i]).to_le_bytes());
                let Some(p) = pair else {
                    continue;
                };
                let (v, m) = (&p.vectors[16 * i..16 * i + 16], &p.mc[16 * i..16 * i + 16]);
                r.sad.extend_from_slice(&s[0..4]);
                r.sse.extend_from_slice(&s[4..8]);
                r.motion.extend_from_slice(&v[0..8]);
                r.mc_sad.extend_from_slice(&m[0..4]);
                r.mc_sse.extend_from_slice(&m[4..8]);
                for (sum, value) in r.sums.iter_mut().zip([word(s, 0), word(s, 1), word(m, 0), word(m, 1)]) {
                    *sum += u64::from(value);
                }
                let (blocks_y, blocks_x) = (p.grid.blocks_y(), p.grid.blocks_x());
                let predicted = predictor(&symbols, blocks_y, blocks_x, i as u32 / blocks_x, i as u32 % blocks_x);
                let (coded_symbols, coded_count) = &coded[i];
                let mv_bits = (0..*coded_count).map(|k| se_bits(coded_symbols[k] - predicted[k]) as f64).sum();
                let words = p.layout.record_words() as usize;
                let record = &p.stream[words * i..words * (i + 1)];
                let rate = BlockRate { mv_bits, residual_bits: residual_bits(record, &p.layout, &rects[i]) };
                r.rate.extend_from_slice(&(rate.total() as f32).to_le_bytes());
                r.rates.push(rate);
            }
            r
        })
        .collect();
    let mut rows = Rows::default();
    for part in parts {
        rows.append(part);
    }
    Ok(rows)
}

/// The frame's A/B metrics beyond the block stats, from the compare passes' buffers: SSIM, the
/// chroma SSE (and whether both frames had chroma of different sizes), MS-SSIM.
fn ab_metrics(out: &FrameResults) -> AbMetrics {
    let grid = out.grid();
    let chroma = out.chroma_sse();
    let sizes: Vec<Option<(u32, u32)>> =
        (0..2).map(|i| out.frame(i).and_then(|f| f.chroma.as_ref()).map(|c| (c.width, c.height))).collect();
    AbMetrics {
        ssim: out.buffer_bytes(out::SSIM).and_then(|bytes| parallel_ssim(bytes, grid.width, grid.height)),
        chroma,
        ms_ssim: out.ms_ssim_partials().map(|p| p.ms_ssim()),
        chroma_mismatch: chroma.is_none() && matches!((sizes[0], sizes[1]), (Some(a), Some(b)) if a != b),
    }
}

/// The frame's SSIM from the ssim pass's cell sums: `SsimPass::decode(..).ssim()`, with the cells
/// decoded and the rows of windows summed on the thread pool, then added in order (the same value).
fn parallel_ssim(bytes: &[u8], width: u32, height: u32) -> Option<f64> {
    let (cells_x, cells_y) = SsimCells::dims(width, height);
    let cells = cells_x as usize * cells_y as usize;
    let sums = bytes.get(..cells * 16)?.par_chunks_exact(16).map(|c| {
        let w: [u32; 4] = bytemuck::pod_read_unaligned(c);
        SsimSums { s1: w[0], s2: w[1], ss: w[2], s12: w[3] }
    });
    let cells = SsimCells { cells_x, cells_y, sums: sums.collect() };
    let windows = cells.windows();
    if windows == 0 {
        return None;
    }
    let rows: Vec<f64> = (0..cells_y - 1).into_par_iter().map(|cy| cells.row_sum(cy)).collect();
    Some(rows.iter().sum::<f64>() / windows as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::{block_rates, encode_stream, modes_from_vectors, ssim_cells};

    #[test]
    fn rows_gathered_on_the_thread_pool_equal_the_typed_values_and_block_rates() {
        // An odd-sized grid (edge blocks, more blocks than one piece), random residuals, vectors and
        // similarity warps.
        let (w, h) = (75 * 5, 41 * 3);
        let grid = BlockGrid::new(w, h, 8);
        assert!(grid.len() > ROW_PIECE);
        let mut seed = 12345u64;
        let mut next = move || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as u32
        };
        let cur: Vec<u8> = (0..w * h).map(|_| next() as u8).collect();
        let pred: Vec<u8> = cur.iter().map(|&v| v.wrapping_add((next() % 9) as u8)).collect();
        let counts: Vec<u32> = grid.rects().map(|r| r.count()).collect();
        let rects: Vec<BlockRect> = grid.rects().collect();
        let stats: Vec<BlockStat> = (0..grid.len())
            .map(|_| BlockStat { sad: next(), sse: next(), sum_a: next() % 20000, sum_b: next() })
            .collect();
        let mc: Vec<BlockStat> =
            (0..grid.len()).map(|_| BlockStat { sad: next(), sse: next(), sum_a: next(), sum_b: next() }).collect();
        let vectors: Vec<MotionVector> = (0..grid.len())
            .map(|_| MotionVector { dx: (next() % 33) as i32 - 16, dy: (next() % 33) as i32 - 16, sad: next() })
            .collect();
        let bytes = |v: &[BlockStat]| -> Vec<u8> {
            v.iter().flat_map(|s| [s.sad, s.sse, s.sum_a, s.sum_b]).flat_map(u32::to_le_bytes).collect()
        };
        let vector_bytes: Vec<u8> =
            vectors.iter().flat_map(|m| [m.dx, m.dy, m.sad as i32, 0]).flat_map(i32::to_le_bytes).collect();
        let le = |v: Vec<u32>| -> Vec<u8> { v.into_iter().flat_map(u32::to_le_bytes).collect() };
        for quant in [1, 7] {
            let layout = SymbolLayout::new(8, quant);
            let warps: Vec<BlockMode> = (0..grid.len())
                .map(|_| {
                    let f = |n: u32| (n % 1000) as f32 / 100.0 - 5.0;
                    let (a, b) = (1.0 + f(next()) / 50.0, f(next()) / 50.0);
                    BlockMode::Warp(WarpParams { a, b, tx: f(next()), ty: f(next()) })
                })
                .collect();
            for modes in [modes_from_vectors(&vectors), warps] {
                let stream = encode_stream(&cur, &pred, &grid, quant, &modes);
                let (sb, mb) = (bytes(&stats), bytes(&mc));
                let inputs =
                    PairInputs { vectors: &vector_bytes, mc: &mb, stream: &stream, modes: &modes, grid, layout };
                let rows = gather_rows(&counts, &rects, &sb, Some(&inputs)).unwrap();
                let want = block_rates(&stream, &modes, &grid, &layout);
                assert_eq!(rows.rates, want, "Q = {quant}");
                let mean: Vec<u8> =
                    stats.iter().zip(&counts).flat_map(|(s, &n)| BlockStat::mean(s.sum_a, n).to_le_bytes()).collect();
                assert_eq!(rows.mean, mean);
                assert_eq!(rows.sad, le(stats.iter().map(|s| s.sad).collect()));
                assert_eq!(rows.sse, le(stats.iter().map(|s| s.sse).collect()));
                assert_eq!(rows.mc_sad, le(mc.iter().map(|s| s.sad).collect()));
                assert_eq!(rows.mc_sse, le(mc.iter().map(|s| s.sse).collect()));
                let motion: Vec<u8> = vectors.iter().flat_map(|m| [m.dx, m.dy]).flat_map(i32::to_le_bytes).collect();
                assert_eq!(rows.motion, motion);
                let rate: Vec<u8> = want.iter().flat_map(|r| (r.total() as f32).to_le_bytes()).collect();
                assert_eq!(rows.rate, rate);
                let total = |v: &[BlockStat], f: fn(&BlockStat) -> u32| v.iter().map(|s| u64::from(f(s))).sum::<u64>();
                assert_eq!(
                    rows.sums,
                    [total(&stats, |s| s.sad), total(&stats, |s| s.sse), total(&mc, |s| s.sad), total(&mc, |s| s.sse)]
                );
            }
        }
        // Frame 0: the means only.
        let only = gather_rows(&counts, &rects, &bytes(&stats), None).unwrap();
        assert_eq!(only.mean.len(), 4 * grid.len());
        assert!(only.sad.is_empty() && only.rates.is_empty());
        assert!(gather_rows(&counts, &rects, &[0u8; 16], None).is_err(), "too few bytes");
    }

    #[test]
    fn ssim_on_the_thread_pool_equals_the_reference() {
        let (w, h) = (77u32, 45u32);
        let a: Vec<u8> = (0..w * h).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8).collect();
        let b: Vec<u8> = a.iter().enumerate().map(|(i, &v)| v.wrapping_add((i % 7) as u8)).collect();
        let cells = ssim_cells(&a, &b, w, h);
        let bytes: Vec<u8> =
            cells.sums.iter().flat_map(|s| [s.s1, s.s2, s.ss, s.s12]).flat_map(u32::to_le_bytes).collect();
        assert_eq!(parallel_ssim(&bytes, w, h), cells.ssim());
        assert!(parallel_ssim(&bytes, w, h).is_some());
        assert_eq!(parallel_ssim(&[], 7, 7), None);
    }
}
