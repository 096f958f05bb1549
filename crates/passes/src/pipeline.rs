//! The frame pipeline: uploads each frame of one or more inputs, runs the selected registered passes
//! in dependency order with barriers only where a pass reads or overwrites what an earlier one wrote,
//! takes a GPU timestamp after each, and reads the results back — with up to K frames in flight.
//!
//! Resources live in a ring of K + 1 frame slots. A slot holds its frame's input images, every pass
//! output, the host buffers and its own command buffer and timestamps, so the CPU reads frame t's
//! results while the GPU works on t + 1 … t + K − 1, and the last collected frame ("held") keeps its
//! images for display until the next `collect`. Frame t's `Prev` is the previous frame's slot.
//!
//! Copies per frame on the CPU: an input staged by its decoder ([`InputPlanes::Staged`]) is uploaded
//! from the buffer the decoder wrote; results are read back only for the buffers asked for
//! (`PipelineConfig::readback`), and on a GPU the host-visible buffer the GPU copied them into is
//! lent to the results instead of copied out of it ([`ResultBytes`]).

use super::pass::{FrameSettings, Group, OutputKind, PassIo, Registered, Res, WarpSource};
use super::registry::{registered_passes, PassSelection};
use super::results::{FrameResults, MirrorPool, PassTimings, ResultBytes};
use super::staging::StagingBuffer;
use crate::gpu::{
    BufferKind, GpuBuffer, GpuContext, GpuError, LumaImage, QueueRole, Recorder, Semaphore, TimestampQueries,
};
use crate::reference::dense_flow::FlowField;
use crate::reference::{BlockGrid, Lambda, QuantStep, SearchRange, WarpParams};
use crate::video::{ChromaPlanes, LumaFrame};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

/// One input's picture for a frame: host planes, luma a decoder wrote into a staging buffer (the
/// frame's `data` is empty), or an image already on the GPU (the seam for a GPU decoder: it is copied
/// into the slot on the GPU).
pub enum InputPlanes {
    Host(LumaFrame),
    Staged { frame: LumaFrame, staging: StagingBuffer },
    Device { index: usize, image: Arc<LumaImage> },
}

impl InputPlanes {
    pub fn index(&self) -> usize {
        match self {
            InputPlanes::Host(f) | InputPlanes::Staged { frame: f, .. } => f.index,
            InputPlanes::Device { index, .. } => *index,
        }
    }

    /// The same picture as frame `index` (a reference read from `--ref-start` on).
    pub fn with_index(self, index: usize) -> Self {
        match self {
            InputPlanes::Host(f) => InputPlanes::Host(LumaFrame { index, ..f }),
            InputPlanes::Staged { frame, staging } => {
                InputPlanes::Staged { frame: LumaFrame { index, ..frame }, staging }
            }
            InputPlanes::Device { image, .. } => InputPlanes::Device { index, image },
        }
    }

    /// The frame's description (and, for a host frame, its planes).
    pub fn frame(&self) -> Option<&LumaFrame> {
        match self {
            InputPlanes::Host(f) | InputPlanes::Staged { frame: f, .. } => Some(f),
            InputPlanes::Device { .. } => None,
        }
    }
}

/// Everything the pipeline takes for one frame: one picture per input (input 0 first) and, for a
/// learner prediction, one warp per block or a dense flow.
pub struct FrameInput {
    pub inputs: Vec<InputPlanes>,
    pub warp: Option<Vec<WarpParams>>,
    pub flow: Option<FlowInput>,
}

impl FrameInput {
    pub fn host(frame: LumaFrame) -> Self {
        Self { inputs: vec![InputPlanes::Host(frame)], warp: None, flow: None }
    }
}

/// A frame's dense flow (`--flow`): compared with the search by the flow group, and the prediction's
/// source when `drives` (and no warp parameters are given).
pub struct FlowInput {
    pub field: FlowField,
    pub drives: bool,
    /// Its block medians (`reference::dense_flow::block_medians`, 1/16 px), handed on in the frame's
    /// results when the caller computed them (the viewer's arrows and flow view).
    pub medians: Vec<(i32, i32)>,
}

#[derive(Clone, Debug)]
pub struct PipelineConfig {
    pub grid: BlockGrid,
    /// Number of input videos (1, or 2 when comparing with a reference).
    pub inputs: usize,
    /// K: frames submitted and not yet collected, at most (1 = fully synchronous).
    pub frames_in_flight: usize,
    pub selection: PassSelection,
    /// Pass output images to copy to the host after each frame (e.g. "diff" for `--dump diff`).
    pub planes: Vec<&'static str>,
    /// Upload every input's chroma planes too (colour display, the chroma A/B metrics).
    pub chroma: bool,
    /// Keep the passes' result buffers in device memory and copy them to host-visible mirrors in
    /// the readback step (`None`: on GPUs, not on CPU devices, whose memory is all host memory).
    pub device_local_outputs: Option<bool>,
    /// The result buffers to read back and hand out (`None`: every one a selected pass marks for
    /// readback). The others stay on the GPU: no copy, no transfer.
    pub readback: Option<Vec<&'static str>>,
    /// Submit each frame's uploads and read-back copies to queues of their own, so they run while
    /// the compute queue works on other frames (where the device has the queues; elsewhere the same
    /// submissions, ordered by semaphores, go to its one queue). Only for headless use: a display
    /// drawing a slot on the main queue is not ordered against the upload queue.
    pub overlap_transfers: bool,
}

impl PipelineConfig {
    pub fn new(grid: BlockGrid, selection: PassSelection) -> Self {
        Self {
            grid,
            inputs: 1,
            frames_in_flight: 2,
            selection,
            planes: Vec::new(),
            chroma: false,
            device_local_outputs: None,
            readback: None,
            overlap_transfers: false,
        }
    }

    /// Whether result buffer `name` is read back.
    fn reads_back(&self, name: &str) -> bool {
        self.readback.as_ref().is_none_or(|list| list.contains(&name))
    }
}

/// Input `i`'s images in one slot.
struct InputImages {
    luma: LumaImage,
    staging: GpuBuffer,
    /// Cb, Cr and their (shift_x, shift_y), made for the first frame with chroma of that size.
    chroma: Option<(LumaImage, LumaImage, GpuBuffer)>,
    chroma_shifts: Option<(u32, u32)>,
}

impl InputImages {
    /// (Cb, Cr, shifts) when this frame uploaded chroma.
    fn chroma_planes(&self) -> Option<(&LumaImage, &LumaImage, (u32, u32))> {
        match (&self.chroma, self.chroma_shifts) {
            (Some((cb, cr, _)), Some(shifts)) => Some((cb, cr, shifts)),
            _ => None,
        }
    }
}

/// What a slot holds about the frame submitted into it.
struct SlotFrame {
    index: usize,
    frames: Vec<Option<LumaFrame>>,
    settings: FrameSettings,
    /// The staging buffers its decoders wrote, given back to their rings when it is collected.
    staging: Vec<StagingBuffer>,
    /// The host-visible buffers its read-back buffers are copied into (GPU devices), lent to its results.
    mirrors: Vec<(&'static str, GpuBuffer)>,
    /// The block medians of its dense flow, when given (`FlowInput::medians`).
    flow_medians: Vec<(i32, i32)>,
    /// The per-block warp parameters that predicted it, when given.
    warp: Option<Vec<WarpParams>>,
}

struct Slot {
    inputs: Vec<InputImages>,
    params: GpuBuffer,
    /// The frame's dense flow, made when the first flow arrives.
    flow: Option<GpuBuffer>,
    images: BTreeMap<&'static str, LumaImage>,
    buffers: BTreeMap<&'static str, GpuBuffer>,
    plane_readbacks: BTreeMap<&'static str, GpuBuffer>,
    queries: Option<TimestampQueries>,
    frame: Option<SlotFrame>,
    /// The slot holding this frame's predecessor (`None`: first of a sequence, Prev = Cur).
    prev: Option<usize>,
    /// Runs per pass of the frame in this slot.
    repeat: u32,
}

/// A slot's resources as passes see them.
struct SlotIo<'a> {
    cur: &'a Slot,
    prev: &'a Slot,
}

impl PassIo for SlotIo<'_> {
    fn image(&self, res: Res) -> Result<&LumaImage, GpuError> {
        let found = match res {
            Res::Cur(i) => self.cur.inputs.get(i).map(|p| &p.luma),
            Res::Prev(i) => self.prev.inputs.get(i).map(|p| &p.luma),
            Res::CurCb(i) => self.cur.inputs.get(i).and_then(|p| p.chroma_planes()).map(|c| c.0),
            Res::CurCr(i) => self.cur.inputs.get(i).and_then(|p| p.chroma_planes()).map(|c| c.1),
            Res::Image(name) => self.cur.images.get(name),
            Res::Buffer(_) | Res::Params | Res::Flow => None,
        };
        found.ok_or_else(|| GpuError::Other(format!("frame pipeline: no image {res:?}")))
    }

    fn buffer(&self, res: Res) -> Result<&GpuBuffer, GpuError> {
        let found = match res {
            Res::Buffer(name) => self.cur.buffers.get(name),
            Res::Params => Some(&self.cur.params),
            Res::Flow => self.cur.flow.as_ref(),
            _ => None,
        };
        found.ok_or_else(|| GpuError::Other(format!("frame pipeline: no buffer {res:?}")))
    }
}

/// The images and buffers of the last collected frame, valid until the next `collect`.
pub struct HeldFrame<'a> {
    slot: &'a Slot,
    pub index: usize,
}

impl<'a> HeldFrame<'a> {
    /// Input 0's luma image (every slot has input 0).
    pub fn primary_luma(&self) -> &'a LumaImage {
        &self.slot.inputs[0].luma
    }

    /// Input `i`'s luma image.
    pub fn luma(&self, input: usize) -> Option<&'a LumaImage> {
        self.slot.inputs.get(input).map(|p| &p.luma)
    }

    /// Input 0's (Cb, Cr) images and subsampling shifts, when the frame had chroma.
    pub fn chroma(&self) -> Option<(&'a LumaImage, &'a LumaImage, (u32, u32))> {
        self.slot.inputs.first()?.chroma_planes()
    }

    /// A pass's output image (e.g. "diff"), once that pass has been selected.
    pub fn image(&self, name: &str) -> Option<&'a LumaImage> {
        self.slot.images.get(name)
    }

    /// A pass's output buffer (e.g. "symbols"), once that pass has been selected.
    pub fn buffer(&self, name: &str) -> Option<&'a GpuBuffer> {
        self.slot.buffers.get(name)
    }
}

/// A slot's upload and read-back submissions when transfers overlap compute
/// (`PipelineConfig::overlap_transfers`), and the semaphores that order them around the compute.
struct TransferRecorders {
    upload: Recorder,
    readback: Recorder,
    uploaded: Semaphore,
    computed: Semaphore,
}

pub struct FramePipeline {
    ctx: Arc<GpuContext>,
    // Recorders come first: dropping one waits for its work before the slots' resources go.
    recorders: Vec<Recorder>,
    /// Per slot, with `overlap_transfers` (else empty).
    transfers: Vec<TransferRecorders>,
    slots: Vec<Slot>,
    passes: Vec<Registered>,
    config: PipelineConfig,
    range: u32,
    lambda: u32,
    surface_block: Option<(u32, u32)>,
    subpel: u32,
    quant: u32,
    /// Runs of each pass per frame (bench --repeat); timings are per run.
    repeat: u32,
    in_flight: VecDeque<usize>,
    /// The slot and frame index of the last collected frame.
    held: Option<(usize, usize)>,
    last_submitted: Option<usize>,
    /// Result buffers that live in device memory (a discrete GPU writes its own memory far faster
    /// than the host's over PCIe), by name, with their size: each frame's readback step copies them
    /// into host-visible buffers from `mirrors`. Empty on CPU devices, where outputs are host-visible
    /// and read directly.
    mirrored: BTreeMap<&'static str, u64>,
    /// Host-visible buffers for those copies, lent to results and given back when they are dropped.
    mirrors: Arc<MirrorPool>,
}

impl FramePipeline {
    pub fn new(ctx: &Arc<GpuContext>, config: PipelineConfig) -> Result<Self, GpuError> {
        if config.inputs == 0 || config.frames_in_flight == 0 {
            return Err(GpuError::Other("frame pipeline: needs at least one input and one frame in flight".into()));
        }
        let passes = registered_passes(ctx)?;
        let slot_count = config.frames_in_flight + 1;
        let grid = config.grid;
        let (w, h) = (grid.width, grid.height);
        let mut recorders = Vec::with_capacity(slot_count);
        let mut transfers = Vec::new();
        let mut slots = Vec::with_capacity(slot_count);
        for s in 0..slot_count {
            let mut inputs = Vec::new();
            for i in 0..config.inputs {
                let label = format!("input {i} luma [slot {s}]");
                inputs.push(InputImages {
                    // Uploaded on the upload queue when transfers overlap the compute.
                    luma: if config.overlap_transfers {
                        LumaImage::new_shared(ctx, &label, w, h)?
                    } else {
                        LumaImage::new(ctx, &label, w, h)?
                    },
                    staging: GpuBuffer::new(
                        ctx,
                        &format!("input {i} staging [slot {s}]"),
                        w as u64 * h as u64,
                        BufferKind::Upload,
                    )?,
                    chroma: None,
                    chroma_shifts: None,
                });
            }
            let params_size = grid.len() as u64 * super::warp::PARAM_BYTES;
            slots.push(Slot {
                inputs,
                params: GpuBuffer::new(ctx, &format!("warp params [slot {s}]"), params_size, BufferKind::Upload)?,
                flow: None,
                images: BTreeMap::new(),
                buffers: BTreeMap::new(),
                plane_readbacks: BTreeMap::new(),
                queries: TimestampQueries::new(ctx, passes.len() as u32 + QUERIES_BEYOND_PASSES)?,
                frame: None,
                prev: None,
                repeat: 1,
            });
            recorders.push(Recorder::new(ctx, &format!("frame pipeline [slot {s}]"))?);
            if config.overlap_transfers {
                transfers.push(TransferRecorders {
                    upload: Recorder::on_queue(ctx, &format!("frame upload [slot {s}]"), QueueRole::Upload)?,
                    readback: Recorder::on_queue(ctx, &format!("frame readback [slot {s}]"), QueueRole::Readback)?,
                    uploaded: Semaphore::new(ctx, &format!("frame uploaded [slot {s}]"))?,
                    computed: Semaphore::new(ctx, &format!("frame computed [slot {s}]"))?,
                });
            }
        }
        let mut pipeline = Self {
            ctx: ctx.clone(),
            recorders,
            transfers,
            slots,
            passes,
            config,
            range: 16,
            lambda: 0,
            surface_block: None,
            subpel: 4,
            quant: 1,
            repeat: 1,
            in_flight: VecDeque::new(),
            held: None,
            last_submitted: None,
            mirrored: BTreeMap::new(),
            mirrors: Arc::new(MirrorPool::default()),
        };
        let mut init = Recorder::new(ctx, "frame pipeline init")?;
        init.begin()?;
        for slot in &pipeline.slots {
            for input in &slot.inputs {
                init.init_image(&input.luma)?;
            }
        }
        init.submit_and_wait()?;
        pipeline.ensure_outputs()?;
        Ok(pipeline)
    }

    pub fn grid(&self) -> BlockGrid {
        self.config.grid
    }

    pub fn selection(&self) -> PassSelection {
        self.config.selection
    }

    pub fn range(&self) -> u32 {
        self.range
    }

    pub fn quant(&self) -> u32 {
        self.quant
    }

    pub fn frames_in_flight(&self) -> usize {
        self.config.frames_in_flight
    }

    /// Whether `PassTimings` carry real GPU timestamps (the queue supports them).
    pub fn has_timestamps(&self) -> bool {
        self.slots.first().is_some_and(|s| s.queries.is_some())
    }

    /// Passes for the next frames; their outputs are made now when first selected.
    pub fn set_selection(&mut self, selection: PassSelection) -> Result<(), GpuError> {
        self.config.selection = selection;
        self.ensure_outputs()
    }

    /// The result buffers read back and handed out from the next frame on (`None`: all).
    pub fn set_readback(&mut self, readback: Option<Vec<&'static str>>) {
        self.config.readback = readback;
    }

    /// Host copies of these output images after each frame from now on.
    pub fn set_planes(&mut self, planes: &[&'static str]) -> Result<(), GpuError> {
        self.config.planes = planes.to_vec();
        self.ensure_outputs()
    }

    /// Motion search range R for the next frames. Default 16.
    pub fn set_range(&mut self, range: SearchRange) {
        self.range = range.get();
    }

    /// The block (by, bx) whose cost surface the cost_surface pass computes from the next frame on.
    pub fn set_surface_block(&mut self, block: Option<(u32, u32)>) {
        self.surface_block = block;
    }

    /// Sub-pixel precision (2 or 4) of the subpel pass, which runs when the selection has it.
    pub fn set_subpel(&mut self, precision: u32) {
        self.subpel = precision;
    }

    /// Motion search weight λ for the next frames (cost = SAD + λ·(|dx| + |dy|)). Default 0.
    pub fn set_lambda(&mut self, lambda: Lambda) {
        self.lambda = lambda.get();
    }

    /// Quantiser step Q of the symbol stream for the next frames. Default 1.
    pub fn set_quant(&mut self, quant: QuantStep) {
        self.quant = quant.get();
    }

    /// Runs each pass `repeat` times per frame (with a barrier between runs) and reports the time
    /// of one run: for benchmarks whose source is too slow to keep the GPU at full clock.
    pub fn set_repeat(&mut self, repeat: u32) -> Result<(), GpuError> {
        if repeat == 0 {
            return Err(GpuError::Other("--repeat must be at least 1".into()));
        }
        self.repeat = repeat;
        Ok(())
    }

    /// Makes, in every slot, the outputs of the selected passes and the requested plane readbacks
    /// that do not exist yet. New images are initialised before this returns.
    fn ensure_outputs(&mut self) -> Result<(), GpuError> {
        let selected = self.config.selection.pass_names();
        let grid = self.config.grid;
        let bytes = grid.width as u64 * grid.height as u64;
        let mut init = Recorder::new(&self.ctx, "frame pipeline outputs")?;
        init.begin()?;
        for (s, slot) in self.slots.iter_mut().enumerate() {
            for pass in &self.passes {
                let wanted = selected.contains(&pass.name());
                for output in pass.outputs().into_iter().filter(|o| wanted || !o.on_demand) {
                    let label = format!("{} [slot {s}]", output.name);
                    match output.kind {
                        OutputKind::Image if !slot.images.contains_key(output.name) => {
                            // Downloaded on the readback queue when transfers overlap the compute.
                            let image = match self.config.overlap_transfers {
                                true => LumaImage::new_shared(&self.ctx, &label, grid.width, grid.height)?,
                                false => LumaImage::new(&self.ctx, &label, grid.width, grid.height)?,
                            };
                            init.init_image(&image)?;
                            slot.images.insert(output.name, image);
                        }
                        OutputKind::Buffer { size, readback } if !slot.buffers.contains_key(output.name) => {
                            let bytes = size(&grid);
                            let mirrored = readback && self.config.device_local_outputs.unwrap_or(!self.ctx.is_cpu());
                            let kind = if mirrored { BufferKind::DeviceLocal } else { BufferKind::Readback };
                            // Copied back on the readback queue when transfers overlap the compute.
                            let buffer = match mirrored && self.config.overlap_transfers {
                                true => GpuBuffer::new_shared(&self.ctx, &label, bytes, kind)?,
                                false => GpuBuffer::new(&self.ctx, &label, bytes, kind)?,
                            };
                            slot.buffers.insert(output.name, buffer);
                            if mirrored {
                                self.mirrored.insert(output.name, bytes);
                            }
                        }
                        _ => {}
                    }
                }
            }
            for &plane in &self.config.planes {
                if !slot.plane_readbacks.contains_key(plane) {
                    let label = format!("{plane} readback [slot {s}]");
                    slot.plane_readbacks.insert(plane, GpuBuffer::new(&self.ctx, &label, bytes, BufferKind::Readback)?);
                }
            }
        }
        init.submit_and_wait()
    }

    /// The registered passes that run with `settings`, in an order where each reads only inputs and
    /// outputs of passes before it (registration order where dependencies allow).
    fn ordered(&self, settings: &FrameSettings) -> Result<Vec<usize>, GpuError> {
        let mut available: BTreeSet<Res> = BTreeSet::from([Res::Params]);
        if settings.has_flow {
            available.insert(Res::Flow);
        }
        for i in 0..settings.inputs {
            available.extend([Res::Cur(i), Res::Prev(i), Res::CurCb(i), Res::CurCr(i)]);
        }
        let mut pending: Vec<usize> =
            (0..self.passes.len()).filter(|&p| settings.runs(self.passes[p].name())).collect();
        let mut order = Vec::with_capacity(pending.len());
        while !pending.is_empty() {
            let ready =
                pending.iter().position(|&p| self.passes[p].reads(settings).iter().all(|r| available.contains(r)));
            let Some(at) = ready else {
                let p = &self.passes[pending[0]];
                let missing: Vec<_> = p.reads(settings).into_iter().filter(|r| !available.contains(r)).collect();
                return Err(GpuError::Other(format!(
                    "pass {} reads {missing:?}, which no selected pass writes",
                    p.name()
                )));
            };
            let p = pending.remove(at);
            available.extend(self.passes[p].outputs().iter().map(|o| o.resource()));
            order.push(p);
        }
        Ok(order)
    }

    /// Whether `submit` may be called now (fewer than K frames in flight).
    pub fn can_submit(&self) -> bool {
        self.in_flight.len() < self.config.frames_in_flight
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Forgets the previous frame: the next submitted frame starts a new sequence (after a seek).
    pub fn reset_sequence(&mut self) {
        self.last_submitted = None;
    }

    /// Waits for and drops every frame in flight (a seek makes them useless).
    pub fn discard_in_flight(&mut self) -> Result<(), GpuError> {
        while let Some(s) = self.in_flight.pop_front() {
            self.recorders[s].wait()?;
            if let Some(t) = self.transfers.get_mut(s) {
                t.upload.wait()?;
                t.readback.wait()?;
            }
            self.slots[s].frame = None;
        }
        Ok(())
    }

    fn free_slot(&self) -> Option<usize> {
        (0..self.slots.len()).find(|s| {
            !self.in_flight.contains(s) && self.held.map(|h| h.0) != Some(*s) && self.last_submitted != Some(*s)
        })
    }

    /// Uploads `input` and submits its passes without waiting. Fails when K frames are in flight.
    pub fn submit(&mut self, mut input: FrameInput) -> Result<(), GpuError> {
        if !self.can_submit() {
            return Err(GpuError::Other("frame pipeline: submit with every slot in flight; collect first".into()));
        }
        if input.inputs.len() != self.config.inputs {
            return Err(GpuError::Other(format!(
                "frame pipeline: {} input frame(s) for {} input(s)",
                input.inputs.len(),
                self.config.inputs
            )));
        }
        let s = self.free_slot().ok_or_else(|| GpuError::Other("frame pipeline: no free slot".into()))?;
        let grid = self.config.grid;
        if let Some(warp) = &input.warp {
            if warp.len() != grid.len() {
                return Err(GpuError::Other(format!("{} warp parameter sets for {} blocks", warp.len(), grid.len())));
            }
            super::WarpPass::write_params(&mut self.slots[s].params, warp)?;
        }
        let flow_medians = input.flow.as_mut().map(|f| std::mem::take(&mut f.medians)).unwrap_or_default();
        let flow = self.stage_flow(s, input.flow)?;
        let mut selected = self.config.selection.pass_names();
        // A frame without a flow (the first, or one past the file's pairs) has nothing to compare.
        if flow.is_none() {
            selected.retain(|name| super::PASSES.iter().all(|d| d.name != *name || d.group != Group::Flow));
        }
        let settings = FrameSettings {
            grid,
            range: self.range,
            lambda: self.lambda,
            surface_block: self.surface_block,
            subpel: self.subpel,
            quant: self.quant,
            warp: match (input.warp.is_some(), flow == Some(true), selected.contains(&super::subpel::SUBPEL.name)) {
                (true, _, _) => WarpSource::Params,
                (false, true, _) => WarpSource::Flow,
                (false, false, true) => WarpSource::Subpel,
                (false, false, false) => WarpSource::MotionVectors,
            },
            has_flow: flow.is_some(),
            selected,
            inputs: self.config.inputs,
        };
        let order = self.ordered(&settings)?;
        let index = input.inputs[0].index();
        let prev = self.last_submitted.filter(|&p| p != s);
        for (i, planes) in input.inputs.iter().enumerate() {
            match planes {
                InputPlanes::Host(frame) => self.stage_host_frame(s, i, frame)?,
                InputPlanes::Staged { frame, staging } => self.check_staged(i, frame, staging)?,
                InputPlanes::Device { .. } => {}
            }
        }
        let mirrors = self.take_mirrors(s, &order)?;
        self.record_frame(s, prev, &order, &settings, &input.inputs, &mirrors)?;

        let mut staged = Vec::new();
        let frames = input
            .inputs
            .into_iter()
            .map(|p| match p {
                InputPlanes::Host(f) => Some(f),
                InputPlanes::Staged { frame, staging } => {
                    staged.push(staging);
                    Some(frame)
                }
                InputPlanes::Device { .. } => None,
            })
            .collect();
        let slot = &mut self.slots[s];
        slot.frame =
            Some(SlotFrame { index, frames, settings, staging: staged, mirrors, flow_medians, warp: input.warp });
        slot.prev = prev;
        slot.repeat = self.repeat;
        self.in_flight.push_back(s);
        self.last_submitted = Some(s);
        Ok(())
    }

    /// The host-visible buffers slot `s`'s device-local results are copied into this frame: one per
    /// read-back output of a pass in `order`, reused from the pool when one was given back.
    fn take_mirrors(&mut self, s: usize, order: &[usize]) -> Result<Vec<(&'static str, GpuBuffer)>, GpuError> {
        let mut mirrors = Vec::new();
        for (&name, &size) in &self.mirrored {
            let runs = order.iter().any(|&p| self.passes[p].outputs().iter().any(|o| o.name == name));
            if runs && self.config.reads_back(name) && self.slots[s].buffers.contains_key(name) {
                let mirror = match self.mirrors.take(name) {
                    Some(mirror) => mirror,
                    None => GpuBuffer::new(&self.ctx, &format!("{name} readback"), size, BufferKind::Readback)?,
                };
                mirrors.push((name, mirror));
            }
        }
        Ok(mirrors)
    }

    /// Records and submits slot `s`'s frame: upload, the passes in `order`, readback.
    fn record_frame(
        &mut self,
        s: usize,
        prev: Option<usize>,
        order: &[usize],
        settings: &FrameSettings,
        inputs: &[InputPlanes],
        mirrors: &[(&'static str, GpuBuffer)],
    ) -> Result<(), GpuError> {
        // Three steps, each between timestamps (QUERIES_BEYOND_PASSES): upload, passes, readback.
        // One command buffer on the main queue; or, overlapping transfers, the upload and the
        // readback on queues of their own, the passes waiting for the upload and the readback for them.
        let slot = &self.slots[s];
        let step = FrameSteps {
            slot,
            prev: &self.slots[prev.unwrap_or(s)],
            passes: &self.passes,
            order,
            settings,
            repeat: self.repeat,
            inputs,
            mirrors,
        };
        let main = &mut self.recorders[s];
        match self.transfers.get_mut(s) {
            Some(TransferRecorders { upload, readback, uploaded, computed }) => {
                upload.begin()?;
                // A transfer queue cannot reset queries: the host does (nothing uses them now).
                let host_reset = self.ctx.has_side_queues();
                if let (true, Some(q)) = (host_reset, &slot.queries) {
                    q.reset_on_host()?;
                }
                step.upload(upload, !host_reset)?;
                upload.submit_sync(None, Some(uploaded))?;
                main.begin()?;
                // Orders the passes after the earlier frames' compute (their reads of this slot, their
                // writes of Prev; an earlier frame's upload is ordered through that frame's wait).
                main.barrier()?;
                step.passes(main)?;
                main.submit_sync(Some(uploaded), Some(computed))?;
                readback.begin()?;
                step.readback(readback)?;
                readback.submit_sync(Some(computed), None)?;
            }
            None => {
                main.begin()?;
                // Orders this frame after all earlier submissions (their reads of this slot, their
                // writes of Prev).
                main.barrier()?;
                step.upload(main, true)?;
                main.barrier()?;
                step.passes(main)?;
                main.barrier()?;
                step.readback(main)?;
                main.submit()?;
            }
        }
        Ok(())
    }

    /// Writes the frame's flow into slot `s`'s flow buffer (made on first use). Returns whether the
    /// frame has a flow and whether it drives the prediction.
    fn stage_flow(&mut self, s: usize, flow: Option<FlowInput>) -> Result<Option<bool>, GpuError> {
        let grid = self.config.grid;
        let Some(flow) = flow else { return Ok(None) };
        if (flow.field.width, flow.field.height) != (grid.width, grid.height) {
            return Err(GpuError::Other(format!(
                "a {}x{} flow for {}x{} frames",
                flow.field.width, flow.field.height, grid.width, grid.height
            )));
        }
        let bytes = flow.field.bytes();
        let slot = &mut self.slots[s];
        if slot.flow.is_none() {
            slot.flow =
                Some(GpuBuffer::new(&self.ctx, &format!("flow [slot {s}]"), bytes.len() as u64, BufferKind::Upload)?);
        }
        if let Some(buffer) = slot.flow.as_mut() {
            buffer.bytes_mut()[..bytes.len()].copy_from_slice(bytes);
        }
        Ok(Some(flow.drives))
    }

    /// Copies a host frame's planes into slot `s`'s staging buffers (remaking chroma images on a size change).
    fn stage_host_frame(&mut self, s: usize, i: usize, frame: &LumaFrame) -> Result<(), GpuError> {
        let grid = self.config.grid;
        if (frame.width, frame.height) != (grid.width, grid.height)
            || frame.data.len() as u64 != grid.width as u64 * grid.height as u64
        {
            return Err(GpuError::Other(format!(
                "input {i} frame {} is {}x{} ({} bytes), expected {}x{}",
                frame.index,
                frame.width,
                frame.height,
                frame.data.len(),
                grid.width,
                grid.height
            )));
        }
        let want_chroma = self.config.chroma;
        let ctx = self.ctx.clone();
        let shared = self.config.overlap_transfers;
        let target = &mut self.slots[s].inputs[i];
        target.staging.bytes_mut()[..frame.data.len()].copy_from_slice(&frame.data);
        target.chroma_shifts = None;
        if let (true, Some(chroma)) = (want_chroma, &frame.chroma) {
            stage_chroma(&ctx, target, chroma, shared)?;
        }
        Ok(())
    }

    /// Checks that a staged frame fits input `i`'s images.
    fn check_staged(&self, i: usize, frame: &LumaFrame, staging: &StagingBuffer) -> Result<(), GpuError> {
        let grid = self.config.grid;
        let plane = grid.width as u64 * grid.height as u64;
        if (frame.width, frame.height) != (grid.width, grid.height) || staging.len() as u64 != plane {
            return Err(GpuError::Other(format!(
                "input {i} frame {} is {}x{} ({} staged bytes), expected {}x{}",
                frame.index,
                frame.width,
                frame.height,
                staging.len(),
                grid.width,
                grid.height
            )));
        }
        Ok(())
    }

    /// Waits for the oldest frame in flight and returns its results (`None` when nothing is in
    /// flight). Its slot becomes the held frame, whose images stay valid until the next collect.
    pub fn collect(&mut self) -> Result<Option<FrameResults>, GpuError> {
        self.collect_inner(true)
    }

    /// Like `collect`, but returns `None` at once when the oldest frame is not finished yet.
    pub fn try_collect(&mut self) -> Result<Option<FrameResults>, GpuError> {
        self.collect_inner(false)
    }

    fn collect_inner(&mut self, wait: bool) -> Result<Option<FrameResults>, GpuError> {
        let Some(&s) = self.in_flight.front() else {
            return Ok(None);
        };
        // A frame is done when its last step (the readback) is.
        let last = match self.transfers.get_mut(s) {
            Some(t) => &mut t.readback,
            None => &mut self.recorders[s],
        };
        if wait {
            last.wait()?;
        } else if !last.is_done()? {
            return Ok(None);
        }
        self.in_flight.pop_front();
        let slot = &mut self.slots[s];
        let repeat = slot.repeat;
        let Some(frame) = slot.frame.take() else {
            return Err(GpuError::Other("frame pipeline: collected a slot without a frame".into()));
        };
        self.held = Some((s, frame.index));
        let order: Vec<&'static str> =
            self.passes.iter().map(|p| p.name()).filter(|n| frame.settings.runs(n)).collect();
        let timings = match &slot.queries {
            Some(q) => {
                let ticks = q.ticks(order.len() as u32 + QUERIES_BEYOND_PASSES)?;
                let ms = |a: usize, b: usize| q.elapsed_ms(&ticks, a as u32, b as u32);
                PassTimings {
                    upload_ms: ms(0, 1),
                    passes: order.iter().enumerate().map(|(k, &n)| (n, ms(2 + k, 3 + k) / repeat as f64)).collect(),
                    readback_ms: ms(3 + order.len(), 4 + order.len()),
                }
            }
            None => PassTimings { passes: order.iter().map(|&n| (n, 0.0)).collect(), ..PassTimings::default() },
        };
        // The staging buffers go back to their decoders now that the GPU has read them.
        let SlotFrame { index, frames, settings, staging, mirrors, flow_medians, warp } = frame;
        drop(staging);
        let mut buffers = BTreeMap::new();
        for (name, mirror) in mirrors {
            buffers.insert(name, ResultBytes::lent(mirror, name, Arc::clone(&self.mirrors)));
        }
        for pass in self.passes.iter().filter(|p| settings.runs(p.name())) {
            for output in pass.outputs() {
                let wanted = matches!(output.kind, OutputKind::Buffer { readback: true, .. })
                    && self.config.reads_back(output.name)
                    && !self.mirrored.contains_key(output.name);
                if let (true, Some(buffer)) = (wanted, slot.buffers.get(output.name)) {
                    buffers.insert(output.name, ResultBytes::owned(buffer.bytes().to_vec()));
                }
            }
        }
        let mut planes = BTreeMap::new();
        for (name, buffer) in &slot.plane_readbacks {
            if settings.runs_output(&self.passes, name) {
                let len = (settings.grid.width as u64 * settings.grid.height as u64) as usize;
                planes.insert(*name, buffer.bytes()[..len].to_vec());
            }
        }
        Ok(Some(FrameResults {
            index,
            frames,
            first_of_sequence: slot.prev.is_none(),
            settings,
            buffers,
            planes,
            timings,
            flow_medians,
            warp,
        }))
    }

    /// The last collected frame's GPU images and buffers (for display).
    pub fn held(&self) -> Option<HeldFrame<'_>> {
        let (s, index) = self.held?;
        Some(HeldFrame { slot: &self.slots[s], index })
    }

    /// The held frame, or before any frame a slot whose (initialised, unwritten) resources a
    /// display can bind while it shows nothing.
    pub fn display_frame(&self) -> HeldFrame<'_> {
        let (s, index) = self.held.unwrap_or((0, 0));
        HeldFrame { slot: &self.slots[s], index }
    }

    /// A slot's output buffer by name, whether or not a frame was collected yet (tests, sizes).
    pub fn any_buffer(&self, name: &str) -> Option<&GpuBuffer> {
        self.slots.first().and_then(|s| s.buffers.get(name))
    }
}

/// Timestamps beyond one per pass: upload start and end, passes start, readback start and end.
const QUERIES_BEYOND_PASSES: u32 = 5;

/// What recording one frame's steps needs. Timestamps: 0 and 1 around the upload, 2 before the
/// passes and 3 + k after pass k, 3 + n and 4 + n around the readback (n passes).
struct FrameSteps<'a> {
    slot: &'a Slot,
    prev: &'a Slot,
    passes: &'a [Registered],
    order: &'a [usize],
    settings: &'a FrameSettings,
    repeat: u32,
    inputs: &'a [InputPlanes],
    mirrors: &'a [(&'static str, GpuBuffer)],
}

impl FrameSteps<'_> {
    fn stamp(&self, rec: &mut Recorder, q: u32) -> Result<(), GpuError> {
        self.slot.queries.as_ref().map_or(Ok(()), |queries| rec.timestamp(queries, q))
    }

    /// Resets the frame's timestamps (this is its first step; unless `reset` is false: the host did)
    /// and copies its pictures into the slot.
    fn upload(&self, rec: &mut Recorder, reset: bool) -> Result<(), GpuError> {
        if let (true, Some(q)) = (reset, &self.slot.queries) {
            rec.reset_queries(q)?;
        }
        self.stamp(rec, 0)?;
        for (i, planes) in self.inputs.iter().enumerate() {
            let target = &self.slot.inputs[i];
            match planes {
                InputPlanes::Host(frame) => {
                    rec.upload(&target.staging, 0, &target.luma)?;
                    if let (Some((cb, cr, staging)), Some(_)) = (&target.chroma, frame.chroma.as_ref()) {
                        rec.upload(staging, 0, cb)?;
                        rec.upload(staging, cb.byte_len(), cr)?;
                    }
                }
                InputPlanes::Staged { staging, .. } => rec.upload(staging.buffer(), 0, &target.luma)?,
                InputPlanes::Device { image, .. } => rec.copy_image(image, &target.luma)?,
            }
        }
        self.stamp(rec, 1)
    }

    /// Records the passes in order, with a barrier only where one reads or overwrites what an
    /// earlier one of the frame wrote.
    fn passes(&self, rec: &mut Recorder) -> Result<(), GpuError> {
        self.stamp(rec, 2)?;
        let io = SlotIo { cur: self.slot, prev: self.prev };
        let (mut written, mut read) = (BTreeSet::new(), BTreeSet::new());
        for (k, &p) in self.order.iter().enumerate() {
            let pass = &self.passes[p];
            let reads = pass.reads(self.settings);
            let writes: Vec<Res> = pass.outputs().iter().map(|o| o.resource()).collect();
            let hazard = reads.iter().any(|r| written.contains(r))
                || writes.iter().any(|w| written.contains(w) || read.contains(w));
            if hazard {
                rec.barrier()?;
                written.clear();
                read.clear();
            }
            for run in 0..self.repeat {
                if run > 0 {
                    rec.barrier()?;
                }
                pass.record(rec, &io, self.settings)?;
            }
            read.extend(reads);
            written.extend(writes);
            self.stamp(rec, 3 + k as u32)?;
        }
        Ok(())
    }

    /// Copies the requested planes and the read-back buffers to host-visible memory.
    fn readback(&self, rec: &mut Recorder) -> Result<(), GpuError> {
        let n = self.order.len() as u32;
        self.stamp(rec, 3 + n)?;
        for (name, buffer) in &self.slot.plane_readbacks {
            if let (Some(image), true) = (self.slot.images.get(name), written_by(self.order, self.passes, name)) {
                rec.download(image, buffer, 0)?;
            }
        }
        for (name, mirror) in self.mirrors {
            if let Some(buffer) = self.slot.buffers.get(name) {
                rec.copy_buffer(buffer, mirror, buffer.size())?;
            }
        }
        self.stamp(rec, 4 + n)
    }
}

impl FrameSettings {
    /// Whether a pass that runs with these settings writes the image `name`.
    fn runs_output(&self, passes: &[Registered], name: &str) -> bool {
        passes.iter().any(|p| self.runs(p.name()) && p.outputs().iter().any(|o| o.name == name))
    }
}

fn written_by(order: &[usize], passes: &[Registered], name: &str) -> bool {
    order.iter().any(|&p| passes[p].outputs().iter().any(|o| o.name == name))
}

/// Copies chroma into the input's staging buffer, remaking the images when their size changed
/// (`shared`: they are uploaded on the upload queue).
fn stage_chroma(
    ctx: &Arc<GpuContext>,
    target: &mut InputImages,
    chroma: &ChromaPlanes,
    shared: bool,
) -> Result<(), GpuError> {
    let (w, h) = (chroma.width, chroma.height);
    let len = w as usize * h as usize;
    if chroma.cb.len() != len || chroma.cr.len() != len {
        return Err(GpuError::Other(format!("chroma planes do not match their size {w}x{h}")));
    }
    let fits = target.chroma.as_ref().is_some_and(|(cb, _, _)| (cb.width, cb.height) == (w, h));
    if !fits {
        let image = |name: &str| match shared {
            true => LumaImage::new_shared(ctx, name, w, h),
            false => LumaImage::new(ctx, name, w, h),
        };
        let (cb, cr) = (image("chroma cb")?, image("chroma cr")?);
        let staging = GpuBuffer::new(ctx, "chroma staging", 2 * len as u64, BufferKind::Upload)?;
        // Uploads move images from UNDEFINED themselves, so no separate initialisation is needed.
        target.chroma = Some((cb, cr, staging));
    }
    if let Some((_, _, staging)) = target.chroma.as_mut() {
        let bytes = staging.bytes_mut();
        bytes[..len].copy_from_slice(&chroma.cb);
        bytes[len..2 * len].copy_from_slice(&chroma.cr);
    }
    target.chroma_shifts = Some((chroma.shift_x, chroma.shift_y));
    Ok(())
}

impl Drop for FramePipeline {
    fn drop(&mut self) {
        let transfers = self.transfers.iter_mut().flat_map(|t| [&mut t.upload, &mut t.readback]);
        for rec in self.recorders.iter_mut().chain(transfers) {
            if let Err(e) = rec.wait() {
                tracing::error!("frame pipeline: cannot wait for a frame in flight: {e}");
            }
        }
    }
}
