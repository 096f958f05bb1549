//! Writer of YUView statistics files (CSV syntax v1.22): per-block values and motion vectors over the
//! block grid, so that YUView shows our heatmaps and vectors over the video. The mapping (types, POC,
//! scaling, vector sign) is documented in docs/yuview.md.
//!
//! The syntax follows YUView's parser (`StatisticsFileCSV.cpp`): `;`-separated columns, header lines
//! starting with `%`, and data rows `POC;x;y;w;h;typeID;value` or `POC;x;y;w;h;typeID;vx;vy` with
//! integer values. The parser strips every space from a line and reads values with `toInt`, so type
//! names carry no whitespace and values are integers only. YUView indexes the file by (POC, type):
//! the rows of one POC are written together, type by type, and POCs never repeat.

use crate::reference::{BlockGrid, MotionVector};
use std::io::{self, Write};

/// The CSV syntax version this writer produces.
pub const SYNTAX_VERSION: &str = "v1.22";

/// What every PSNR×100 value is when the block is identical (SSE = 0, PSNR = +∞): 100 dB. A finite
/// 8-bit block PSNR is below 10·log10(255²·128²) ≈ 90.3 dB, so this never collides with one.
pub const PSNR_X100_IDENTICAL: i32 = 10_000;

/// A PSNR in dB as the integer YUView rows carry: round(100·dB), [`PSNR_X100_IDENTICAL`] for +∞.
pub fn psnr_x100(psnr_db: f64) -> i32 {
    if psnr_db.is_infinite() && psnr_db > 0.0 {
        PSNR_X100_IDENTICAL
    } else {
        (psnr_db * 100.0).round().clamp(0.0, PSNR_X100_IDENTICAL as f64) as i32
    }
}

/// The `%;seq-specs;name;layer;width;height;framerate` header line: YUView takes the frame size and
/// frame rate from it (name and layer are informational).
#[derive(Clone, Debug, PartialEq)]
pub struct SeqSpecs {
    /// Informational (YUView shows the file name instead); spaces, `;` and a leading `%` are written
    /// as `_`, an empty name as `vidscope`.
    pub name: String,
    pub layer: u32,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
}

/// How YUView draws one statistics type.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeKind {
    /// A value per block, coloured with a predefined YUView colour map (`jet`, `heat`, `hot`, …) over
    /// [min, max] (`%;type;ID;NAME;range` + `%;defaultRange;min;max;map`).
    Range { min: i32, max: i32, colormap: &'static str },
    /// A vector per block, drawn from the block centre to centre + (vx, vy) / scale
    /// (`%;type;ID;NAME;vector` + `%;scaleFactor;scale`).
    Vector { scale: u32 },
}

/// One declared statistics type.
#[derive(Clone, Debug, PartialEq)]
pub struct StatType {
    pub id: u32,
    /// No whitespace and no `;` (YUView would strip or split them).
    pub name: String,
    pub kind: TypeKind,
}

impl StatType {
    /// Per-block SAD over b×b blocks, coloured over 0..=16·b² (mean |difference| up to 16).
    pub fn sad(id: u32, name: &str, block: u32) -> Self {
        let max = (16 * block * block).min(i32::MAX as u32) as i32;
        StatType { id, name: name.into(), kind: TypeKind::Range { min: 0, max, colormap: "jet" } }
    }

    /// Per-block SSE over b×b blocks, coloured over 0..=256·b² (RMS difference up to 16).
    pub fn sse(id: u32, name: &str, block: u32) -> Self {
        let max = (256 * block * block).min(i32::MAX as u32) as i32;
        StatType { id, name: name.into(), kind: TypeKind::Range { min: 0, max, colormap: "jet" } }
    }

    /// Per-block PSNR×100 ([`psnr_x100`]), coloured over 20..50 dB.
    pub fn psnr_x100(id: u32, name: &str) -> Self {
        StatType { id, name: name.into(), kind: TypeKind::Range { min: 2000, max: 5000, colormap: "jet" } }
    }

    /// Motion vectors in whole pixels.
    pub fn vectors(id: u32, name: &str) -> Self {
        StatType { id, name: name.into(), kind: TypeKind::Vector { scale: 1 } }
    }
}

/// The per-block data of one type for one frame, row-major over the grid (one entry per block).
#[derive(Clone, Copy, Debug)]
pub enum BlockData<'a> {
    Values {
        type_id: u32,
        values: &'a [i32],
    },
    /// (dx, dy) of each block in the convention of docs/ARCHITECTURE.md (pred(x, y) = ref(x + dx, y + dy)), written
    /// unchanged as (vx, vy): the arrow points from the block to where its prediction comes from.
    Vectors {
        type_id: u32,
        vectors: &'a [MotionVector],
    },
}

impl BlockData<'_> {
    fn type_id(&self) -> u32 {
        match *self {
            BlockData::Values { type_id, .. } | BlockData::Vectors { type_id, .. } => type_id,
        }
    }
}

/// Streams a YUView statistics file: header at creation, then [`YuviewCsv::add_type`] for every type,
/// then one [`YuviewCsv::write_frame`] per frame in increasing POC.
pub struct YuviewCsv<W: Write> {
    out: W,
    specs: SeqSpecs,
    types: Vec<StatType>,
    last_poc: Option<u32>,
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

impl<W: Write> YuviewCsv<W> {
    /// Writes `%;syntax-version;v1.22` and the `%;seq-specs` line.
    pub fn new(mut out: W, mut specs: SeqSpecs) -> io::Result<Self> {
        specs.name = sanitize(&specs.name);
        if specs.width == 0 || specs.height == 0 || !(specs.fps.is_finite() && specs.fps > 0.0) {
            return Err(invalid(format!(
                "YUView seq-specs need a positive size and frame rate, got {}x{} at {}",
                specs.width, specs.height, specs.fps
            )));
        }
        writeln!(out, "%;syntax-version;{SYNTAX_VERSION}")?;
        writeln!(out, "%;seq-specs;{};{};{};{};{}", specs.name, specs.layer, specs.width, specs.height, specs.fps)?;
        Ok(YuviewCsv { out, specs, types: Vec::new(), last_poc: None })
    }

    /// Declares a type (its header lines). All types come before the first frame; ids are unique.
    pub fn add_type(&mut self, t: StatType) -> io::Result<()> {
        if self.last_poc.is_some() {
            return Err(invalid(format!("YUView type {} declared after the first frame", t.name)));
        }
        check_name("type name", &t.name)?;
        if self.types.iter().any(|o| o.id == t.id) {
            return Err(invalid(format!("YUView type id {} declared twice", t.id)));
        }
        match &t.kind {
            TypeKind::Range { min, max, colormap } => {
                check_name("colour map", colormap)?;
                writeln!(self.out, "%;type;{};{};range", t.id, t.name)?;
                writeln!(self.out, "%;defaultRange;{min};{max};{colormap}")?;
            }
            TypeKind::Vector { scale } => {
                writeln!(self.out, "%;type;{};{};vector", t.id, t.name)?;
                writeln!(self.out, "%;scaleFactor;{}", (*scale).max(1))?;
            }
        }
        self.types.push(t);
        Ok(())
    }

    /// Writes every block of each entry of `data` at `poc`, one type after another, so the rows of
    /// one (POC, type) are contiguous. POCs must increase from call to call; each type at most once
    /// per call; the grid must cover the sequence's frame size. Edge blocks give their true w and h.
    pub fn write_frame(&mut self, poc: u32, grid: &BlockGrid, data: &[BlockData]) -> io::Result<()> {
        if let Some(last) = self.last_poc {
            if poc <= last {
                return Err(invalid(format!("YUView POC {poc} written after POC {last} (POCs must increase)")));
            }
        }
        if (grid.width, grid.height) != (self.specs.width, self.specs.height) {
            return Err(invalid(format!(
                "block grid is {}x{} but the sequence is {}x{}",
                grid.width, grid.height, self.specs.width, self.specs.height
            )));
        }
        for (i, d) in data.iter().enumerate() {
            let id = d.type_id();
            let Some(t) = self.types.iter().find(|t| t.id == id) else {
                return Err(invalid(format!("YUView type id {id} was not declared")));
            };
            if data[..i].iter().any(|o| o.type_id() == id) {
                return Err(invalid(format!("YUView type id {id} given twice for POC {poc}")));
            }
            let (len, is_vector) = match d {
                BlockData::Values { values, .. } => (values.len(), false),
                BlockData::Vectors { vectors, .. } => (vectors.len(), true),
            };
            if len != grid.len() {
                return Err(invalid(format!("type {}: {len} entries for a grid of {} blocks", t.name, grid.len())));
            }
            if is_vector != matches!(t.kind, TypeKind::Vector { .. }) {
                return Err(invalid(format!("type {}: values and vectors mixed up", t.name)));
            }
        }
        self.last_poc = Some(poc);
        for d in data {
            let id = d.type_id();
            for (i, r) in grid.rects().enumerate() {
                write!(self.out, "{poc};{};{};{};{};{id};", r.x0, r.y0, r.w, r.h)?;
                match d {
                    BlockData::Values { values, .. } => writeln!(self.out, "{}", values[i])?,
                    BlockData::Vectors { vectors, .. } => writeln!(self.out, "{};{}", vectors[i].dx, vectors[i].dy)?,
                }
            }
        }
        Ok(())
    }

    /// Flushes and hands the writer back.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// A name YUView reads back unchanged: no whitespace, no `;`, no leading `%`.
fn sanitize(name: &str) -> String {
    let clean: String = name.chars().map(|c| if c == ';' || c.is_whitespace() { '_' } else { c }).collect();
    match clean.strip_prefix('%') {
        Some(rest) => format!("_{rest}"),
        None if clean.is_empty() => "vidscope".into(),
        None => clean,
    }
}

fn check_name(what: &str, name: &str) -> io::Result<()> {
    if name.is_empty() || name.starts_with('%') || name.chars().any(|c| c == ';' || c.is_whitespace()) {
        return Err(invalid(format!(
            "YUView {what} {name:?}: must be non-empty, without spaces, ';' or a leading '%'"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(w: u32, h: u32) -> SeqSpecs {
        SeqSpecs { name: "clip.mp4".into(), layer: 0, width: w, height: h, fps: 30.0 }
    }

    #[test]
    fn header_types_and_rows_have_yuviews_syntax() {
        let grid = BlockGrid::new(20, 9, 8);
        let mut csv = YuviewCsv::new(Vec::new(), specs(20, 9)).unwrap();
        csv.add_type(StatType::sad(0, "SAD", 8)).unwrap();
        csv.add_type(StatType::vectors(1, "MV")).unwrap();
        let values: Vec<i32> = (0..6).collect();
        let mv = vec![MotionVector { dx: -2, dy: 1, sad: 0 }; 6];
        csv.write_frame(
            1,
            &grid,
            &[BlockData::Values { type_id: 0, values: &values }, BlockData::Vectors { type_id: 1, vectors: &mv }],
        )
        .unwrap();
        let text = String::from_utf8(csv.finish().unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "%;syntax-version;v1.22");
        assert_eq!(lines[1], "%;seq-specs;clip.mp4;0;20;9;30");
        assert_eq!(
            lines[2..6],
            ["%;type;0;SAD;range", "%;defaultRange;0;1024;jet", "%;type;1;MV;vector", "%;scaleFactor;1"]
        );
        assert_eq!(lines[6], "1;0;0;8;8;0;0");
        assert_eq!(lines[8], "1;16;0;4;8;0;2", "edge block: true width 4");
        assert_eq!(lines[11], "1;16;8;4;1;0;5", "corner block: 4x1");
        assert_eq!(lines[12], "1;0;0;8;8;1;-2;1");
        assert_eq!(lines.len(), 6 + 12);
    }

    #[test]
    fn misuse_is_refused() {
        let grid = BlockGrid::new(8, 8, 8);
        let mut csv = YuviewCsv::new(Vec::new(), specs(8, 8)).unwrap();
        assert!(csv.add_type(StatType::sad(0, "A B", 8)).is_err(), "space in a name");
        assert!(csv.add_type(StatType::sad(0, "A;B", 8)).is_err(), "separator in a name");
        csv.add_type(StatType::sad(0, "SAD", 8)).unwrap();
        assert!(csv.add_type(StatType::sse(0, "SSE", 8)).is_err(), "duplicate id");
        let one = [7];
        assert!(csv.write_frame(0, &grid, &[BlockData::Values { type_id: 3, values: &one }]).is_err(), "unknown id");
        assert!(csv.write_frame(0, &grid, &[BlockData::Values { type_id: 0, values: &[] }]).is_err(), "length");
        assert!(csv.write_frame(0, &BlockGrid::new(9, 8, 8), &[]).is_err(), "grid size");
        csv.write_frame(5, &grid, &[BlockData::Values { type_id: 0, values: &one }]).unwrap();
        assert!(csv.write_frame(5, &grid, &[]).is_err(), "POC repeated");
        assert!(csv.add_type(StatType::sse(1, "SSE", 8)).is_err(), "type after data");
        assert!(YuviewCsv::new(Vec::new(), SeqSpecs { fps: 0.0, ..specs(8, 8) }).is_err());
    }

    #[test]
    fn any_input_file_name_gives_a_readable_seq_specs_line() {
        let named = |name: &str| {
            let csv = YuviewCsv::new(Vec::new(), SeqSpecs { name: name.into(), ..specs(8, 8) }).unwrap();
            String::from_utf8(csv.finish().unwrap()).unwrap().lines().nth(1).unwrap().to_string()
        };
        assert_eq!(named("my clip;v2.mp4"), "%;seq-specs;my_clip_v2.mp4;0;8;8;30");
        assert_eq!(named("%odd"), "%;seq-specs;_odd;0;8;8;30");
        assert_eq!(named(""), "%;seq-specs;vidscope;0;8;8;30");
    }

    #[test]
    fn psnr_is_scaled_by_100_and_identical_blocks_get_100_db() {
        assert_eq!(psnr_x100(f64::INFINITY), 10_000);
        assert_eq!(psnr_x100(34.567), 3457);
        assert_eq!(psnr_x100(0.0), 0);
        assert_eq!(psnr_x100(crate::reference::psnr_from_sse(1, 128 * 128)), 9028);
    }
}
