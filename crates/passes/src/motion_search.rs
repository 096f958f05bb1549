//! motion_search pass: exact full search over (2R+1)^2 displacements, (dx, dy, sad) per block into an
//! SSBO (shaders/motion_search.glsl). A [`SearchPlan`] picks, per block size, range and device, how
//! candidates are tiled over threads and how many blocks share a workgroup; one pipeline per shape is
//! made on first use.

use super::motion_cost::{MotionCostKernel, COSTS, COST_EXPORTS};
use super::pass::{FrameSettings, Group, Output, Pass, PassDesc, PassIo, Res};
use super::spirv;
use crate::gpu::{vk, Binding, ComputePipeline, GpuBuffer, GpuContext, GpuError, LumaImage, Recorder};
use crate::outputs as out;
use crate::reference::{BlockGrid, MotionVector, MAX_RANGE};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct MotionSearchPush {
    pub width: u32,
    pub height: u32,
    pub block: u32,
    pub blocks_x: u32,
    pub blocks_y: u32,
    pub range: i32,
    pub nbx: u32,
    pub nby: u32,
    pub p: u32,
    pub g: u32,
    pub gy: u32,
    pub ww: u32,
    pub wh: u32,
    pub chunk: u32,
    /// `--lambda`: cost = SAD + lambda·(|dx| + |dy|).
    pub lambda: u32,
    /// 1: the kernel also writes the motion costs (binding 3); see `SearchPlan::gathers_costs`.
    pub costs: u32,
}

/// Bytes per block record (ivec4).
pub const VECTOR_BYTES: u64 = 16;

/// How the search is laid out on the device (see shaders/motion_search.glsl).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SearchPlan {
    /// Candidates per item along dx (4 or 8) and along dy (1..=4).
    pub k: u32,
    pub ky: u32,
    /// Threads per workgroup and per block.
    pub threads: u32,
    pub per_block: u32,
    /// Blocks per workgroup along x and y.
    pub nbx: u32,
    pub nby: u32,
    /// Block rows staged per step (the block size when the whole window fits).
    pub chunk: u32,
    /// Shared-memory capacities in floats.
    pub win_floats: u32,
    pub cur_floats: u32,
    /// No staging: ref and cur read from the images (CPU devices; one block per workgroup of one
    /// subgroup).
    pub direct: bool,
}

/// (block, range, [k, ky, threads, per_block]): the shapes measured fastest on an NVIDIA H200 at
/// 720p, 1080p and 4K (`examples/motion_plans.rs`, docs/benchmarks.md). The shape that is best at one
/// size is within 8 % of the best at the others. The cost model below misjudges GPUs: it favours
/// several blocks sharing a 32-wide warp (per_block 8 or 16), which measured up to 3x slower than
/// giving each block a warp or a whole workgroup, whose threads then read the same window rows.
pub const MEASURED_SHAPES: &[(u32, u32, [u32; 4])] = &[
    (8, 4, [4, 2, 128, 16]),
    (8, 16, [8, 3, 256, 64]),
    (8, 32, [8, 3, 256, 256]),
    (16, 4, [4, 1, 128, 32]),
    (16, 16, [4, 2, 256, 256]),
    (16, 32, [8, 3, 256, 256]),
    (32, 4, [4, 1, 128, 128]),
    (32, 16, [8, 1, 256, 256]),
    (32, 32, [4, 1, 256, 256]),
];

/// Shared memory the plans may use (every device we run on has at least 32 KiB).
const SHARED_BYTES: u32 = 32 * 1024;

impl SearchPlan {
    fn item_cols(&self, range: u32) -> u32 {
        (2 * range + 1).div_ceil(self.k)
    }

    fn item_rows(&self, range: u32) -> u32 {
        (2 * range + 1).div_ceil(self.ky)
    }

    fn items(&self, range: u32) -> u32 {
        self.item_cols(range) * self.item_rows(range)
    }

    fn window_stride(&self, block: u32, range: u32) -> u32 {
        self.nbx * block + self.item_cols(range) * self.k
    }

    fn window_rows(&self, block: u32, range: u32) -> u32 {
        self.nby * block + self.item_rows(range) * self.ky - 1
    }

    /// The staged plan for `k` x `ky` items, `threads` threads of which `per_block` serve one block,
    /// or None when it does not fit the shared memory.
    pub fn staged(block: u32, range: u32, k: u32, ky: u32, threads: u32, per_block: u32, shared: u32) -> Option<Self> {
        let nb = threads / per_block;
        let nbx = 1u32 << nb.trailing_zeros().div_ceil(2);
        let nby = nb / nbx;
        let mut plan = SearchPlan {
            k,
            ky,
            threads,
            per_block,
            nbx,
            nby,
            chunk: block,
            win_floats: 0,
            cur_floats: 0,
            direct: false,
        };
        let (ww, wh) = (plan.window_stride(block, range), plan.window_rows(block, range));
        let floats = shared / 4 - 2 * nb;
        let whole = ww * wh + nb * block * block;
        if whole <= floats {
            plan.win_floats = ww * wh;
            plan.cur_floats = nb * block * block;
            return Some(plan);
        }
        if nb > 1 {
            return None;
        }
        // One block, staged a few block rows and the window rows of one round at a time.
        let g = plan.item_cols(range);
        let span = (per_block.div_ceil(g) + 1) * ky; // window rows a round's items reach, past the block rows
        let per_row = ww + block; // window row + cur row, per block row of the chunk
        let chunk = floats.checked_sub(span * ww)? / per_row;
        if chunk == 0 {
            return None;
        }
        plan.chunk = chunk.min(block);
        plan.win_floats = (span + plan.chunk - 1) * ww;
        plan.cur_floats = plan.chunk * block;
        Some(plan)
    }

    /// The unstaged plan: one block per workgroup of one subgroup, `subgroup` invocations.
    pub fn direct(block: u32, k: u32, ky: u32, subgroup: u32) -> Self {
        let threads = subgroup;
        SearchPlan {
            k,
            ky,
            threads,
            per_block: threads,
            nbx: 1,
            nby: 1,
            chunk: block,
            win_floats: 4,
            cur_floats: 4,
            direct: true,
        }
    }

    /// Whether the search kernel gathers the motion costs itself under this plan: staged, with one
    /// round of items, so every item's SADs are still in registers when the winner is known.
    pub fn gathers_costs(&self, range: u32) -> bool {
        !self.direct && self.items(range) <= self.per_block
    }

    /// Estimated cost for the whole frame, in instructions of one thread (GPU) or of one 8-wide
    /// SIMD group (CPU): a model whose weights were fitted to measurements (docs/benchmarks.md).
    pub fn cost(&self, grid: &BlockGrid, range: u32) -> f64 {
        let b = grid.block as f64;
        let (k, ky) = (self.k as f64, self.ky as f64);
        let rounds = (self.items(range) as f64 / self.per_block as f64).ceil();
        let wgs = (grid.blocks_x().div_ceil(self.nbx) * grid.blocks_y().div_ceil(self.nby)) as f64;
        if self.direct {
            // Per 8 lanes: a gathered image load ~34 (one per quad: (K + 3) / 4 rounded up of ref,
            // one of cur per dy row), 12 vector instructions per accumulator and 4 pixels.
            let quads = ((k + 6.0) / 4.0).floor() + ky;
            let step = quads * 34.0 + 12.0 * k * ky + 10.0;
            let item = (b + ky - 1.0) * ((b / 4.0) * step + 10.0) + 8.0 * k * ky + 50.0;
            let chunks = self.threads as f64 / 8.0;
            return wgs * (chunks * (rounds * item + 200.0) + 2000.0);
        }
        let loads = (k / 4.0 + 1.0) + ky;
        let step = 8.0 * k * ky + 2.0 * loads + 4.0 + 2.0 * ky;
        let item = (b + ky - 1.0) * ((b / 4.0) * step + 6.0) + 6.0 * k * ky + 20.0;
        let ww = self.window_stride(grid.block, range) as f64;
        let staged = if self.chunk >= grid.block {
            ww * self.window_rows(grid.block, range) as f64
        } else {
            rounds * (b / self.chunk as f64).ceil() * self.win_floats as f64
        };
        let load = (staged + (self.nbx * self.nby) as f64 * b * b) * 12.0;
        wgs * (self.threads as f64 * (rounds * item + 60.0) + load + 60.0)
    }

    /// Every plan shape considered for this grid and range: staged shapes that fit `shared_bytes`
    /// on GPUs, direct ones on CPU devices (`cpu_subgroup`: their subgroup size).
    pub fn candidates(grid: &BlockGrid, range: u32, cpu_subgroup: Option<u32>, shared_bytes: u32) -> Vec<SearchPlan> {
        let shared = shared_bytes.min(SHARED_BYTES);
        let mut plans = Vec::new();
        for k in [4, 8] {
            for ky in 1..=4 {
                if let Some(subgroup) = cpu_subgroup {
                    plans.push(Self::direct(grid.block, k, ky, subgroup));
                    continue;
                }
                for threads in [64, 128, 256] {
                    for per_block in [8, 16, 32, 64, 128, 256].into_iter().filter(|&p| p <= threads) {
                        plans.extend(Self::staged(grid.block, range, k, ky, threads, per_block, shared));
                    }
                }
            }
        }
        plans
    }

    /// On GPUs, the measured shape for this block size and range when there is one that fits;
    /// otherwise (CPU devices, other sizes) the cheapest candidate by the cost model.
    pub fn choose(grid: &BlockGrid, range: u32, cpu_subgroup: Option<u32>, shared_bytes: u32) -> SearchPlan {
        if cpu_subgroup.is_none() {
            if let Some(plan) = Self::measured(grid.block, range, shared_bytes) {
                return plan;
            }
        }
        Self::candidates(grid, range, cpu_subgroup, shared_bytes)
            .into_iter()
            .map(|p| (p.cost(grid, range), p))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, plan)| plan)
            // No staged shape fits this shared memory: read the images directly (exact, slower).
            .unwrap_or_else(|| Self::direct(grid.block, 4, 1, 32))
    }

    /// The measured shape (see [`MEASURED_SHAPES`]) for `block` at the measured range nearest to
    /// `range`, if any, and if it fits the shared memory.
    pub fn measured(block: u32, range: u32, shared_bytes: u32) -> Option<SearchPlan> {
        let nearest = match range {
            0..=8 => 4,
            9..=24 => 16,
            _ => 32,
        };
        let &(_, _, [k, ky, threads, per_block]) =
            MEASURED_SHAPES.iter().find(|&&(b, r, _)| b == block && r == nearest)?;
        Self::staged(block, range, k, ky, threads, per_block, shared_bytes.min(SHARED_BYTES))
    }

    /// A plan from `VIDSCOPE_MOTION_PLAN=k,ky,threads,per_block` (staged) or `k,ky,direct` (for
    /// measurements), if set and valid.
    fn from_env(grid: &BlockGrid, range: u32, shared_bytes: u32, subgroup: u32) -> Option<SearchPlan> {
        let text = std::env::var("VIDSCOPE_MOTION_PLAN").ok()?;
        let v: Vec<u32> = text.split(',').filter_map(|s| s.trim().parse().ok()).collect();
        if let (&[k, ky], true) = (&v[..2.min(v.len())], text.ends_with("direct")) {
            return ((k == 4 || k == 8) && (1..=4).contains(&ky)).then(|| Self::direct(grid.block, k, ky, subgroup));
        }
        let &[k, ky, threads, per_block] = &v[..] else { return None };
        if !(k == 4 || k == 8) || !(1..=4).contains(&ky) || per_block == 0 || threads % per_block != 0 {
            return None;
        }
        Self::staged(grid.block, range, k, ky, threads, per_block, shared_bytes.min(SHARED_BYTES))
    }
}

/// Quads by frame size; kept for the pass's life (a frame in flight may still use an older size's).
type QuadsBySize = Mutex<Vec<((u32, u32), Arc<Quads>)>>;

/// Compiled search variants by (k, direct, specialisation constants), made on first use.
type PipelineCache = Mutex<HashMap<(u32, bool, [u32; 5]), Arc<ComputePipeline>>>;

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
struct PackQuadsPush {
    width: u32,
    height: u32,
    quads_width: u32,
    margin: i32,
}

/// The quads the direct plans read (shaders/pack_quads.comp), made for the first frame size they
/// serve: wide enough for any range, so a range change keeps them. They are written and read inside
/// each frame's own submission, which starts with a barrier after all earlier ones, so the frames
/// in flight can share them.
struct Quads {
    cur: LumaImage,
    reference: LumaImage,
}

pub struct MotionSearchPass {
    ctx: Arc<GpuContext>,
    pipelines: PipelineCache,
    pack: ComputePipeline,
    quads: QuadsBySize,
    /// The motion costs where the search kernel cannot gather them.
    cost_kernel: MotionCostKernel,
}

impl MotionSearchPass {
    pub fn new(ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        let image = vk::DescriptorType::STORAGE_IMAGE;
        let pack = ComputePipeline::new(
            ctx,
            "pack_quads",
            spirv!("pack_quads"),
            &[image, image],
            std::mem::size_of::<PackQuadsPush>() as u32,
        )?;
        let cost_kernel = MotionCostKernel::new(ctx)?;
        Ok(Self {
            ctx: ctx.clone(),
            pipelines: Mutex::new(HashMap::new()),
            pack,
            quads: Mutex::new(Vec::new()),
            cost_kernel,
        })
    }

    /// Columns of the ref quads: a border of up to MAX_RANGE columns on each side, and the widest
    /// item (K + 3 pixels, K <= 8) past the last one.
    fn quads_width(width: u32) -> u32 {
        width + 2 * MAX_RANGE + 16
    }

    /// The quads for this frame size, made (and moved to their layout, waiting once) on first use.
    fn quads_for(&self, width: u32, height: u32) -> Result<Arc<Quads>, GpuError> {
        let mut all = self.quads.lock().map_err(|_| GpuError::Other("motion_search: lock poisoned".into()))?;
        if let Some((_, q)) = all.iter().find(|(size, _)| *size == (width, height)) {
            return Ok(q.clone());
        }
        let quads = Arc::new(Quads {
            cur: LumaImage::new_quads(&self.ctx, "motion search cur quads", width, height)?,
            reference: LumaImage::new_quads(&self.ctx, "motion search ref quads", Self::quads_width(width), height)?,
        });
        let mut init = Recorder::new(&self.ctx, "motion search quads init")?;
        init.begin()?;
        init.init_image(&quads.cur)?;
        init.init_image(&quads.reference)?;
        init.submit_and_wait()?;
        all.push(((width, height), quads.clone()));
        Ok(quads)
    }

    /// Records the packing of `src` into `quads` with a border of `margin` columns on the left.
    fn record_pack(&self, rec: &mut Recorder, src: &LumaImage, quads: &LumaImage, margin: u32) -> Result<(), GpuError> {
        let push =
            PackQuadsPush { width: src.width, height: src.height, quads_width: quads.width, margin: margin as i32 };
        let groups = [quads.width.div_ceil(64), quads.height, 1];
        rec.dispatch(&self.pack, &[Binding::Image(src), Binding::Image(quads)], bytemuck::bytes_of(&push), groups)
    }

    pub fn buffer_size(grid: &BlockGrid) -> u64 {
        grid.len() as u64 * VECTOR_BYTES
    }

    /// Whether the search stages the block and its window in shared memory: always, now (in row
    /// chunks when the window is large); kept for callers that print it.
    pub fn uses_tiles(_block: u32, _range: u32) -> bool {
        true
    }

    /// The plan `record` uses for this grid and range on this device.
    pub fn plan(&self, grid: &BlockGrid, range: u32) -> SearchPlan {
        let shared = self.ctx.limits().max_compute_shared_memory_size;
        let subgroup = self.ctx.subgroup_size();
        let plan = SearchPlan::from_env(grid, range, shared, subgroup)
            .unwrap_or_else(|| SearchPlan::choose(grid, range, self.ctx.is_cpu().then_some(subgroup), shared));
        if plan.direct && Self::quads_width(grid.width) > self.ctx.max_image_side() {
            // The ref quads (frame + border) would pass the device's image limit: a staged plan reads
            // the frames themselves (same vectors, slower on CPU devices).
            let staged = SearchPlan::candidates(grid, range, None, shared).into_iter();
            if let Some(plan) = staged.min_by(|a, b| a.cost(grid, range).total_cmp(&b.cost(grid, range))) {
                return plan;
            }
        }
        plan
    }

    fn pipeline(&self, plan: &SearchPlan) -> Result<Arc<ComputePipeline>, GpuError> {
        let nb = plan.nbx * plan.nby;
        let spec = [plan.threads, plan.ky, plan.win_floats.div_ceil(4), plan.cur_floats.div_ceil(4), nb];
        let key = (plan.k, plan.direct, spec);
        let mut cache = self.pipelines.lock().map_err(|_| GpuError::Other("motion_search: lock poisoned".into()))?;
        if let Some(p) = cache.get(&key) {
            return Ok(p.clone());
        }
        let image = vk::DescriptorType::STORAGE_IMAGE;
        let code: &[u8] = match (plan.k, plan.direct) {
            (4, false) => spirv!("motion_search_k4"),
            (8, false) => spirv!("motion_search_k8"),
            (4, true) => spirv!("motion_search_direct_k4"),
            (8, true) => spirv!("motion_search_direct_k8"),
            (k, _) => return Err(GpuError::Other(format!("motion_search: no shader for {k} candidates per item"))),
        };
        let pipeline = Arc::new(ComputePipeline::new_specialized(
            &self.ctx,
            "motion_search",
            code,
            &[image, image, vk::DescriptorType::STORAGE_BUFFER, vk::DescriptorType::STORAGE_BUFFER],
            std::mem::size_of::<MotionSearchPush>() as u32,
            &spec,
        )?);
        cache.insert(key, pipeline.clone());
        Ok(pipeline)
    }

    pub fn record(
        &self,
        rec: &mut Recorder,
        cur: &LumaImage,
        reference: &LumaImage,
        out: &GpuBuffer,
        grid: &BlockGrid,
        search: Search,
    ) -> Result<(), GpuError> {
        let plan = self.plan(grid, search.range);
        self.record_with_plan(rec, &SearchBindings { cur, reference, out, costs: None }, grid, search, &plan)
    }

    /// The search and the motion costs of its vectors into `costs` (`motion_cost::COSTS`): gathered by
    /// the search kernel where the plan allows (`SearchPlan::gathers_costs`), else by the motion_cost
    /// kernel after it.
    pub fn record_with_costs(
        &self,
        rec: &mut Recorder,
        b: &SearchBindings,
        grid: &BlockGrid,
        search: Search,
    ) -> Result<(), GpuError> {
        let plan = self.plan(grid, search.range);
        self.record_with_plan(rec, b, grid, search, &plan)?;
        match b.costs {
            Some(costs) if !plan.gathers_costs(search.range) => {
                rec.barrier()?;
                self.cost_kernel.record(rec, b, costs, grid, search.range)
            }
            _ => Ok(()),
        }
    }

    /// `record` with a given plan (tests and measurements compare plans).
    pub fn record_with_plan(
        &self,
        rec: &mut Recorder,
        b: &SearchBindings,
        grid: &BlockGrid,
        search: Search,
        plan: &SearchPlan,
    ) -> Result<(), GpuError> {
        let SearchBindings { cur, reference, out, costs } = *b;
        let Search { range, lambda } = search;
        // Without a costs buffer, binding 3 is the vectors' (bound, never written: pc.costs = 0).
        let gather = costs.filter(|_| plan.gathers_costs(range));
        if range > MAX_RANGE {
            return Err(GpuError::Other(format!("motion search range {range} exceeds {MAX_RANGE}")));
        }
        if out.size() < Self::buffer_size(grid) {
            return Err(GpuError::Other("motion_search: output buffer too small for the grid".into()));
        }
        let pipeline = self.pipeline(plan)?;
        tracing::debug!(?plan, block = grid.block, range, "motion search plan");
        let push = MotionSearchPush {
            width: grid.width,
            height: grid.height,
            block: grid.block,
            blocks_x: grid.blocks_x(),
            blocks_y: grid.blocks_y(),
            range: range as i32,
            nbx: plan.nbx,
            nby: plan.nby,
            p: plan.per_block,
            g: plan.item_cols(range),
            gy: plan.item_rows(range),
            ww: plan.window_stride(grid.block, range),
            wh: plan.window_rows(grid.block, range),
            chunk: plan.chunk,
            lambda,
            costs: u32::from(gather.is_some()),
        };
        let groups = [grid.blocks_x().div_ceil(plan.nbx), grid.blocks_y().div_ceil(plan.nby), 1];
        if !plan.direct {
            let images = [
                Binding::Image(cur),
                Binding::Image(reference),
                Binding::Buffer(out),
                Binding::Buffer(gather.unwrap_or(out)),
            ];
            return rec.dispatch(&pipeline, &images, bytemuck::bytes_of(&push), groups);
        }
        let quads = self.quads_for(grid.width, grid.height)?;
        self.record_pack(rec, cur, &quads.cur, 0)?;
        self.record_pack(rec, reference, &quads.reference, range)?;
        rec.barrier()?;
        let images =
            [Binding::Image(&quads.cur), Binding::Image(&quads.reference), Binding::Buffer(out), Binding::Buffer(out)];
        rec.dispatch(&pipeline, &images, bytemuck::bytes_of(&push), groups)
    }

    /// Decodes the vectors of a host-visible SSBO written by `record`.
    pub fn read(buffer: &GpuBuffer, grid: &BlockGrid) -> Vec<MotionVector> {
        Self::decode(buffer.bytes(), grid)
    }

    /// Decodes the first `grid.len()` vectors of the SSBO's bytes.
    pub fn decode(bytes: &[u8], grid: &BlockGrid) -> Vec<MotionVector> {
        bytes[..Self::buffer_size(grid) as usize]
            .chunks_exact(VECTOR_BYTES as usize)
            .map(|c| {
                let v: [i32; 4] = bytemuck::pod_read_unaligned(c);
                MotionVector { dx: v[0], dy: v[1], sad: v[2] as u32 }
            })
            .collect()
    }
}

/// What the search optimises: the range R and the weight λ of cost = SAD + λ·(|dx| + |dy|).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Search {
    pub range: u32,
    pub lambda: u32,
}

impl Search {
    /// The plain SAD search over ±`range`.
    pub fn sad(range: u32) -> Self {
        Self { range, lambda: 0 }
    }
}

/// What the search reads and writes: frame t, the frame it searches in, and the vectors' SSBO.
#[derive(Clone, Copy)]
pub struct SearchBindings<'a> {
    pub cur: &'a LumaImage,
    pub reference: &'a LumaImage,
    pub out: &'a GpuBuffer,
    /// The motion costs' buffer (`record_with_costs`; `record_with_plan` writes it only where the
    /// plan gathers them).
    pub costs: Option<&'a GpuBuffer>,
}

/// The motion pass's identity (see `PassDesc`): the vectors, and their costs with what they export
/// (`motion_cost::COST_EXPORTS`).
pub const MOTION: PassDesc = PassDesc {
    name: "motion",
    group: Group::Motion,
    make: |ctx| Ok(Box::new(MotionSearchPass::new(ctx)?)),
    exports: COST_EXPORTS,
};

impl Pass for MotionSearchPass {
    fn reads(&self, _: &FrameSettings) -> Vec<Res> {
        vec![Res::Cur(0), Res::Prev(0)]
    }

    fn outputs(&self) -> Vec<Output> {
        vec![Output::buffer(out::VECTORS, Self::buffer_size), Output::buffer(COSTS, MotionCostKernel::buffer_size)]
    }

    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, s: &FrameSettings) -> Result<(), GpuError> {
        let (cur, prev) = (io.image(Res::Cur(0))?, io.image(Res::Prev(0))?);
        let (out, costs) = (io.buffer(Res::Buffer(out::VECTORS))?, io.buffer(Res::Buffer(COSTS))?);
        if std::ptr::eq(cur, prev) {
            // The first frame of a sequence is its own predecessor: every block's best displacement
            // is (0, 0) with SAD 0 (the tie-break prefers the smallest |dx| + |dy|), and every SAD is
            // 0, so the exact vectors and costs are all zeros, without searching.
            rec.fill_buffer(out, Self::buffer_size(&s.grid), 0)?;
            return rec.fill_buffer(costs, MotionCostKernel::buffer_size(&s.grid), 0);
        }
        let bindings = SearchBindings { cur, reference: prev, out, costs: Some(costs) };
        self.record_with_costs(rec, &bindings, &s.grid, Search { range: s.range, lambda: s.lambda })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_measured_shape_is_a_staged_plan_that_fits_32_kib() {
        for &(block, range, shape) in MEASURED_SHAPES {
            let plan = SearchPlan::measured(block, range, 32 * 1024).expect("measured shape fits");
            assert_eq!([plan.k, plan.ky, plan.threads, plan.per_block], shape);
            assert!(!plan.direct && plan.chunk == block, "{plan:?}: whole window staged");
            let grid = BlockGrid::new(1920, 1080, block);
            assert_eq!(SearchPlan::choose(&grid, range, None, 48 * 1024), plan);
            assert_ne!(SearchPlan::choose(&grid, range, Some(8), 48 * 1024), plan, "CPU devices use the direct path");
        }
    }

    #[test]
    fn every_block_size_and_range_has_a_plan_that_fits() {
        for block in crate::reference::BLOCK_SIZES {
            for range in [0, 1, 4, 7, 16, 32, 63, 64] {
                let grid = BlockGrid::new(1920, 1080, block);
                for cpu in [None, Some(8)] {
                    let plan = SearchPlan::choose(&grid, range, cpu, 32768);
                    let floats = plan.win_floats + plan.cur_floats + 2 * plan.nbx * plan.nby;
                    assert!(floats * 4 <= 32768, "{plan:?}");
                    assert!(plan.chunk >= 1 && plan.chunk <= block);
                }
            }
        }
    }
}
