//! The frame pipeline: uploads each frame of one or more inputs, runs the selected registered passes
//! in dependency order with barriers only where a pass reads or overwrites what an earlier one wrote,
//! takes a GPU timestamp after each, and reads the results back — with up to K frames in flight.
//!
//! Resources live in a ring of K + 1 frame slots. A slot holds its frame's input images, every pass
//! output, the host buffers and its own command buffer and timestamps, so the CPU reads frame t's
//! results while the GPU works on t + 1 … t + K − 1, and the last collected frame ("held") keeps its
//! images for display until the next `collect`. Frame t's `Prev` is the previous frame's slot.

use super::pass::{FrameSettings, OutputKind, Pass, PassIo, Res, WarpSource};
use super::registry::{registered_passes, PassSelection};
use super::results::{FrameResults, PassTimings};
use crate::gpu::{BufferKind, GpuBuffer, GpuContext, GpuError, LumaImage, Recorder, TimestampQueries};
use crate::reference::{BlockGrid, QuantStep, SearchRange, WarpParams};
use crate::video::{ChromaPlanes, LumaFrame};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

/// One input's picture for a frame: host planes, or an image already on the GPU (the seam for a GPU
/// decoder: it is copied into the slot on the GPU).
pub enum InputPlanes {
    Host(LumaFrame),
    Device { index: usize, image: Arc<LumaImage> },
}

impl InputPlanes {
    fn index(&self) -> usize {
        match self {
            InputPlanes::Host(f) => f.index,
            InputPlanes::Device { index, .. } => *index,
        }
    }
}

/// Everything the pipeline takes for one frame: one picture per input (input 0 first) and, for a
/// learner prediction, one warp per block.
pub struct FrameInput {
    pub inputs: Vec<InputPlanes>,
    pub warp: Option<Vec<WarpParams>>,
}

impl FrameInput {
    pub fn host(frame: LumaFrame) -> Self {
        Self { inputs: vec![InputPlanes::Host(frame)], warp: None }
    }
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
    /// Upload input 0's chroma planes too (for colour display).
    pub chroma: bool,
    /// Keep the passes' result buffers in device memory and copy them to host-visible mirrors in
    /// the readback step (`None`: on GPUs, not on CPU devices, whose memory is all host memory).
    pub device_local_outputs: Option<bool>,
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
        }
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

/// What a slot holds about the frame submitted into it.
struct SlotFrame {
    index: usize,
    frames: Vec<Option<LumaFrame>>,
    settings: FrameSettings,
}

struct Slot {
    inputs: Vec<InputImages>,
    params: GpuBuffer,
    images: BTreeMap<&'static str, LumaImage>,
    buffers: BTreeMap<&'static str, GpuBuffer>,
    /// Host-visible copies of the read-back output buffers, on devices whose outputs live in device
    /// memory (a discrete GPU writes its own memory far faster than the host's over PCIe; the copy
    /// runs on the transfer path in the readback step). Empty on CPU devices, where outputs are
    /// host-visible and read directly.
    buffer_readbacks: BTreeMap<&'static str, GpuBuffer>,
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
            Res::Image(name) => self.cur.images.get(name),
            Res::Buffer(_) | Res::Params => None,
        };
        found.ok_or_else(|| GpuError::Other(format!("frame pipeline: no image {res:?}")))
    }

    fn buffer(&self, res: Res) -> Result<&GpuBuffer, GpuError> {
        let found = match res {
            Res::Buffer(name) => self.cur.buffers.get(name),
            Res::Params => Some(&self.cur.params),
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
        let input = self.slot.inputs.first()?;
        match (&input.chroma, input.chroma_shifts) {
            (Some((cb, cr, _)), Some(shifts)) => Some((cb, cr, shifts)),
            _ => None,
        }
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

pub struct FramePipeline {
    ctx: Arc<GpuContext>,
    // Recorders come first: dropping one waits for its work before the slots' resources go.
    recorders: Vec<Recorder>,
    slots: Vec<Slot>,
    passes: Vec<Box<dyn Pass>>,
    config: PipelineConfig,
    range: u32,
    quant: u32,
    /// Runs of each pass per frame (bench --repeat); timings are per run.
    repeat: u32,
    in_flight: VecDeque<usize>,
    /// The slot and frame index of the last collected frame.
    held: Option<(usize, usize)>,
    last_submitted: Option<usize>,
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
        let mut slots = Vec::with_capacity(slot_count);
        for s in 0..slot_count {
            let mut inputs = Vec::new();
            for i in 0..config.inputs {
                inputs.push(InputImages {
                    luma: LumaImage::new(ctx, &format!("input {i} luma [slot {s}]"), w, h)?,
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
                images: BTreeMap::new(),
                buffers: BTreeMap::new(),
                buffer_readbacks: BTreeMap::new(),
                plane_readbacks: BTreeMap::new(),
                queries: TimestampQueries::new(ctx, passes.len() as u32 + 3)?,
                frame: None,
                prev: None,
                repeat: 1,
            });
            recorders.push(Recorder::new(ctx, &format!("frame pipeline [slot {s}]"))?);
        }
        let mut pipeline = Self {
            ctx: ctx.clone(),
            recorders,
            slots,
            passes,
            config,
            range: 16,
            quant: 1,
            repeat: 1,
            in_flight: VecDeque::new(),
            held: None,
            last_submitted: None,
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

    /// Host copies of these output images after each frame from now on.
    pub fn set_planes(&mut self, planes: &[&'static str]) -> Result<(), GpuError> {
        self.config.planes = planes.to_vec();
        self.ensure_outputs()
    }

    /// Motion search range R for the next frames. Default 16.
    pub fn set_range(&mut self, range: SearchRange) {
        self.range = range.get();
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
                            let image = LumaImage::new(&self.ctx, &label, grid.width, grid.height)?;
                            init.init_image(&image)?;
                            slot.images.insert(output.name, image);
                        }
                        OutputKind::Buffer { size, readback } if !slot.buffers.contains_key(output.name) => {
                            let bytes = size(&grid);
                            let mirrored = readback && self.config.device_local_outputs.unwrap_or(!self.ctx.is_cpu());
                            let kind = if mirrored { BufferKind::DeviceLocal } else { BufferKind::Readback };
                            slot.buffers.insert(output.name, GpuBuffer::new(&self.ctx, &label, bytes, kind)?);
                            if mirrored {
                                let label = format!("{} readback [slot {s}]", output.name);
                                let mirror = GpuBuffer::new(&self.ctx, &label, bytes, BufferKind::Readback)?;
                                slot.buffer_readbacks.insert(output.name, mirror);
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
        for i in 0..settings.inputs {
            available.extend([Res::Cur(i), Res::Prev(i)]);
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
    pub fn submit(&mut self, input: FrameInput) -> Result<(), GpuError> {
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
        let settings = FrameSettings {
            grid,
            range: self.range,
            quant: self.quant,
            warp: if input.warp.is_some() { WarpSource::Params } else { WarpSource::MotionVectors },
            selected: self.config.selection.pass_names(),
            inputs: self.config.inputs,
        };
        let order = self.ordered(&settings)?;
        let index = input.inputs[0].index();
        let prev = self.last_submitted.filter(|&p| p != s);
        for (i, planes) in input.inputs.iter().enumerate() {
            if let InputPlanes::Host(frame) = planes {
                self.stage_host_frame(s, i, frame)?;
            }
        }

        let rec = &mut self.recorders[s];
        let slot = &self.slots[s];
        let prev_slot = &self.slots[prev.unwrap_or(s)];
        let queries = slot.queries.as_ref();
        let stamp = |rec: &mut Recorder, q: u32| queries.map_or(Ok(()), |queries| rec.timestamp(queries, q));
        rec.begin()?;
        if let Some(q) = queries {
            rec.reset_queries(q)?;
        }
        // Orders this frame after all earlier submissions (their reads of this slot, their writes of Prev).
        rec.barrier()?;
        stamp(rec, 0)?;
        for (i, planes) in input.inputs.iter().enumerate() {
            let target = &slot.inputs[i];
            match planes {
                InputPlanes::Host(frame) => {
                    rec.upload(&target.staging, 0, &target.luma)?;
                    if let (Some((cb, cr, staging)), Some(_), true) = (&target.chroma, frame.chroma.as_ref(), i == 0) {
                        rec.upload(staging, 0, cb)?;
                        rec.upload(staging, cb.byte_len(), cr)?;
                    }
                }
                InputPlanes::Device { image, .. } => rec.copy_image(image, &target.luma)?,
            }
        }
        rec.barrier()?;
        stamp(rec, 1)?;
        let io = SlotIo { cur: slot, prev: prev_slot };
        let (mut written, mut read) = (BTreeSet::new(), BTreeSet::new());
        for (k, &p) in order.iter().enumerate() {
            let pass = &self.passes[p];
            let reads = pass.reads(&settings);
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
                pass.record(rec, &io, &settings)?;
            }
            read.extend(reads);
            written.extend(writes);
            stamp(rec, 2 + k as u32)?;
        }
        rec.barrier()?;
        for (name, buffer) in &slot.plane_readbacks {
            if let (Some(image), true) = (slot.images.get(name), written_by(&order, &self.passes, name)) {
                rec.download(image, buffer, 0)?;
            }
        }
        for (name, mirror) in &slot.buffer_readbacks {
            if let (Some(buffer), true) = (slot.buffers.get(name), written_by(&order, &self.passes, name)) {
                rec.copy_buffer(buffer, mirror, buffer.size())?;
            }
        }
        stamp(rec, 2 + order.len() as u32)?;
        rec.submit()?;

        let frames = input
            .inputs
            .into_iter()
            .map(|p| match p {
                InputPlanes::Host(f) => Some(f),
                InputPlanes::Device { .. } => None,
            })
            .collect();
        let slot = &mut self.slots[s];
        slot.frame = Some(SlotFrame { index, frames, settings });
        slot.prev = prev;
        slot.repeat = self.repeat;
        self.in_flight.push_back(s);
        self.last_submitted = Some(s);
        Ok(())
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
        let want_chroma = self.config.chroma && i == 0;
        let ctx = self.ctx.clone();
        let target = &mut self.slots[s].inputs[i];
        target.staging.bytes_mut()[..frame.data.len()].copy_from_slice(&frame.data);
        target.chroma_shifts = None;
        if let (true, Some(chroma)) = (want_chroma, &frame.chroma) {
            stage_chroma(&ctx, target, chroma)?;
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
        if wait {
            self.recorders[s].wait()?;
        } else if !self.recorders[s].is_done()? {
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
                let ticks = q.ticks(order.len() as u32 + 3)?;
                let ms = |a: usize, b: usize| q.elapsed_ms(&ticks, a as u32, b as u32);
                PassTimings {
                    upload_ms: ms(0, 1),
                    passes: order.iter().enumerate().map(|(k, &n)| (n, ms(1 + k, 2 + k) / repeat as f64)).collect(),
                    readback_ms: ms(1 + order.len(), 2 + order.len()),
                }
            }
            None => PassTimings { passes: order.iter().map(|&n| (n, 0.0)).collect(), ..PassTimings::default() },
        };
        let mut buffers = BTreeMap::new();
        for pass in self.passes.iter().filter(|p| frame.settings.runs(p.name())) {
            for output in pass.outputs() {
                let host = slot.buffer_readbacks.get(output.name).or_else(|| slot.buffers.get(output.name));
                if let (OutputKind::Buffer { readback: true, .. }, Some(buffer)) = (output.kind, host) {
                    buffers.insert(output.name, buffer.bytes().to_vec());
                }
            }
        }
        let mut planes = BTreeMap::new();
        for (name, buffer) in &slot.plane_readbacks {
            if frame.settings.runs_output(&self.passes, name) {
                let len = (frame.settings.grid.width as u64 * frame.settings.grid.height as u64) as usize;
                planes.insert(*name, buffer.bytes()[..len].to_vec());
            }
        }
        Ok(Some(FrameResults {
            index: frame.index,
            frames: frame.frames,
            first_of_sequence: slot.prev.is_none(),
            settings: frame.settings,
            buffers,
            planes,
            timings,
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

impl FrameSettings {
    /// Whether a pass that runs with these settings writes the image `name`.
    fn runs_output(&self, passes: &[Box<dyn Pass>], name: &str) -> bool {
        passes.iter().any(|p| self.runs(p.name()) && p.outputs().iter().any(|o| o.name == name))
    }
}

fn written_by(order: &[usize], passes: &[Box<dyn Pass>], name: &str) -> bool {
    order.iter().any(|&p| passes[p].outputs().iter().any(|o| o.name == name))
}

/// Copies chroma into the input's staging buffer, remaking the images when their size changed.
fn stage_chroma(ctx: &Arc<GpuContext>, target: &mut InputImages, chroma: &ChromaPlanes) -> Result<(), GpuError> {
    let (w, h) = (chroma.width, chroma.height);
    let len = w as usize * h as usize;
    if chroma.cb.len() != len || chroma.cr.len() != len {
        return Err(GpuError::Other(format!("chroma planes do not match their size {w}x{h}")));
    }
    let fits = target.chroma.as_ref().is_some_and(|(cb, _, _)| (cb.width, cb.height) == (w, h));
    if !fits {
        let cb = LumaImage::new(ctx, "chroma cb", w, h)?;
        let cr = LumaImage::new(ctx, "chroma cr", w, h)?;
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
        for rec in &mut self.recorders {
            if let Err(e) = rec.wait() {
                tracing::error!("frame pipeline: cannot wait for a frame in flight: {e}");
            }
        }
    }
}
