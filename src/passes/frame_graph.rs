//! Runs the selected passes on each new luma frame against the previous one: upload into a ring of
//! two luma images, diff, block stats, optional readback, with a GPU timestamp around each step.
//! All resources are made once per (size, block); nothing is allocated per frame.

use super::{BlockStatsPass, DiffPass};
use crate::gpu::{BufferKind, GpuBuffer, GpuContext, GpuError, LumaImage, Recorder, TimestampQueries};
use crate::reference::{BlockGrid, BlockStat};
use std::sync::Arc;

/// Which passes run on each frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PassSelection {
    pub diff: bool,
    pub stats: bool,
}

impl PassSelection {
    pub const ALL: Self = Self { diff: true, stats: true };
}

/// GPU milliseconds per step of one frame (0 where the step did not run or timestamps are missing).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PassTimings {
    pub upload_ms: f64,
    pub diff_ms: f64,
    pub stats_ms: f64,
    pub readback_ms: f64,
}

/// What one frame produced. Frame 0 is paired with itself (so its stats carry its sums and zero
/// SAD/SSE); every later frame t with frame t-1.
pub struct FrameOutputs {
    pub index: usize,
    /// Per-block stats of cur (a) against ref (b), when the stats pass ran.
    pub stats: Option<Vec<BlockStat>>,
    /// The diff plane, when the diff pass ran and readback was asked for.
    pub diff: Option<Vec<u8>>,
    pub timings: PassTimings,
}

// Timestamp slots: start, after upload, after diff, after stats, after readback.
const TS_START: u32 = 0;
const TS_UPLOAD: u32 = 1;
const TS_DIFF: u32 = 2;
const TS_STATS: u32 = 3;
const TS_READBACK: u32 = 4;

pub struct FrameGraph {
    rec: Recorder,
    diff_pass: DiffPass,
    stats_pass: BlockStatsPass,
    luma: [LumaImage; 2],
    diff_image: LumaImage,
    staging: GpuBuffer,
    diff_readback: GpuBuffer,
    stats: GpuBuffer,
    queries: Option<TimestampQueries>,
    grid: BlockGrid,
    selection: PassSelection,
    read_diff: bool,
    frames_seen: usize,
}

impl FrameGraph {
    pub fn new(
        ctx: &Arc<GpuContext>,
        grid: BlockGrid,
        selection: PassSelection,
        read_diff: bool,
    ) -> Result<Self, GpuError> {
        let (w, h) = (grid.width, grid.height);
        let plane = w as u64 * h as u64;
        let luma = [LumaImage::new(ctx, "luma[0]", w, h)?, LumaImage::new(ctx, "luma[1]", w, h)?];
        let diff_image = LumaImage::new(ctx, "diff", w, h)?;
        let mut rec = Recorder::new(ctx, "frame graph")?;
        rec.begin()?;
        for image in luma.iter().chain([&diff_image]) {
            rec.init_image(image)?;
        }
        rec.submit_and_wait()?;
        Ok(Self {
            diff_pass: DiffPass::new(ctx)?,
            stats_pass: BlockStatsPass::new(ctx)?,
            staging: GpuBuffer::new(ctx, "luma staging", plane, BufferKind::Upload)?,
            diff_readback: GpuBuffer::new(
                ctx,
                "diff readback",
                if read_diff { plane } else { 4 },
                BufferKind::Readback,
            )?,
            stats: GpuBuffer::new(ctx, "block stats", BlockStatsPass::buffer_size(&grid), BufferKind::Readback)?,
            queries: TimestampQueries::new(ctx, 5)?,
            luma,
            diff_image,
            rec,
            grid,
            selection,
            read_diff,
            frames_seen: 0,
        })
    }

    pub fn grid(&self) -> BlockGrid {
        self.grid
    }

    /// The luma image holding the most recently pushed frame (for display passes).
    pub fn current_luma(&self) -> Option<&LumaImage> {
        (self.frames_seen > 0).then(|| &self.luma[(self.frames_seen - 1) % 2])
    }

    /// The diff image of the most recent pair (all zero after frame 0).
    pub fn diff_image(&self) -> &LumaImage {
        &self.diff_image
    }

    /// The block-stats SSBO of the most recent pair: `grid().len()` records of (sad, sse, sum_a, sum_b) u32.
    pub fn stats_buffer(&self) -> &GpuBuffer {
        &self.stats
    }

    /// Forgets the previous frame, so the next push is treated as frame 0 (after a seek).
    pub fn reset_sequence(&mut self) {
        self.frames_seen = 0;
    }

    /// Whether `PassTimings` carry real GPU timestamps (the queue supports them).
    pub fn has_timestamps(&self) -> bool {
        self.queries.is_some()
    }

    /// Runs the passes on the next frame (`width * height` luma bytes) and waits for the results.
    pub fn push_frame(&mut self, luma: &[u8]) -> Result<FrameOutputs, GpuError> {
        if luma.len() as u64 != self.luma[0].byte_len() {
            return Err(GpuError::Other(format!(
                "frame has {} bytes, expected {}x{}",
                luma.len(),
                self.grid.width,
                self.grid.height
            )));
        }
        self.staging.bytes_mut()[..luma.len()].copy_from_slice(luma);
        let t = self.frames_seen;
        let (cur, prev) = (t % 2, (t + 1) % 2);
        // Frame 0 has no predecessor: pair it with itself.
        let ref_index = if t == 0 { cur } else { prev };

        let rec = &mut self.rec;
        rec.begin()?;
        if let Some(q) = &self.queries {
            rec.reset_queries(q)?;
            rec.timestamp(q, TS_START)?;
        }
        rec.upload(&self.staging, 0, &self.luma[cur])?;
        rec.barrier()?;
        if let Some(q) = &self.queries {
            rec.timestamp(q, TS_UPLOAD)?;
        }
        if self.selection.diff {
            self.diff_pass.record(rec, &self.luma[cur], &self.luma[ref_index], &self.diff_image)?;
        }
        if let Some(q) = &self.queries {
            rec.timestamp(q, TS_DIFF)?;
        }
        if self.selection.stats {
            self.stats_pass.record(rec, &self.luma[cur], &self.luma[ref_index], &self.stats, &self.grid)?;
        }
        if let Some(q) = &self.queries {
            rec.timestamp(q, TS_STATS)?;
        }
        let read_diff = self.selection.diff && self.read_diff;
        if read_diff {
            rec.barrier()?;
            rec.download(&self.diff_image, &self.diff_readback, 0)?;
        }
        if let Some(q) = &self.queries {
            rec.timestamp(q, TS_READBACK)?;
        }
        rec.submit_and_wait()?;
        self.frames_seen += 1;

        let timings = match &self.queries {
            Some(q) => {
                let ticks = q.ticks()?;
                PassTimings {
                    upload_ms: q.elapsed_ms(&ticks, TS_START, TS_UPLOAD),
                    diff_ms: q.elapsed_ms(&ticks, TS_UPLOAD, TS_DIFF),
                    stats_ms: q.elapsed_ms(&ticks, TS_DIFF, TS_STATS),
                    readback_ms: q.elapsed_ms(&ticks, TS_STATS, TS_READBACK),
                }
            }
            None => PassTimings::default(),
        };
        Ok(FrameOutputs {
            index: t,
            stats: self.selection.stats.then(|| BlockStatsPass::read(&self.stats, &self.grid)),
            diff: read_diff.then(|| self.diff_readback.bytes()[..luma.len()].to_vec()),
            timings,
        })
    }
}
