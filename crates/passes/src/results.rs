//! What one frame produced, handed out by the frame pipeline: immutable, owned, and tagged with its
//! frame index. Typed accessors decode the raw buffer words of each pass's outputs.
//!
//! On a GPU the bytes of a read-back buffer are not copied out of the host-visible memory the GPU
//! copied them into: [`ResultBytes`] lends that buffer to the results, and it goes back to the
//! pipeline's pool when the results are dropped (on any thread), ready for a later frame.

use super::ab_chroma::AbChromaPass;
use super::ms_ssim::MsSsimPass;
use super::pass::FrameSettings;
use super::{BlockStatsPass, MotionSearchPass, SsimPass};
use crate::gpu::GpuBuffer;
use crate::outputs as out;
use crate::reference::{
    BlockGrid, BlockStat, ChromaSse, MotionVector, MsSsimPartials, SsimCells, SymbolLayout, WarpParams,
};
use crate::video::LumaFrame;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Host-visible buffers that read-back copies land in, by output name, waiting to be used again.
#[derive(Default)]
pub(crate) struct MirrorPool {
    free: Mutex<BTreeMap<&'static str, Vec<GpuBuffer>>>,
}

impl MirrorPool {
    /// A free buffer for output `name`, if one was given back.
    pub(crate) fn take(&self, name: &'static str) -> Option<GpuBuffer> {
        self.free.lock().ok()?.get_mut(name)?.pop()
    }

    fn give_back(&self, name: &'static str, buffer: GpuBuffer) {
        if let Ok(mut free) = self.free.lock() {
            free.entry(name).or_default().push(buffer);
        }
    }
}

/// The bytes of one read-back buffer: a host copy (CPU devices, whose pass outputs are the host
/// memory itself and are reused next frame), or the lent host-visible buffer the GPU copied them
/// into, given back to its pool on drop.
pub struct ResultBytes {
    inner: ResultInner,
}

enum ResultInner {
    Owned(Vec<u8>),
    Lent { buffer: Option<GpuBuffer>, name: &'static str, pool: Arc<MirrorPool> },
}

impl ResultBytes {
    pub(crate) fn owned(bytes: Vec<u8>) -> Self {
        Self { inner: ResultInner::Owned(bytes) }
    }

    pub(crate) fn lent(buffer: GpuBuffer, name: &'static str, pool: Arc<MirrorPool>) -> Self {
        Self { inner: ResultInner::Lent { buffer: Some(buffer), name, pool } }
    }
}

impl std::ops::Deref for ResultBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.inner {
            ResultInner::Owned(bytes) => bytes,
            ResultInner::Lent { buffer, .. } => buffer.as_ref().map_or(&[], |b| b.bytes()),
        }
    }
}

impl PartialEq for ResultBytes {
    fn eq(&self, other: &Self) -> bool {
        self[..] == other[..]
    }
}

impl std::fmt::Debug for ResultBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ResultBytes({} bytes)", self.len())
    }
}

impl Drop for ResultBytes {
    fn drop(&mut self) {
        if let ResultInner::Lent { buffer, name, pool } = &mut self.inner {
            if let Some(buffer) = buffer.take() {
                pool.give_back(name, buffer);
            }
        }
    }
}

/// GPU milliseconds of one frame's steps (0 where timestamps are missing).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PassTimings {
    pub upload_ms: f64,
    /// Each pass that ran, by name, in the order it ran.
    pub passes: Vec<(&'static str, f64)>,
    pub readback_ms: f64,
}

impl PassTimings {
    /// The pass's time, `None` when it did not run.
    pub fn pass_ms(&self, name: &str) -> Option<f64> {
        self.passes.iter().find(|(n, _)| *n == name).map(|(_, ms)| *ms)
    }

    /// Sum of every pass (upload and readback excluded).
    pub fn passes_ms(&self) -> f64 {
        self.passes.iter().map(|(_, ms)| ms).sum()
    }
}

/// The results of frame `index`. The first frame of a sequence is paired with itself (its stats
/// carry its sums and zero SAD/SSE, its vectors are zero); every later frame t with frame t − 1.
pub struct FrameResults {
    pub index: usize,
    /// The host frames that went in (input 0 first); `None` for a frame that was already on the GPU.
    pub frames: Vec<Option<LumaFrame>>,
    /// Whether this frame had no predecessor (first frame, or first after a seek).
    pub first_of_sequence: bool,
    pub settings: FrameSettings,
    /// Raw bytes of each read-back pass buffer, by output name (only those the pipeline was asked
    /// to read back: `PipelineConfig::readback`).
    pub buffers: BTreeMap<&'static str, ResultBytes>,
    /// Host copies of the requested output planes, by name.
    pub planes: BTreeMap<&'static str, Vec<u8>>,
    pub timings: PassTimings,
    /// The block medians of the frame's dense flow (1/16 px), when the driver computed them.
    pub flow_medians: Vec<(i32, i32)>,
    /// The per-block warp parameters that predicted the frame (`--warp-params`, `--motion codec`).
    pub warp: Option<Vec<WarpParams>>,
}

impl FrameResults {
    pub fn grid(&self) -> &BlockGrid {
        &self.settings.grid
    }

    /// Input `i`'s host frame.
    pub fn frame(&self, input: usize) -> Option<&LumaFrame> {
        self.frames.get(input).and_then(Option::as_ref)
    }

    /// Zero-motion block stats (frame t against t − 1), when the stats pass ran.
    pub fn stats(&self) -> Option<Vec<BlockStat>> {
        self.buffers.get(out::STATS).map(|b| BlockStatsPass::decode(b, self.grid()))
    }

    /// Motion vectors, when motion search ran.
    pub fn motion(&self) -> Option<Vec<MotionVector>> {
        self.buffers.get(out::VECTORS).map(|b| MotionSearchPass::decode(b, self.grid()))
    }

    /// Block stats of frame t against the prediction, when the residual pass ran.
    pub fn mc_stats(&self) -> Option<Vec<BlockStat>> {
        self.buffers.get(out::MC_STATS).map(|b| BlockStatsPass::decode(b, self.grid()))
    }

    /// Block stats of A (input 0) against B (input 1), when the compare passes ran.
    pub fn ab_stats(&self) -> Option<Vec<BlockStat>> {
        self.buffers.get(out::AB_STATS).map(|b| BlockStatsPass::decode(b, self.grid()))
    }

    /// SSIM's per-cell sums of A against B (`.ssim()` gives the frame's luma SSIM), when it ran.
    pub fn ssim_cells(&self) -> Option<SsimCells> {
        let grid = self.grid();
        self.buffers.get(out::SSIM).map(|b| SsimPass::decode(b, grid.width, grid.height))
    }

    /// The Cb and Cr SSE of A against B, when the ab_chroma pass ran on two frames with chroma of
    /// the same size.
    pub fn chroma_sse(&self) -> Option<ChromaSse> {
        self.buffers.get(out::AB_CHROMA).and_then(|b| AbChromaPass::decode(b))
    }

    /// MS-SSIM's per-scale partial sums of A against B (`.ms_ssim()` gives the value), when the
    /// ms_ssim pass ran on a frame with all five scales.
    pub fn ms_ssim_partials(&self) -> Option<MsSsimPartials> {
        let grid = self.grid();
        self.buffers.get(out::MS_SSIM).and_then(|b| MsSsimPass::decode(b, grid.width, grid.height))
    }

    /// The symbol stream's layout for this frame's quantiser.
    pub fn symbol_layout(&self) -> SymbolLayout {
        SymbolLayout::new(self.grid().block, self.settings.quant)
    }

    /// The symbol stream (`grid().len()` records of `symbol_layout()`), when the symbols pass ran.
    pub fn symbols(&self) -> Option<Vec<u32>> {
        let words = self.symbol_layout().stream_words(self.grid());
        self.buffers
            .get(out::SYMBOLS)
            .map(|b| b[..words * 4].chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    }

    /// The symbol stream's bytes as stored (little-endian words), when the symbols pass ran: what
    /// `symbols.bin` holds for this pair, without decoding.
    pub fn symbol_bytes(&self) -> Option<&[u8]> {
        let len = self.symbol_layout().stream_words(self.grid()) * 4;
        self.buffers.get(out::SYMBOLS).map(|b| &b[..len])
    }

    /// The raw bytes of a read-back buffer (e.g. "stats": 16 bytes per block), when it was read back.
    pub fn buffer_bytes(&self, name: &str) -> Option<&[u8]> {
        self.buffers.get(name).map(|b| &b[..])
    }

    /// A host copy of an output plane ("diff", "predicted", "residual"), when it was requested and written.
    pub fn plane(&self, name: &str) -> Option<&[u8]> {
        self.planes.get(name).map(Vec::as_slice)
    }
}
