//! Writers for the export formats: NPY arrays (npyz) and 8-bit grayscale PNGs (png).

use anyhow::Context;
use npyz::WriterBuilder;
use std::io::BufWriter;
use std::path::Path;

/// Writes `data` (row-major) as an NPY array of `shape`; the dtype follows `T` (u32 → `<u4`, ...).
pub fn write_npy<T: npyz::Serialize + npyz::AutoSerialize + Copy>(
    path: &Path,
    shape: &[u64],
    data: &[T],
) -> anyhow::Result<()> {
    let expected: u64 = shape.iter().product();
    anyhow::ensure!(
        expected == data.len() as u64,
        "{}: shape {shape:?} does not match {} values",
        path.display(),
        data.len()
    );
    let file = std::fs::File::create(path).with_context(|| format!("{}: cannot create", path.display()))?;
    let mut out = BufWriter::new(file);
    let mut writer = npyz::WriteOptions::new()
        .default_dtype()
        .shape(shape)
        .writer(&mut out)
        .begin_nd()
        .with_context(|| format!("{}: cannot write", path.display()))?;
    writer.extend(data.iter().copied()).with_context(|| format!("{}: cannot write", path.display()))?;
    writer.finish().with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(())
}

/// Writes a `width * height` 8-bit plane as a grayscale PNG.
pub fn write_png_gray(path: &Path, width: u32, height: u32, data: &[u8]) -> anyhow::Result<()> {
    write_png(path, width, height, png::ColorType::Grayscale, data)
}

/// Writes 8-bit RGB (rows of `width * 3` bytes) as PNG.
pub fn write_png_rgb(path: &Path, width: u32, height: u32, data: &[u8]) -> anyhow::Result<()> {
    write_png(path, width, height, png::ColorType::Rgb, data)
}

fn write_png(path: &Path, width: u32, height: u32, colour: png::ColorType, data: &[u8]) -> anyhow::Result<()> {
    let file = std::fs::File::create(path).with_context(|| format!("{}: cannot create", path.display()))?;
    let mut encoder = png::Encoder::new(BufWriter::new(file), width, height);
    encoder.set_color(colour);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().with_context(|| format!("{}: cannot write PNG", path.display()))?;
    writer.write_image_data(data).with_context(|| format!("{}: cannot write PNG", path.display()))?;
    writer.finish().with_context(|| format!("{}: cannot write PNG", path.display()))?;
    Ok(())
}
