//! The display pass's push constants (`shaders/display.comp`): what the picture means, as numbers.
//! The compositor in `vidscope_gpu` takes them as opaque bytes; it sets only the output size, the
//! first two words.

/// Push constants of `shaders/display.comp` (the order and types mirror its `Push` block).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct DisplayPush {
    pub out_w: u32,
    pub out_h: u32,
    pub src_w: u32,
    pub src_h: u32,
    /// 0 raw, 1 diff, 2 heatmap over raw, 3 heatmap over diff, 4 trit plane; with a reference B:
    /// 5 B, 6 |A − B| × `amplify`, 7 A − B + 128, 8 A ≠ B marked over gray A; 9 flow (colour wheel).
    pub mode: u32,
    /// 0 viridis, 1 inferno, 2 turbo.
    pub colormap: u32,
    /// 0 SAD (or `.x` of the buffer), 1 SSE, 2 mean, 3 `.y` as f32 bits (rate), 4 PSNR from `.y` (SSE),
    /// 5 `.x` as f32 bits (a pass metric's value).
    pub metric: u32,
    pub block: u32,
    pub blocks_x: u32,
    pub flags: u32,
    pub opacity: f32,
    pub scale_max: f32,
    pub zoom: f32,
    pub origin_x: f32,
    pub origin_y: f32,
    /// 0 gray (no chroma bound), 1 BT.601, 2 BT.709, 3 BT.2020.
    pub colour: u32,
    pub full_range: u32,
    pub chroma_shift_x: u32,
    pub chroma_shift_y: u32,
    /// Trit view: the digit plane shown, the stream's planes and words per record (docs/symbols.md).
    pub trit_plane: u32,
    pub planes: u32,
    pub record_words: u32,
    /// The |A − B| gain of mode 6 (1…64).
    pub amplify: u32,
    /// `FLAG_WIPE`: the divider at this fraction of the output width; B is shown right of it.
    pub wipe: f32,
    /// Metric 4 with auto scale: the lowest PSNR (top of the colormap); `scale_max` is the highest.
    pub scale_min: f32,
    /// The first record of the shown metric in the block buffer (pass metrics share one buffer).
    pub value_base: u32,
    /// Mode 9 (flow): the vector length in pixels at full saturation (binding 2 holds the vectors).
    pub flow_scale: f32,
    /// Mode 9: vector units per pixel (1, or 4 for the quarter-pel vectors of `--subpel`).
    pub flow_units: f32,
}

impl DisplayPush {
    pub const FLAG_HAS_FRAME: u32 = 1;
    pub const FLAG_GRID: u32 = 2;
    /// Two panes side by side: binding 1 on the left, binding 4 on the right, same view in each.
    pub const FLAG_SPLIT: u32 = 8;
    /// `DisplayInputs::symbols` holds the shown frame's symbol stream (else the trit view is gray).
    pub const FLAG_SYMBOLS: u32 = 16;
    /// The wipe: input 1 (B) right of `wipe` × the output width, in any mode.
    pub const FLAG_WIPE: u32 = 32;
    /// Metric 4 in fixed 5 dB bands instead of `scale_min`…`scale_max`.
    pub const FLAG_BANDS: u32 = 64;
}

impl DisplayPush {
    /// Bytes of the push constant block (the display pipeline's push size).
    pub const SIZE: u32 = std::mem::size_of::<DisplayPush>() as u32;

    /// The bytes the compositor pushes.
    pub fn bytes(&self) -> Vec<u8> {
        bytemuck::bytes_of(self).to_vec()
    }
}
