//! manifest.json: what was analysed, how, and the shape and dtype of every file written.

use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Serialize)]
pub struct FileEntry {
    pub shape: Vec<u64>,
    pub dtype: String,
    pub description: String,
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
    /// What the predicted frame (and so mc_sad/mc_sse and the residual) comes from.
    pub prediction: String,
    pub pixel_format: String,
    pub bit_depth: u32,
    /// How luma was reduced to 8 bits, e.g. "none" or ">> 2".
    pub luma_reduction: String,
    pub fps: f64,
    pub device: String,
    pub passes: Vec<String>,
    pub not_implemented: Vec<String>,
    pub conventions: BTreeMap<String, String>,
    pub files: BTreeMap<String, FileEntry>,
}
