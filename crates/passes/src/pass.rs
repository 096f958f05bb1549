//! What a registered pass declares to the frame pipeline: the named images and buffers it reads and
//! writes, its timestamp name, and how its outputs are read back. The pipeline allocates the
//! resources, orders the passes, places barriers and takes the timestamps (docs/ARCHITECTURE.md).

use crate::gpu::{GpuBuffer, GpuContext, GpuError, LumaImage, Recorder};
use crate::reference::BlockGrid;
use std::sync::Arc;

/// The images and buffers the passes write, by name: one constant each, used wherever one is
/// written, read, read back, bound or exported, never the string itself. (A pass whose outputs no
/// other code names declares their constants in its own file, as `motion_cost::COSTS`.)
pub mod outputs {
    // 8-bit planes.
    pub const DIFF: &str = "diff";
    pub const PREDICTED: &str = "predicted";
    pub const RESIDUAL: &str = "residual";
    pub const AB_DIFF: &str = "ab_diff";
    pub const AB_SIGNED: &str = "ab_signed";
    // Buffers.
    pub const STATS: &str = "stats";
    pub const VECTORS: &str = "vectors";
    pub const MC_STATS: &str = "mc_stats";
    pub const AB_STATS: &str = "ab_stats";
    pub const SSIM: &str = "ssim";
    pub const AB_CHROMA: &str = "ab_chroma";
    pub const MS_SSIM: &str = "ms_ssim";
    pub const SYMBOLS: &str = "symbols";
}

/// A resource a pass reads or writes, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Res {
    /// Input `i`'s frame t (input 0 is the analysed video; input 1, when given, its reference).
    Cur(usize),
    /// Input `i`'s frame t − 1; the same image as `Cur(i)` for the first frame of a sequence.
    Prev(usize),
    /// Input `i`'s Cb and Cr planes of frame t (each at its own size), uploaded with
    /// `PipelineConfig::chroma`; absent (`PassIo::image` fails) when the frame has none.
    CurCb(usize),
    CurCr(usize),
    /// An 8-bit plane written by a pass (e.g. "diff", "predicted").
    Image(&'static str),
    /// A buffer written by a pass (e.g. "stats", "vectors"), host-readable.
    Buffer(&'static str),
    /// The host-written per-block warp parameters of the frame (learner `--warp-params`).
    Params,
    /// The host-written dense flow of the frame (`--flow`; per pixel (u, v) in 1/16 px, one word),
    /// present only on frames that carry one.
    Flow,
}

/// What a pass writes; the pipeline makes one per frame slot.
#[derive(Clone, Copy, Debug)]
pub struct Output {
    pub name: &'static str,
    pub kind: OutputKind,
    /// Made only once its pass is first selected (large outputs); others exist from the start, so
    /// a display can always bind them.
    pub on_demand: bool,
}

#[derive(Clone, Copy, Debug)]
pub enum OutputKind {
    /// A frame-sized R8 storage image; read back to the host only when asked (`PipelineConfig::planes`).
    Image,
    /// A host-readable buffer of `size(grid)` bytes; its bytes are handed out with every frame's
    /// results when `readback` is set.
    Buffer { size: fn(&BlockGrid) -> u64, readback: bool },
}

impl Output {
    pub const fn image(name: &'static str) -> Self {
        Self { name, kind: OutputKind::Image, on_demand: false }
    }

    pub const fn buffer(name: &'static str, size: fn(&BlockGrid) -> u64) -> Self {
        Self { name, kind: OutputKind::Buffer { size, readback: true }, on_demand: false }
    }

    /// Made when its pass is first selected.
    pub const fn on_demand(self) -> Self {
        Self { on_demand: true, ..self }
    }

    pub fn resource(&self) -> Res {
        match self.kind {
            OutputKind::Image => Res::Image(self.name),
            OutputKind::Buffer { .. } => Res::Buffer(self.name),
        }
    }
}

/// Where the prediction's per-block warp comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WarpSource {
    /// The motion search vectors (integer translation).
    MotionVectors,
    /// The frame's learner parameters (`Res::Params`).
    Params,
    /// The subpel pass's refined vectors, as translation warps ("motion_qpel_params").
    Subpel,
    /// The frame's dense flow (`Res::Flow`), per pixel.
    Flow,
}

/// The settings every pass of one frame sees.
#[derive(Clone, Debug)]
pub struct FrameSettings {
    pub grid: BlockGrid,
    /// Motion search range R.
    pub range: u32,
    /// Motion search weight λ (`--lambda`; 0 = plain SAD).
    pub lambda: u32,
    /// The block (by, bx) whose cost surface is computed (the cost_surface pass).
    pub surface_block: Option<(u32, u32)>,
    /// Sub-pixel precision of the subpel pass: 2 (half) or 4 (quarter pel).
    pub subpel: u32,
    /// Quantiser step of the symbol stream.
    pub quant: u32,
    pub warp: WarpSource,
    /// The frame carries a dense flow (`Res::Flow`).
    pub has_flow: bool,
    /// Names of the passes that run on this frame.
    pub selected: Vec<&'static str>,
    /// Number of inputs (1, or 2 with a reference video).
    pub inputs: usize,
}

impl FrameSettings {
    pub fn runs(&self, pass: &str) -> bool {
        self.selected.contains(&pass)
    }

    /// The parameter SSBO of a warp source that reads one (the learner's, or the refined vectors').
    pub fn params_res(&self) -> Res {
        match self.warp {
            WarpSource::Subpel => Res::Buffer(crate::subpel::QPEL_PARAMS),
            _ => Res::Params,
        }
    }
}

/// The resources of one frame slot, resolved by name for a pass's `record`.
pub trait PassIo {
    fn image(&self, res: Res) -> Result<&LumaImage, GpuError>;
    fn buffer(&self, res: Res) -> Result<&GpuBuffer, GpuError>;
}

/// The group users select passes by (`bench --passes`, and each driver's selection); see
/// `PassSelection::pass_names`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// |cur − prev| alone.
    Diff,
    /// Block stats alone.
    Stats,
    /// Diff and block stats fused: what runs when both are selected, instead of the two.
    DiffAndStats,
    /// Motion search, the prediction (warp) and the residual.
    Motion,
    /// The backward search and the forward–backward check (`--fb`); selecting it selects `Motion`.
    Backward,
    /// The cost surface of one chosen block (the viewer's pinned block).
    Surface,
    /// Sub-pixel refinement (`--subpel 2|4`); selecting it selects `Motion`.
    Subpel,
    /// The residual symbol stream.
    Symbols,
    /// The A/B passes, with a reference video.
    Compare,
    /// What compares a learner's dense flow (`--flow`) with the search; selecting it selects `Motion`.
    Flow,
}

/// Makes a pass (its pipelines) on a device.
pub type MakePass = fn(&Arc<GpuContext>) -> Result<Box<dyn Pass>, GpuError>;

/// One pass's identity, declared once in its pass file and listed once in `PASSES` (lib.rs): its name
/// (the one used everywhere: selection, timings, the HUD, `bench --json`'s `gpu_ms`, the manifest's
/// pass list), the group users select it by, how it is made, and what it exports.
pub struct PassDesc {
    pub name: &'static str,
    pub group: Group,
    pub make: MakePass,
    /// What its outputs become for users (see [`Export`]).
    pub exports: &'static [Export],
}

impl std::fmt::Debug for PassDesc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PassDesc").field("name", &self.name).field("group", &self.group).finish_non_exhaustive()
    }
}

/// What a pass's outputs become for users, declared in its [`PassDesc`]: `analyze` writes every
/// [`ArrayExport`] of the passes that ran, the viewer and `record` list every [`MetricExport`], and
/// `--dump` offers every [`DumpExport`], with no edit outside the pass's file.
#[derive(Clone, Copy, Debug)]
pub enum Export {
    Array(ArrayExport),
    Metric(MetricExport),
    Dump(DumpExport),
}

/// The element type of an exported array.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dtype {
    U32,
    I32,
    /// The low 16 bits of each 32-bit word (values that fit: small vectors, errors).
    U16,
    I16,
    /// A 32-bit word holding an f32's bits.
    F32,
}

impl Dtype {
    /// The manifest's name for it (NumPy's).
    pub fn name(self) -> &'static str {
        match self {
            Dtype::U32 => "uint32",
            Dtype::I32 => "int32",
            Dtype::U16 => "uint16",
            Dtype::I16 => "int16",
            Dtype::F32 => "float32",
        }
    }

    /// Bytes per element in the file.
    pub fn bytes(self) -> usize {
        match self {
            Dtype::U32 | Dtype::I32 | Dtype::F32 => 4,
            Dtype::U16 | Dtype::I16 => 2,
        }
    }
}

/// A per-block `.npy` array that `analyze` writes: for every pair, the first `fields` 32-bit words
/// of each block's record in the read-back buffer `buffer`, as stored. Shape `[P, By, Bx]` for one
/// field, else `[P, By, Bx, fields]`.
#[derive(Clone, Copy, Debug)]
pub struct ArrayExport {
    /// The file name in analyze's output folder (`name.npy`).
    pub file: &'static str,
    pub buffer: &'static str,
    /// Words per block record in the buffer.
    pub record_words: usize,
    pub fields: usize,
    pub dtype: Dtype,
    /// What it holds, for the manifest.
    pub about: &'static str,
    /// The `analyze --export` item that asks for it (`None`: written whenever its pass runs). Keeps the
    /// default output small (issue 22's cheap defaults).
    pub on_request: Option<&'static str>,
}

impl ArrayExport {
    /// The shape of one pair's row.
    pub fn row_shape(&self, grid: &BlockGrid) -> Vec<u64> {
        let mut shape = vec![grid.blocks_y() as u64, grid.blocks_x() as u64];
        if self.fields > 1 {
            shape.push(self.fields as u64);
        }
        shape
    }

    /// One pair's row, little-endian, from the buffer's bytes (`None` when the buffer is short): the
    /// first `fields` words of each record, each narrowed to the dtype's low bytes.
    pub fn row(&self, bytes: &[u8], grid: &BlockGrid) -> Option<Vec<u8>> {
        let (record, width) = (self.record_words * 4, self.dtype.bytes());
        let bytes = bytes.get(..grid.len() * record)?;
        let mut row = Vec::with_capacity(grid.len() * self.fields * width);
        for r in bytes.chunks_exact(record) {
            // Whole words as stored, or each word's low half (the writer's hot path: no per-byte iterator).
            match width {
                4 => row.extend_from_slice(&r[..self.fields * 4]),
                _ => r[..self.fields * 4].chunks_exact(4).for_each(|w| row.extend_from_slice(&w[..width])),
            }
        }
        Some(row)
    }
}

/// A per-block heatmap metric (`--metric name` in the viewer and `record`): `value` of each block's
/// record (`record_words` 32-bit words) in the read-back buffer `buffer`. Blocks whose value is 0
/// stay untinted, as for SAD.
#[derive(Clone, Copy, Debug)]
pub struct MetricExport {
    pub name: &'static str,
    /// The legend's label.
    pub label: &'static str,
    /// What it is, in a few words (the command line's help).
    pub about: &'static str,
    pub buffer: &'static str,
    pub record_words: usize,
    pub value: fn(&[u32]) -> f32,
}

impl MetricExport {
    /// Every block's value from the buffer's bytes (empty when the buffer is short).
    pub fn values(&self, bytes: &[u8], grid: &BlockGrid) -> Vec<f32> {
        let record = self.record_words * 4;
        let Some(bytes) = bytes.get(..grid.len() * record) else { return Vec::new() };
        bytes
            .chunks_exact(record)
            .map(|r| {
                let words: Vec<u32> = r.chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect();
                (self.value)(&words)
            })
            .collect()
    }
}

impl PartialEq for MetricExport {
    /// Metrics are told apart by name (one name per metric: the registry's test checks it).
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for MetricExport {}

/// A `--dump` kind: the output plane `plane`, written as `kind/<t:06>.png`; a pair plane exists from
/// frame 1 on, any other (the A/B planes) from frame 0.
#[derive(Clone, Copy, Debug)]
pub struct DumpExport {
    pub kind: &'static str,
    pub plane: &'static str,
    pub per_pair: bool,
}

/// A pass made from its descriptor: what the pipeline holds and runs.
pub struct Registered {
    pub desc: &'static PassDesc,
    pass: Box<dyn Pass>,
}

impl Registered {
    pub fn make(desc: &'static PassDesc, ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        Ok(Self { desc, pass: (desc.make)(ctx)? })
    }

    pub fn name(&self) -> &'static str {
        self.desc.name
    }
}

impl std::ops::Deref for Registered {
    type Target = dyn Pass;

    fn deref(&self) -> &Self::Target {
        self.pass.as_ref()
    }
}

/// A GPU pass as the pipeline runs it. Implemented next to the pass's pipeline code
/// (`crates/passes/src/<pass>.rs`), which also declares its [`PassDesc`].
pub trait Pass: Send {
    /// What it reads this frame (may depend on the settings, e.g. what the prediction is).
    fn reads(&self, settings: &FrameSettings) -> Vec<Res>;
    /// What it writes.
    fn outputs(&self) -> Vec<Output>;
    /// Records its dispatches. Reads are complete (the pipeline placed the barriers).
    fn record(&self, rec: &mut Recorder, io: &dyn PassIo, settings: &FrameSettings) -> Result<(), GpuError>;
}
