//! The one `.y4m` writer of the tests: gray or 4:2:0 (neutral chroma), any header tags.

use std::path::Path;

/// How a test `.y4m` is laid out: `tags` go into the header before the colour space (frame rate,
/// interlacing, aspect), `frame_tag` after each FRAME (a parameter there leaves the frame count
/// unknown until the end).
#[derive(Clone, Copy, Debug)]
pub struct Y4m<'a> {
    pub width: u32,
    pub height: u32,
    pub tags: &'a str,
    pub chroma: bool,
    pub frame_tag: &'a str,
}

impl Y4m<'static> {
    /// Gray (`Cmono`), 30 fps, progressive, square pixels.
    pub fn gray(width: u32, height: u32) -> Self {
        Self { width, height, tags: "F30:1 Ip A1:1", chroma: false, frame_tag: "" }
    }

    /// 4:2:0 (`C420jpeg`, chroma 128), 25 fps.
    pub fn yuv420(width: u32, height: u32) -> Self {
        Self { width, height, tags: "F25:1", chroma: true, frame_tag: "" }
    }
}

impl Y4m<'_> {
    pub fn header(&self) -> Vec<u8> {
        let colour = if self.chroma { "C420jpeg" } else { "Cmono" };
        format!("YUV4MPEG2 W{} H{} {} {colour}\n", self.width, self.height, self.tags).into_bytes()
    }

    /// The file's bytes: the header, then each luma plane (`width * height` bytes) as one frame.
    pub fn bytes(&self, frames: impl IntoIterator<Item = Vec<u8>>) -> Vec<u8> {
        let chroma = 2 * self.width.div_ceil(2) as usize * self.height.div_ceil(2) as usize;
        let mut bytes = self.header();
        for luma in frames {
            assert_eq!(luma.len(), (self.width * self.height) as usize, "a luma plane of {self:?}");
            bytes.extend_from_slice(format!("FRAME{}\n", self.frame_tag).as_bytes());
            bytes.extend_from_slice(&luma);
            if self.chroma {
                bytes.extend(std::iter::repeat_n(128u8, chroma));
            }
        }
        bytes
    }

    pub fn write(&self, path: &Path, frames: impl IntoIterator<Item = Vec<u8>>) {
        std::fs::write(path, self.bytes(frames)).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}
