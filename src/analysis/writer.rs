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

use crate::passes::FrameResults;
use crate::reference::rate::{residual_bits, side_info_bits};
use crate::reference::{
    modes_from_vectors, modes_from_warp, BlockGrid, BlockMode, BlockRate, BlockRect, BlockStat, MotionVector,
    SymbolLayout, WarpParams,
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
    write_png_gray, CompareExport, FileEntry, FrameStatistics, NpyStream, PairRows, PairTotals, SymbolsFile,
    YuviewFile, CSV_HEADER, FRAMES_CSV_HEADER,
};

/// Frames queued between the driver and the writer, and between the writer and the text thread.
const QUEUE: usize = 3;

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
    /// (`--dump` folder name, pipeline plane; "" = the input frame) of each dumped kind.
    pub dumps: Vec<(&'static str, &'static str)>,
    pub compare: bool,
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
        let (tx, rx) = sync_channel::<FrameJob>(QUEUE);
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

struct WriterState {
    config: WriterConfig,
    arrays: BlockArrays,
    frames_csv: OutFile,
    symbols_bin: Option<OutFile>,
    compare: Option<CompareExport>,
    learner: Option<SymbolsFile>,
    text: Option<TextThread>,
    /// Inside pixels of each block, and the blocks' rectangles.
    counts: Arc<Vec<u32>>,
    rects: Vec<BlockRect>,
    /// A row being gathered for an `.npy` file.
    row: Vec<u8>,
    written: Written,
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
        Ok(Self {
            arrays: BlockArrays::create(&dir, &grid)?,
            frames_csv,
            symbols_bin,
            compare: if config.compare { Some(CompareExport::create(&dir, &grid)?) } else { None },
            learner,
            text,
            counts,
            rects: grid.rects().collect(),
            row: Vec::new(),
            written: Written::default(),
            config,
        })
    }

    fn run(mut self, rx: &Receiver<FrameJob>, abort: &AtomicBool) -> anyhow::Result<Written> {
        while let Ok(job) = rx.recv() {
            if abort.load(Ordering::SeqCst) {
                anyhow::bail!("stopped");
            }
            self.frame(job)?;
        }
        if abort.load(Ordering::SeqCst) {
            anyhow::bail!("stopped");
        }
        self.finish()
    }

    /// Gathers `values` as little-endian bytes into the row buffer.
    fn gather<const N: usize>(row: &mut Vec<u8>, values: impl Iterator<Item = [u8; N]>) -> &[u8] {
        row.clear();
        for v in values {
            row.extend_from_slice(&v);
        }
        row
    }

    fn frame(&mut self, job: FrameJob) -> anyhow::Result<()> {
        let FrameJob { results: out, errors, prev_errors, warp } = job;
        let t = out.index;
        let grid = self.config.grid;
        let stats = out.stats().context("block stats pass did not run")?;
        let ab = if self.config.compare { Some(out.ab_stats().context("compare passes did not run")?) } else { None };
        if let (Some(export), Some(ab)) = (self.compare.as_mut(), &ab) {
            export.add(t, ab, out.ssim_cells().as_ref(), &grid)?;
        }
        let counts = Arc::clone(&self.counts);
        let row = Self::gather(
            &mut self.row,
            stats.iter().zip(counts.iter()).map(|(s, &n)| BlockStat::mean(s.sum_a, n).to_le_bytes()),
        );
        self.arrays.mean.extend_bytes(row)?;
        let mut text = TextJob { t, pair: None, ab };
        if t > 0 {
            let motion = out.motion().context("motion pass did not run")?;
            let mc = out.mc_stats().context("residual pass did not run")?;
            let pair = t as u64 - 1;
            self.arrays.sad.extend_bytes(Self::gather(&mut self.row, stats.iter().map(|s| s.sad.to_le_bytes())))?;
            self.arrays.sse.extend_bytes(Self::gather(&mut self.row, stats.iter().map(|s| s.sse.to_le_bytes())))?;
            let vectors = motion.iter().map(|m| {
                let (dx, dy) = (m.dx.to_le_bytes(), m.dy.to_le_bytes());
                [dx[0], dx[1], dx[2], dx[3], dy[0], dy[1], dy[2], dy[3]]
            });
            self.arrays.motion.extend_bytes(Self::gather(&mut self.row, vectors))?;
            self.arrays.mc_sad.extend_bytes(Self::gather(&mut self.row, mc.iter().map(|s| s.sad.to_le_bytes())))?;
            self.arrays.mc_sse.extend_bytes(Self::gather(&mut self.row, mc.iter().map(|s| s.sse.to_le_bytes())))?;
            let modes = match &warp {
                Some(params) => modes_from_warp(params),
                None => modes_from_vectors(&motion),
            };
            let rates = match &self.learner {
                Some(file) => {
                    let stream = file.stream_for_pair(pair, &modes)?;
                    if let Some(bin) = self.symbols_bin.as_mut() {
                        let bytes: Vec<u8> = stream.iter().flat_map(|w| w.to_le_bytes()).collect();
                        bin.write(&bytes)?;
                    }
                    self.rates(&stream, &modes)
                }
                None => {
                    let bytes = out.symbol_bytes().context("symbols pass did not run")?;
                    if let Some(bin) = self.symbols_bin.as_mut() {
                        bin.write(bytes)?;
                    }
                    match bytemuck::try_cast_slice::<u8, u32>(bytes) {
                        Ok(words) if cfg!(target_endian = "little") => self.rates(words, &modes),
                        _ => self.rates(&out.symbols().context("symbols pass did not run")?, &modes),
                    }
                }
            };
            let rate_row = Self::gather(&mut self.row, rates.iter().map(|r| (r.total() as f32).to_le_bytes()));
            self.arrays.rate.extend_bytes(rate_row)?;
            let bits = rates
                .iter()
                .fold([0.0; 3], |acc, r| [acc[0] + r.mv_bits, acc[1] + r.residual_bits, acc[2] + r.total()]);
            self.written.pair_bits.push(bits);
            let mut line = Vec::new();
            PairTotals::new(pair, &stats, &mc, bits, prev_errors + errors).write(&mut line)?;
            self.frames_csv.write(&line)?;
            text.pair = Some(PairText { pair, stats, motion, mc, rates, decode_errors: prev_errors + errors });
        }
        if let Some(thread) = self.text.as_mut() {
            thread.send(text)?;
        }
        for &(kind, plane) in &self.config.dumps {
            let png = self.config.dir.join(kind).join(format!("{t:06}.png"));
            let (w, h) = (self.config.width, self.config.height);
            if plane.is_empty() {
                if let Some(frame) = out.frame(0) {
                    write_png_gray(&png, w, h, &frame.data)?;
                }
                continue;
            }
            // Pair planes start at frame 1; A/B planes exist for every frame.
            let pair_plane = !plane.starts_with("ab_");
            if let (true, Some(data)) = (t > 0 || !pair_plane, out.plane(plane)) {
                write_png_gray(&png, w, h, data)?;
            }
        }
        self.written.frames += 1;
        Ok(())
    }

    /// The rate of every block: `block_rates`, with the residual of each block on the thread pool
    /// (the same function per block, so the same values).
    fn rates(&self, stream: &[u32], modes: &[BlockMode]) -> Vec<BlockRate> {
        let layout = self.config.layout;
        let mv = side_info_bits(modes, &self.config.grid);
        let words = layout.record_words() as usize;
        let records = &stream[..words * self.rects.len()];
        let residual: Vec<f64> = records
            .par_chunks_exact(words)
            .zip(self.rects.par_iter())
            .map(|(record, rect)| residual_bits(record, &layout, rect))
            .collect();
        mv.into_iter().zip(residual).map(|(mv_bits, residual_bits)| BlockRate { mv_bits, residual_bits }).collect()
    }

    fn finish(mut self) -> anyhow::Result<Written> {
        if let Some(text) = self.text.take() {
            text.finish()?;
        }
        self.frames_csv.finish()?;
        if let Some(bin) = self.symbols_bin.take() {
            bin.finish()?;
        }
        self.arrays.finish()?;
        if let Some(export) = self.compare.take() {
            self.written.compare = Some(export.finish()?);
        }
        Ok(self.written)
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
    handle: Option<JoinHandle<anyhow::Result<()>>>,
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
            .spawn(move || -> anyhow::Result<()> {
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
                if let Some(y) = yuview {
                    y.finish()?;
                }
                Ok(())
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

    fn finish(mut self) -> anyhow::Result<()> {
        self.join()
    }

    fn join(&mut self) -> anyhow::Result<()> {
        self.tx = None;
        match self.handle.take() {
            Some(handle) => handle.join().map_err(|_| anyhow::anyhow!("the text writer thread panicked"))?,
            None => Ok(()),
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
