//! An NPY array written row by row as frames arrive, so `analyze` holds no per-block array in
//! memory: the header is written first for zero rows and rewritten at the end with the real count.
//! The bytes equal what [`super::write_npy`] writes for the same values (npyz makes both headers);
//! when the final header is longer than the first (it is padded to 64 bytes, so only a count with
//! more digits across a padding boundary does that), the body is moved once, behind it.

use anyhow::Context;
use npyz::WriterBuilder;
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Values with a fixed little-endian encoding: the NPY body of `<u4`, `<i4`, `<f4`.
pub trait NpyValue: npyz::Serialize + npyz::AutoSerialize + Copy {
    type Bytes: AsRef<[u8]>;
    fn le_bytes(self) -> Self::Bytes;
}

macro_rules! npy_value {
    ($($t:ty),*) => {$(
        impl NpyValue for $t {
            type Bytes = [u8; std::mem::size_of::<$t>()];
            fn le_bytes(self) -> Self::Bytes {
                self.to_le_bytes()
            }
        }
    )*};
}
npy_value!(u32, i32, f32, u16, i16);

/// A `[rows, ...row_shape]` array of `T` streamed to `path`.
pub struct NpyStream<T: NpyValue> {
    path: PathBuf,
    out: BufWriter<File>,
    row_shape: Vec<u64>,
    row_len: u64,
    header_len: u64,
    values: u64,
    _t: std::marker::PhantomData<T>,
}

/// npyz's header for `shape` (what `write_npy` writes before the values).
fn header<T: NpyValue>(shape: &[u64]) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    npyz::WriteOptions::<T>::new().default_dtype().shape(shape).writer(&mut bytes).write_header_only()?;
    Ok(bytes)
}

impl<T: NpyValue> NpyStream<T> {
    pub fn create(path: &Path, row_shape: &[u64]) -> anyhow::Result<Self> {
        let fail = || format!("{}: cannot write", path.display());
        // Readable too: a header that grows at the end moves the body by reading it back.
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .with_context(|| format!("{}: cannot create", path.display()))?;
        let mut out = BufWriter::with_capacity(1 << 16, file);
        let first = header::<T>(&[&[0], row_shape].concat()).with_context(fail)?;
        out.write_all(&first).with_context(fail)?;
        Ok(Self {
            path: path.to_path_buf(),
            out,
            row_shape: row_shape.to_vec(),
            row_len: row_shape.iter().product(),
            header_len: first.len() as u64,
            values: 0,
            _t: std::marker::PhantomData,
        })
    }

    /// Appends values (whole rows by the end; `finish` checks).
    pub fn extend(&mut self, values: impl IntoIterator<Item = T>) -> anyhow::Result<()> {
        for v in values {
            self.out
                .write_all(v.le_bytes().as_ref())
                .with_context(|| format!("{}: cannot write", self.path.display()))?;
            self.values += 1;
        }
        Ok(())
    }

    /// Appends values given as their little-endian bytes (the NPY body's own encoding), in one
    /// write: a row gathered into a buffer goes to the file without a call per value.
    pub fn extend_bytes(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        let size = std::mem::size_of::<T>();
        anyhow::ensure!(
            bytes.len().is_multiple_of(size),
            "{}: {} bytes are not whole {size}-byte values",
            self.path.display(),
            bytes.len()
        );
        self.out.write_all(bytes).with_context(|| format!("{}: cannot write", self.path.display()))?;
        self.values += (bytes.len() / size) as u64;
        Ok(())
    }

    /// Rows written so far (complete ones).
    pub fn rows(&self) -> u64 {
        self.values.checked_div(self.row_len).unwrap_or(0)
    }

    /// Writes the header for the rows written and closes the file; returns the final shape.
    pub fn finish(self) -> anyhow::Result<Vec<u64>> {
        let path = self.path.clone();
        let fail = || format!("{}: cannot write", path.display());
        anyhow::ensure!(
            self.row_len == 0 || self.values.is_multiple_of(self.row_len),
            "{}: {} values are not whole rows of {:?}",
            path.display(),
            self.values,
            self.row_shape
        );
        let shape = [&[self.rows()], &self.row_shape[..]].concat();
        let last = header::<T>(&shape).with_context(fail)?;
        let mut file = self.out.into_inner().map_err(|e| e.into_error()).with_context(fail)?;
        if last.len() as u64 == self.header_len {
            file.seek(SeekFrom::Start(0)).with_context(fail)?;
            file.write_all(&last).with_context(fail)?;
            file.sync_data().ok();
            return Ok(shape);
        }
        // The header grew: write it and the body to a sibling file that replaces this one.
        let moved = path.with_extension("npy.resize");
        let mut to = BufWriter::new(File::create(&moved).with_context(fail)?);
        to.write_all(&last).with_context(fail)?;
        file.seek(SeekFrom::Start(self.header_len)).with_context(fail)?;
        std::io::copy(&mut file, &mut to).with_context(fail)?;
        to.flush().with_context(fail)?;
        drop(to);
        std::fs::rename(&moved, &path).with_context(fail)?;
        Ok(shape)
    }
}

#[cfg(test)]
mod tests {
    use super::super::write_npy;
    use super::*;

    fn streamed<T: NpyValue>(dir: &Path, name: &str, row_shape: &[u64], values: &[T]) -> Vec<u8> {
        let path = dir.join(name);
        let mut s = NpyStream::<T>::create(&path, row_shape).unwrap();
        let row: usize = row_shape.iter().product::<u64>() as usize;
        for chunk in values.chunks(row.max(1)) {
            s.extend(chunk.iter().copied()).unwrap();
        }
        s.finish().unwrap();
        std::fs::read(path).unwrap()
    }

    fn whole<T: NpyValue>(dir: &Path, name: &str, shape: &[u64], values: &[T]) -> Vec<u8> {
        let path = dir.join(name);
        write_npy(&path, shape, values).unwrap();
        std::fs::read(path).unwrap()
    }

    #[test]
    fn streamed_files_equal_write_npy_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // u32 [P, By, Bx], i32 [P, By, Bx, 2], f32 [F, By, Bx], and zero rows.
        for rows in [0u64, 1, 3, 59, 1000] {
            let u: Vec<u32> = (0..rows * 23 * 40).map(|i| (i * 2654435761) as u32).collect();
            assert_eq!(streamed(d, "a.npy", &[23, 40], &u), whole(d, "b.npy", &[rows, 23, 40], &u), "rows {rows}");
            let m: Vec<i32> = (0..rows * 3 * 5 * 2).map(|i| i as i32 - 7).collect();
            assert_eq!(streamed(d, "c.npy", &[3, 5, 2], &m), whole(d, "e.npy", &[rows, 3, 5, 2], &m));
            let f: Vec<f32> = (0..rows * 4).map(|i| i as f32 / 3.0).collect();
            assert_eq!(streamed(d, "f.npy", &[2, 2], &f), whole(d, "g.npy", &[rows, 2, 2], &f));
        }
    }

    #[test]
    fn a_header_that_grows_moves_the_body() {
        // Headers are padded to 64 bytes: find a row shape (k unit dimensions) where 4 more digits
        // in the row count cross a boundary.
        let dir = tempfile::tempdir().unwrap();
        let rows = 10_000u64;
        let len = |shape: &[u64]| header::<u32>(shape).unwrap().len();
        let row_shape = (1..64)
            .map(|k| vec![1u64; k])
            .find(|r| len(&[&[0], &r[..]].concat()) != len(&[&[rows], &r[..]].concat()))
            .expect("some row shape crosses a padding boundary");
        let values: Vec<u32> = (0..rows as u32).collect();
        let a = streamed(dir.path(), "a.npy", &row_shape, &values);
        assert_eq!(a, whole(dir.path(), "b.npy", &[&[rows], &row_shape[..]].concat(), &values));
        assert!(!dir.path().join("a.npy.resize").exists());
    }

    #[test]
    fn rows_written_as_bytes_equal_rows_written_as_values() {
        let dir = tempfile::tempdir().unwrap();
        let values: Vec<f32> = (0..6 * 35).map(|i| (i as f32).sqrt() - 3.0).collect();
        let path = dir.path().join("b.npy");
        let mut s = NpyStream::<f32>::create(&path, &[5, 7]).unwrap();
        for row in values.chunks(35) {
            s.extend_bytes(&row.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>()).unwrap();
        }
        assert_eq!(s.finish().unwrap(), vec![6, 5, 7]);
        assert_eq!(std::fs::read(&path).unwrap(), whole(dir.path(), "w.npy", &[6, 5, 7], &values));
        let mut s = NpyStream::<u32>::create(&dir.path().join("c.npy"), &[2]).unwrap();
        assert!(s.extend_bytes(&[1, 2, 3]).is_err(), "not whole values");
    }

    #[test]
    fn partial_rows_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = NpyStream::<u32>::create(&dir.path().join("x.npy"), &[2, 2]).unwrap();
        s.extend([1, 2, 3]).unwrap();
        assert!(s.finish().is_err());
    }
}
