//! `--flow FILE`: a learned dense flow, one field per pair, read one pair at a time (never whole: a
//! 1080p field is 16 MB). Either a float32 `.npy` [P, H, W, 2] in pixels (C order), or Middlebury
//! `.flo` files: one file (one pair) or a numbered pattern such as `flow%04d.flo`, numbered from 0
//! (or from 1 when there is no 0), one file per pair. Pair p predicts frame p + 1
//! (`reference::dense_flow`).

use crate::reference::dense_flow::FlowField;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// A flow file that cannot be used: its path and what is wrong, as one line.
#[derive(Debug, thiserror::Error)]
#[error("--flow {path}: {problem}")]
pub struct FlowFileError {
    pub path: String,
    pub problem: String,
}

/// The `.flo` magic: the float 202021.25, "PIEH" in bytes.
const FLO_MAGIC: &[u8; 4] = b"PIEH";
/// What is accepted, for messages.
const ACCEPTED: &str =
    "a float32 .npy [P, H, W, 2] in pixels (C order), a .flo file, or a .flo pattern such as flow%04d.flo";

enum Layout {
    Npy { file: File, data_offset: u64 },
    Flo { files: Vec<PathBuf> },
}

/// An opened flow source, checked against the frame size.
pub struct FlowFile {
    name: String,
    layout: Layout,
    pairs: u64,
    width: u32,
    height: u32,
}

impl FlowFile {
    /// Opens `spec` and checks that its fields are `width` × `height`.
    pub fn open_for(spec: &str, width: u32, height: u32) -> Result<Self, FlowFileError> {
        let flow = Self::open(spec)?;
        if (flow.width, flow.height) != (width, height) {
            return Err(FlowFileError {
                path: spec.to_string(),
                problem: format!(
                    "fields are {}x{}, the video is {width}x{height} (one (u, v) per pixel)",
                    flow.width, flow.height
                ),
            });
        }
        Ok(flow)
    }

    /// Opens `spec`, checking its header(s).
    pub fn open(spec: &str) -> Result<Self, FlowFileError> {
        let fail = |problem: String| FlowFileError { path: spec.to_string(), problem };
        let (layout, pairs, size) = if is_pattern(spec) {
            let files = pattern_files(spec).map_err(fail)?;
            let size = flo_size(&files[0]).map_err(|p| fail(format!("{}: {p}", files[0].display())))?;
            (Layout::Flo { files: files.clone() }, files.len() as u64, size)
        } else if spec.ends_with(".flo") {
            let size = flo_size(Path::new(spec)).map_err(fail)?;
            (Layout::Flo { files: vec![PathBuf::from(spec)] }, 1, size)
        } else {
            let (file, data_offset, pairs, size) = open_npy(Path::new(spec)).map_err(fail)?;
            (Layout::Npy { file, data_offset }, pairs, size)
        };
        Ok(Self { name: spec.to_string(), layout, pairs, width: size.0, height: size.1 })
    }

    /// The file or pattern as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Pairs the file holds.
    pub fn pairs(&self) -> u64 {
        self.pairs
    }

    /// The files read (for the output-safety check).
    pub fn paths(&self) -> Vec<PathBuf> {
        match &self.layout {
            Layout::Npy { .. } => vec![PathBuf::from(&self.name)],
            Layout::Flo { files } => files.clone(),
        }
    }

    /// Pair `p`'s field, quantised to 1/16 pixel.
    pub fn read_pair(&self, p: u64) -> Result<FlowField, FlowFileError> {
        let fail = |problem: String| FlowFileError { path: self.name.clone(), problem };
        if p >= self.pairs {
            return Err(fail(format!("holds {} pairs; frame {} needs pair {p}", self.pairs, p + 1)));
        }
        let values = (self.width * self.height * 2) as usize;
        let mut bytes = vec![0u8; values * 4];
        match &self.layout {
            Layout::Npy { file, data_offset } => {
                let offset = data_offset + p * bytes.len() as u64;
                file.read_exact_at(&mut bytes, offset).map_err(|e| fail(format!("pair {p}: {e}")))?;
            }
            Layout::Flo { files } => {
                let path = &files[p as usize];
                let file = File::open(path).map_err(|e| fail(format!("{}: {e}", path.display())))?;
                file.read_exact_at(&mut bytes, 12)
                    .map_err(|e| fail(format!("{}: {e} (truncated?)", path.display())))?;
            }
        }
        FlowField::quantize_le_bytes(self.width, self.height, &bytes).map_err(|e| fail(format!("pair {p}: {e}")))
    }
}

/// Whether `spec` is a numbered pattern (`%d` or `%0Nd`).
fn is_pattern(spec: &str) -> bool {
    spec.contains('%')
}

/// `pattern` with its `%d` / `%0Nd` replaced by `n`.
fn format_pattern(pattern: &str, n: u64) -> Result<String, String> {
    let start = pattern.find('%').ok_or("no %d in the pattern")?;
    let rest = &pattern[start + 1..];
    let end = rest.find('d').ok_or("expected %d or %0Nd in the pattern")?;
    let width_spec = &rest[..end];
    let width: usize = match width_spec {
        "" => 0,
        w if w.starts_with('0') && w.len() > 1 => w[1..].parse().map_err(|_| format!("bad width %{w}d"))?,
        w => return Err(format!("%{w}d: expected %d or %0Nd")),
    };
    Ok(format!("{}{n:0width$}{}", &pattern[..start], &rest[end + 1..]))
}

/// The pattern's consecutive files from 0 (or 1).
fn pattern_files(pattern: &str) -> Result<Vec<PathBuf>, String> {
    let first = format_pattern(pattern, 0)?;
    let start = if Path::new(&first).exists() { 0 } else { 1 };
    let mut files = Vec::new();
    loop {
        let path = PathBuf::from(format_pattern(pattern, start + files.len() as u64)?);
        if !path.exists() {
            break;
        }
        files.push(path);
    }
    if files.is_empty() {
        return Err(format!("no file matches (tried {first} and {})", format_pattern(pattern, 1)?));
    }
    Ok(files)
}

/// A `.flo` file's (width, height), checking the magic and the length.
fn flo_size(path: &Path) -> Result<(u32, u32), String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let mut head = [0u8; 12];
    file.read_exact_at(&mut head, 0).map_err(|_| "shorter than a .flo header".to_string())?;
    if &head[..4] != FLO_MAGIC {
        return Err(format!("not a Middlebury .flo file (no PIEH magic; accepted: {ACCEPTED})"));
    }
    let w = i32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    let h = i32::from_le_bytes([head[8], head[9], head[10], head[11]]);
    if !(1..=16384).contains(&w) || !(1..=16384).contains(&h) {
        return Err(format!("size {w}x{h} outside 1..=16384"));
    }
    let need = 12 + w as u64 * h as u64 * 8;
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    if len < need {
        return Err(format!("{len} bytes, a {w}x{h} field needs {need} (truncated?)"));
    }
    Ok((w as u32, h as u32))
}

/// Opens a flow `.npy`: (file, data offset, pairs, (width, height)).
fn open_npy(path: &Path) -> Result<(File, u64, u64, (u32, u32)), String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    let mut head = vec![0u8; len.min(1 << 16) as usize];
    file.read_exact_at(&mut head, 0).map_err(|e| e.to_string())?;
    if head.starts_with(b"PK\x03\x04") {
        return Err(format!("an .npz archive (accepted: {ACCEPTED})"));
    }
    if !head.starts_with(b"\x93NUMPY") || head.len() < 10 {
        return Err(format!("not a NumPy .npy file (accepted: {ACCEPTED})"));
    }
    let data_offset = match head[6] {
        1 => 10 + u64::from(u16::from_le_bytes([head[8], head[9]])),
        2 | 3 if head.len() >= 12 => 12 + u64::from(u32::from_le_bytes([head[8], head[9], head[10], head[11]])),
        v => return Err(format!("NPY format version {v} is not supported")),
    };
    let npy = npyz::NpyFile::new(&head[..]).map_err(|e| format!("unreadable NPY header: {e}"))?;
    if npy.order() == npyz::Order::Fortran {
        return Err(format!("Fortran order; save with np.ascontiguousarray (accepted: {ACCEPTED})"));
    }
    let dtype = match npy.dtype() {
        npyz::DType::Plain(t) => t.to_string(),
        other => format!("{other:?}"),
    };
    let shape = npy.shape().to_vec();
    let [pairs, h, w, 2] = shape[..] else {
        return Err(format!("shape {shape:?} (accepted: {ACCEPTED})"));
    };
    if dtype != "<f4" {
        return Err(format!("dtype {dtype} (accepted: {ACCEPTED})"));
    }
    if pairs == 0 || !(1..=16384).contains(&h) || !(1..=16384).contains(&w) {
        return Err(format!("shape {shape:?}: no pairs, or a field size outside 1..=16384"));
    }
    let need = data_offset + pairs * h * w * 8;
    if len < need {
        return Err(format!("{len} bytes, but its header promises {need} (truncated?)"));
    }
    Ok((file, data_offset, pairs, (w as u32, h as u32)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_flo(path: &Path, w: u32, h: u32, uv: &[f32]) {
        let mut bytes = FLO_MAGIC.to_vec();
        bytes.extend((w as i32).to_le_bytes());
        bytes.extend((h as i32).to_le_bytes());
        uv.iter().for_each(|v| bytes.extend(v.to_le_bytes()));
        std::fs::write(path, bytes).unwrap();
    }

    #[test]
    fn patterns_format_and_count_from_one() {
        assert_eq!(format_pattern("a/flow%04d.flo", 7).unwrap(), "a/flow0007.flo");
        assert_eq!(format_pattern("f%d.flo", 12).unwrap(), "f12.flo");
        assert!(format_pattern("f%5d.flo", 1).is_err());
        let dir = tempfile::tempdir().unwrap();
        for n in 1..=3 {
            write_flo(&dir.path().join(format!("flow{n:02}.flo")), 2, 1, &[n as f32, -0.5, 0.0, 1.0]);
        }
        let spec = dir.path().join("flow%02d.flo").display().to_string();
        let flow = FlowFile::open_for(&spec, 2, 1).unwrap();
        assert_eq!(flow.pairs(), 3);
        assert_eq!(flow.read_pair(2).unwrap().at(0, 0), (48, -8));
        let err = flow.read_pair(3).unwrap_err().to_string();
        assert!(err.contains("holds 3 pairs; frame 4 needs pair 3"), "{err}");
        let err = FlowFile::open_for(&spec, 4, 1).err().unwrap().to_string();
        assert!(err.contains("fields are 2x1, the video is 4x1"), "{err}");
    }

    #[test]
    fn a_bad_flo_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.flo");
        std::fs::write(&path, b"nope, not a flow").unwrap();
        let err = FlowFile::open(&path.display().to_string()).err().unwrap().to_string();
        assert!(err.starts_with("--flow ") && err.contains("no PIEH magic"), "{err}");
    }
}
