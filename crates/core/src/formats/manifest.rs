//! manifest.json: what was analysed, how, and the shape and dtype of every file written, with the
//! layout of the symbol stream (enough to read symbols.bin without vidscope) and the rate totals.

use crate::reference::rate::{HEADER_BITS, LINEAR_SCALE, TRANSLATION_SCALE};
use crate::reference::symbols::{self, SymbolLayout};
use crate::stream_meta::FormatChange;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, Serialize)]
pub struct FileEntry {
    pub shape: Vec<u64>,
    pub dtype: String,
    pub description: String,
    /// Size on disk (a folder: its files together), filled in once the file is complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// What each row (`shape[0]`: a pair, a frame or a block row) adds to the file: the row's bytes
    /// for binary files, the mean row for text, the mean image for a PNG folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_per_frame: Option<f64>,
}

impl FileEntry {
    pub fn new(shape: Vec<u64>, dtype: &str, description: &str) -> Self {
        Self { shape, dtype: dtype.into(), description: description.into(), ..Self::default() }
    }

    /// Fills in `bytes` and `bytes_per_frame` from the finished file or folder at `path`; `fixed` is
    /// the part of the file that does not grow with the rows (an NPY header, a CSV header line).
    pub fn measure(&mut self, path: &std::path::Path, fixed: u64) -> std::io::Result<()> {
        let bytes = disk_bytes(path)?;
        let rows = self.shape.first().copied().unwrap_or(0);
        self.bytes = Some(bytes);
        self.bytes_per_frame = Some(if rows == 0 { 0.0 } else { bytes.saturating_sub(fixed) as f64 / rows as f64 });
        Ok(())
    }
}

/// Bytes of a file, or of the files in a folder (one level: the `--dump` folders).
fn disk_bytes(path: &std::path::Path) -> std::io::Result<u64> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_dir() {
        return Ok(meta.len());
    }
    let mut total = 0;
    for entry in std::fs::read_dir(path)? {
        total += entry?.metadata()?.len();
    }
    Ok(total)
}

/// What an `analyze` run was asked for, beyond its input: a later run with the same settings on the
/// same input (`analyze --out-root` resuming a batch) finds the output finished and skips it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct RunSettings {
    /// The input's absolute path (as given for `synthetic:` specs), and its size in bytes.
    pub input_path: String,
    pub input_bytes: Option<u64>,
    pub stream: Option<usize>,
    pub block: u32,
    pub range: u32,
    /// `--lambda` (absent in outputs from before it existed: 0).
    #[serde(default)]
    pub lambda: u32,
    /// `--fb`.
    #[serde(default)]
    pub fb: bool,
    /// `--subpel` (1 before it existed).
    #[serde(default = "one")]
    pub subpel: u32,
    pub quant: u32,
    pub max_frames: Option<usize>,
    /// `--export` items beyond the default (sorted), and `--dump` kinds.
    pub exports: Vec<String>,
    pub dump: Vec<String>,
    pub warp_params: Option<String>,
    /// `--flow` (absolute) and what drove the prediction (`--motion`, resolved); absent before they existed.
    #[serde(default)]
    pub flow: Option<String>,
    #[serde(default)]
    pub motion: Option<String>,
    pub symbols: Option<String>,
    pub reference: Option<String>,
    pub ref_start: usize,
    /// `--codec-mvs` (absent before it existed: false).
    #[serde(default)]
    pub codec_mvs: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Manifest {
    pub vidscope_version: String,
    /// Always true in a manifest that sits in a committed output folder.
    pub complete: bool,
    pub input: String,
    pub codec: String,
    pub width: u32,
    pub height: u32,
    pub frames: u64,
    pub pairs: u64,
    pub block: u32,
    pub blocks_y: u32,
    pub blocks_x: u32,
    /// Motion search range R.
    pub range: Option<u32>,
    /// Motion search weight λ (`--lambda`): the vectors minimise SAD + λ·(|dx| + |dy|).
    #[serde(default)]
    pub lambda: u32,
    /// Sub-pixel precision of the vectors that drive the prediction (`--subpel`: 1, 2 or 4).
    #[serde(default = "one")]
    pub subpel: u32,
    /// What the predicted frame (and so mc_sad/mc_sse and the residual) comes from.
    pub prediction: String,
    /// The first frame's pixel format and bit depth (later ones: `format_changes`).
    pub pixel_format: String,
    pub bit_depth: u32,
    /// How the first frame's luma was reduced to 8 bits, e.g. "none" or ">> 2".
    pub luma_reduction: String,
    /// Every frame whose pixel format differs from the frame before it (empty: one format throughout).
    pub format_changes: Vec<FormatChange>,
    /// The video stream read: its position among the file's video streams (`--stream N`) and the
    /// container's stream index; `video_streams` is how many the file has.
    pub video_stream: usize,
    pub stream_index: usize,
    pub video_streams: usize,
    /// The display rotation the file asks for, which vidscope does not apply (ffprobe's `rotation`
    /// degrees); absent when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_ignored_deg: Option<f64>,
    /// `progressive`, `tt`, `bb`, `tb`, `bt`, `mixed` or `unknown`; interlaced frames are analysed as
    /// whole frames (both fields together).
    pub field_order: String,
    pub fps: f64,
    pub device: String,
    pub passes: Vec<String>,
    pub not_implemented: Vec<String>,
    pub conventions: BTreeMap<String, String>,
    /// The outputs asked for beyond the default set (`--export`), e.g. `["block-csv", "symbols"]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exports: Option<Vec<String>>,
    /// Every file's bytes together, and per analysed frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_per_frame: Option<f64>,
    /// The run's settings (what `--out-root` compares to skip a finished output).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<RunSettings>,
    pub files: BTreeMap<String, FileEntry>,
    /// Layout of symbols.bin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbols: Option<SymbolsManifest>,
    /// What rate.npy holds, and its totals per pair.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<RateManifest>,
    /// With `--ref`: the video each frame was compared with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<ReferenceManifest>,
    /// Damage the decoder reported and concealed (total 0 for a clean input).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_errors: Option<DecodeErrorsManifest>,
}

/// The `reference` object: what `ab_*.npy` and `psnr.csv` compare frame t with.
#[derive(Clone, Debug, Serialize)]
pub struct ReferenceManifest {
    pub input: String,
    pub codec: String,
    pub pixel_format: String,
    pub bit_depth: u32,
    pub fps: f64,
    /// Frame t of the input is compared with frame t + ref_start of the reference.
    pub ref_start: usize,
    pub frames_compared: u64,
    pub psnr: String,
    pub ssim: String,
    /// The reference's damaged frames (its own frame numbers), counted as the input's are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_errors: Option<DecodeErrorsManifest>,
}

impl ReferenceManifest {
    pub fn new(info: &crate::frame::StreamInfo, ref_start: usize, frames_compared: u64) -> Self {
        Self {
            input: info.input.clone(),
            codec: info.codec.clone(),
            pixel_format: info.pixel_format.clone(),
            bit_depth: info.bit_depth,
            fps: info.fps,
            ref_start,
            frames_compared,
            psnr: "mse_y = SSE / (W*H), psnr_y = 10*log10(255^2 / mse_y), as FFmpeg's psnr filter; mse_u, mse_v, \
                   psnr_u, psnr_v likewise over each 8-bit chroma plane at its own size; psnr_yuv_611 = \
                   (6*psnr_y + psnr_u + psnr_v)/8 (DCVC), psnr_yuv_411 = (4*psnr_y + psnr_u + psnr_v)/6 \
                   (CompressAI), inf when any plane is identical"
                .into(),
            ssim: "FFmpeg's ssim filter: 8x8 windows at stride 4 over whole 4x4 cells, uniform weights, \
                   c1 = (0.01*255)^2*64, c2 = (0.03*255)^2*64*63; ms_ssim_y as pytorch_msssim.ms_ssim(data_range=255): \
                   5 scales, 11-tap Gaussian (sigma 1.5) without padding, 2x2 average pooling padding odd sides, \
                   weights 0.0448, 0.2856, 0.3001, 0.2363, 0.1333, f32; empty when a side is under 161"
                .into(),
            decode_errors: None,
        }
    }
}

/// The `decode_errors` object: which frames the decoder reported damage in, and what was done.
#[derive(Clone, Debug, Serialize)]
pub struct DecodeErrorsManifest {
    pub total: u64,
    /// Every frame with at least one error, in frame order.
    pub frames: Vec<FrameErrors>,
    /// Frames missing from the stream (a dropped packet, a frame that failed to decode or was
    /// skipped, a gap in timestamps), in all: each frame after a loss is that much further along the
    /// stream than its number says, so pairs and a reference are misaligned from there.
    pub frames_lost: u64,
    /// Every frame with frames lost just before it (`count` = how many), in frame order.
    pub lost_before: Vec<FrameErrors>,
    pub policy: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct FrameErrors {
    pub frame: u64,
    pub count: u32,
}

impl DecodeErrorsManifest {
    /// From (frame, count) pairs of the damaged frames and of the frames with frames lost before them.
    pub fn new(errors: &[(u64, u32)], lost: &[(u64, u32)]) -> Self {
        let list = |pairs: &[(u64, u32)]| pairs.iter().map(|&(frame, count)| FrameErrors { frame, count }).collect();
        Self {
            total: errors.iter().map(|&(_, n)| u64::from(n)).sum(),
            frames: list(errors),
            frames_lost: lost.iter().map(|&(_, n)| u64::from(n)).sum(),
            lost_before: list(lost),
            policy: "decoded on as the ffmpeg CLI does: a rejected packet is dropped, unreadable data skipped, \
                     damage concealed by the decoder; each such event, and each frame the decoder flags as \
                     concealed or corrupt, counts one error on the next frame out (errors after the last frame \
                     on the last frame); a frame lost without a decoder error (a gap in the timestamps of a \
                     steady-rate stream) counts one error on the frame after it; stats.csv column decode_errors = errors of the pair's cur + ref frames; \
                     --strict stops at the first"
                .into(),
        }
    }
}

/// The `symbols` object: everything a reader needs to decode symbols.bin (docs/symbols.md).
#[derive(Clone, Debug, Serialize)]
pub struct SymbolsManifest {
    pub file: String,
    /// "GPU symbols pass" or "learner trits from FILE".
    pub source: String,
    pub quant: u32,
    pub planes: u32,
    pub block: u32,
    /// [By, Bx].
    pub grid: [u32; 2],
    pub pairs: u64,
    pub header_words: u32,
    pub words_per_plane: u32,
    pub record_words: u32,
    pub word: String,
    pub byte_order: String,
    pub trits_per_word: u32,
    pub bits_per_trit: u32,
    pub trit_code: BTreeMap<String, u32>,
    pub residual: String,
    pub quantiser: String,
    pub max_level: u32,
    pub digits: String,
    pub pixel_order: String,
    pub order: String,
    pub header: Vec<String>,
    pub modes: BTreeMap<String, String>,
    pub docs: String,
}

impl SymbolsManifest {
    pub fn new(layout: &SymbolLayout, grid: [u32; 2], pairs: u64, source: String) -> Self {
        let header = [
            "block index by*Bx+bx",
            "mode",
            "param 0",
            "param 1",
            "param 2",
            "param 3",
            "non-zero trits in the block (all planes)",
            "reserved (0)",
        ];
        let modes = [
            (symbols::MODE_ZERO_MOTION, "zero motion (pred = ref); params 0, 0, 0, 0"),
            (symbols::MODE_MOTION_VECTOR, "integer motion vector; params dx, dy (int32), 0, 0"),
            (symbols::MODE_WARP_TRANSLATION, "warp translation; params a = 1, b = 0, tx, ty (float32 bits)"),
            (symbols::MODE_WARP_SIMILARITY, "warp similarity; params a, b, tx, ty (float32 bits)"),
            (symbols::MODE_DENSE_FLOW, "dense flow (--flow) per pixel; params 0, 0, 0, 0; no side information coded"),
        ];
        Self {
            file: "symbols.bin".into(),
            source,
            quant: layout.quant,
            planes: layout.planes,
            block: layout.block,
            grid,
            pairs,
            header_words: symbols::HEADER_WORDS,
            words_per_plane: layout.words_per_plane(),
            record_words: layout.record_words(),
            word: "uint32".into(),
            byte_order: "little".into(),
            trits_per_word: symbols::TRITS_PER_WORD,
            bits_per_trit: symbols::BITS_PER_TRIT,
            trit_code: [("0", symbols::TRIT_ZERO), ("+1", symbols::TRIT_PLUS), ("-1", symbols::TRIT_MINUS)]
                .map(|(k, v)| (k.to_string(), v))
                .into_iter()
                .collect(),
            residual: "cur - pred (pred = the prediction of mc_sad.npy)".into(),
            quantiser: "q = sign(r) * floor((|r| + floor(Q/2)) / Q); reconstruction r^ = q * Q".into(),
            max_level: symbols::max_level(layout.quant),
            digits: "q = sum_k d_k * 3^(N-1-k), d_k in {-1, 0, +1}, plane k = 0 most significant".into(),
            pixel_order: "trit i = y*b + x of the full b x b block (pixels outside the frame are 0) in bits \
                          2*(i%16).. of word i/16 of its plane"
                .into(),
            order: "for each pair p, By*Bx records in block order; a record is header_words header words, then \
                    planes x words_per_plane words (plane 0 first)"
                .into(),
            header: header.map(String::from).to_vec(),
            modes: modes.map(|(k, v)| (k.to_string(), v.to_string())).into_iter().collect(),
            docs: "docs/symbols.md".into(),
        }
    }
}

/// The `rate` object: what rate.npy holds, its formulas, and totals per pair.
#[derive(Clone, Debug, Serialize)]
pub struct RateManifest {
    pub file: String,
    pub unit: String,
    pub side_info: String,
    pub residual: String,
    pub header_bits: f64,
    /// Total bits of each pair (all blocks).
    pub pair_bits: Vec<f64>,
    pub pair_mv_bits: Vec<f64>,
    pub pair_residual_bits: Vec<f64>,
    pub total_bits: f64,
    /// total_bits / (pairs · W · H).
    pub bits_per_pixel: f64,
    pub docs: String,
}

impl RateManifest {
    /// `pair_bits[p]` = (mv, residual, total) bits of pair p; `pixels` = W · H.
    pub fn new(pair_bits: &[[f64; 3]], pixels: f64) -> Self {
        let total: f64 = pair_bits.iter().map(|b| b[2]).sum();
        Self {
            file: "rate.npy".into(),
            unit: "bits".into(),
            side_info: format!(
                "sum of se(v - median predictor) (signed Exp-Golomb) over the block's symbols: (dx, dy) for motion \
                 vectors, round({TRANSLATION_SCALE}*t) for warp translations, plus round({LINEAR_SCALE}*(a-1)), \
                 round({LINEAR_SCALE}*b) for similarities; predictor = median of left, top, top-right neighbours"
            ),
            residual: "per digit plane, adaptive 3-symbol model (counts start 1,1,1): sum -log2(count[s]/total) over \
                       the block's inside pixels"
                .into(),
            header_bits: HEADER_BITS,
            pair_bits: pair_bits.iter().map(|b| b[2]).collect(),
            pair_mv_bits: pair_bits.iter().map(|b| b[0]).collect(),
            pair_residual_bits: pair_bits.iter().map(|b| b[1]).collect(),
            total_bits: total,
            bits_per_pixel: if pair_bits.is_empty() { 0.0 } else { total / (pair_bits.len() as f64 * pixels) },
            docs: "docs/symbols.md".into(),
        }
    }
}

/// `INPUT: N decoder errors in M frames (first at frame F) ...`, with the frames lost mid-stream
/// reported as a misalignment, or `None` for a clean input. `lost` lists (frame, frames lost just
/// before it).
pub fn decode_warning(input: &str, errors: &[(u64, u32)], lost: &[(u64, u32)], where_: &str) -> Option<String> {
    let (first, _) = errors.first()?;
    let total: u64 = errors.iter().map(|&(_, n)| u64::from(n)).sum();
    Some(format!(
        "{input}: {total} decoder error(s) in {} frame(s), first at frame {first}{}: decoded on as ffmpeg does \
         (damage concealed); see {where_}, or use --strict to stop at the first",
        errors.len(),
        misalignment(lost)
    ))
}

/// `, K frame(s) lost before frame F (misaligned from there ...)`, or nothing when none was lost.
fn misalignment(lost: &[(u64, u32)]) -> String {
    let Some(&(first, _)) = lost.first() else { return String::new() };
    let total: u64 = lost.iter().map(|&(_, n)| u64::from(n)).sum();
    format!(
        ", {total} frame(s) lost mid-stream, first before frame {first} (MISALIGNED from there, later frames \
         are numbered {total} short of the stream's timeline, and pairs or a --ref compare frames further apart)"
    )
}

/// `frame F: N decoder error(s)`, plus the frames lost just before it: what `--strict` stops at.
pub fn damaged_frame(frame: u64, errors: u32, lost_before: u32) -> String {
    let lost = lost_just_before(lost_before);
    format!("frame {frame}: {errors} decoder error(s){lost} (--strict stops at the first damaged frame)")
}

/// `, K frame(s) lost just before it (the stream is misaligned from here)`, or nothing for K = 0.
pub fn lost_just_before(lost_before: u32) -> String {
    if lost_before == 0 {
        return String::new();
    }
    format!(", {lost_before} frame(s) lost just before it (the stream is misaligned from here)")
}

/// serde's default for fields that were 1 before they existed.
fn one() -> u32 {
    1
}
