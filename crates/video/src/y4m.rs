//! Pure-Rust YUV4MPEG2 (`.y4m`) reader: parses the stream header and yields each frame's luma plane.
//!
//! Format: a header line `YUV4MPEG2 W<w> H<h> [F<n>:<d>] [I..] [A..] [C<colour>] [X..]\n`, then per frame
//! `FRAME[ params]\n` followed by the planes (Y, then chroma, then alpha for `C444alpha`). Colour spaces
//! `420jpeg`, `420paldv`, `420mpeg2`, `420`, `411`, `422`, `444`, `444alpha`, `mono` are 8-bit; `420p10`,
//! `422p12`, `444p10`, `mono10`, ... (depths 9..=16) store 16-bit little-endian samples, reduced to
//! 8 bits by `>> (depth - 8)`. `C` defaults to 4:2:0 8-bit, `F` to 25 fps. The Y plane feeds the passes;
//! Cb and Cr are kept for colour display (alpha is skipped). `XCOLORRANGE=FULL` (FFmpeg's extension)
//! marks full range; otherwise limited. Y4M has no matrix tag: it is guessed from the height.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek};
use std::path::Path;

use super::{reduce_plane, reduce_sample, ChromaPlanes, ColourInfo, FrameSource, LumaFrame, StreamInfo, VideoError};
use vidscope_core::stream_meta::{FieldOrder, StreamMeta};

/// Longest header line accepted (the `X` comments can be long, but not unbounded).
const MAX_HEADER_LEN: usize = 64 * 1024;
/// Largest width or height accepted.
const MAX_DIM: u32 = 1 << 16;
/// The reader's buffer (header lines longer than it are read across refills).
const READ_BUFFER: usize = 64 * 1024;
/// Most bytes reserved for a luma plane before its data has been read.
const MAX_PREALLOC: usize = 64 << 20;

/// Chroma layout of a YUV4MPEG2 colour space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Chroma {
    C420,
    C411,
    C422,
    C444,
    C444Alpha,
    Mono,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ColourSpace {
    chroma: Chroma,
    /// Bits per sample: 8, or 9..=16 (stored as 16-bit little-endian words).
    depth: u32,
}

impl ColourSpace {
    fn parse(value: &str) -> Option<Self> {
        let (chroma, rest) = if let Some(rest) = value.strip_prefix("mono") {
            (Chroma::Mono, rest)
        } else if let Some(rest) = value.strip_prefix("444alpha") {
            (Chroma::C444Alpha, rest)
        } else if let Some(rest) = value.strip_prefix("420") {
            // 420jpeg, 420paldv and 420mpeg2 differ only in chroma siting, which luma ignores.
            let rest = match rest {
                "jpeg" | "paldv" | "mpeg2" => "",
                other => other,
            };
            (Chroma::C420, rest)
        } else if let Some(rest) = value.strip_prefix("411") {
            (Chroma::C411, rest)
        } else if let Some(rest) = value.strip_prefix("422") {
            (Chroma::C422, rest)
        } else if let Some(rest) = value.strip_prefix("444") {
            (Chroma::C444, rest)
        } else {
            return None;
        };
        if rest.is_empty() {
            return Some(ColourSpace { chroma, depth: 8 });
        }
        // High bit depth: `p<depth>` for the YUV layouts, a bare `<depth>` for mono (`mono10`).
        let digits = match chroma {
            Chroma::Mono => rest,
            Chroma::C444Alpha | Chroma::C411 => return None,
            _ => rest.strip_prefix('p')?,
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let depth: u32 = digits.parse().ok()?;
        if !(8..=16).contains(&depth) {
            return None;
        }
        Some(ColourSpace { chroma, depth })
    }

    fn bytes_per_sample(self) -> u64 {
        if self.depth > 8 {
            2
        } else {
            1
        }
    }

    /// log2 of the chroma subsampling (x, y); `None` for mono.
    fn chroma_shifts(self) -> Option<(u32, u32)> {
        match self.chroma {
            Chroma::C420 => Some((1, 1)),
            Chroma::C411 => Some((2, 0)),
            Chroma::C422 => Some((1, 0)),
            Chroma::C444 | Chroma::C444Alpha => Some((0, 0)),
            Chroma::Mono => None,
        }
    }

    /// Samples per frame in the planes after the luma plane.
    fn other_samples(self, w: u64, h: u64) -> u64 {
        let half_w = w.div_ceil(2);
        match self.chroma {
            Chroma::C420 => 2 * half_w * h.div_ceil(2),
            Chroma::C411 => 2 * w.div_ceil(4) * h,
            Chroma::C422 => 2 * half_w * h,
            Chroma::C444 => 2 * w * h,
            Chroma::C444Alpha => 3 * w * h,
            Chroma::Mono => 0,
        }
    }

    /// FFmpeg's name for this layout (`yuv420p`, `yuv422p10le`, `gray12le`, ...).
    fn ffmpeg_name(self) -> String {
        let base = match self.chroma {
            Chroma::C420 => "yuv420p",
            Chroma::C411 => "yuv411p",
            Chroma::C422 => "yuv422p",
            Chroma::C444 => "yuv444p",
            Chroma::C444Alpha => "yuva444p",
            Chroma::Mono => "gray",
        };
        if self.depth == 8 {
            base.to_string()
        } else {
            format!("{base}{}le", self.depth)
        }
    }
}

/// The parsed stream header.
#[derive(Clone, Debug, PartialEq)]
struct Header {
    width: u32,
    height: u32,
    fps: f64,
    colour: ColourSpace,
    /// `XCOLORRANGE=FULL`.
    full_range: bool,
    /// The `I` tag (`Ip`, `It`, `Ib`, `Im`); `Unknown` without one.
    field_order: FieldOrder,
}

fn parse_header(line: &[u8]) -> Result<Header, String> {
    let line = line.strip_suffix(b"\n").ok_or("header line has no newline")?;
    let rest = line.strip_prefix(b"YUV4MPEG2").ok_or("missing YUV4MPEG2 signature")?;
    if !(rest.is_empty() || rest.starts_with(b" ")) {
        return Err("missing YUV4MPEG2 signature".into());
    }
    let text = std::str::from_utf8(rest).map_err(|_| "header is not ASCII text".to_string())?;
    let (mut width, mut height, mut fps, mut colour) = (None, None, None, None);
    let mut full_range = false;
    let mut field_order = FieldOrder::Unknown;
    for token in text.split(' ').filter(|t| !t.is_empty()) {
        // Every token is a one-letter tag followed by its value.
        let mut chars = token.chars();
        let tag = chars.next().unwrap_or(' ');
        let value = chars.as_str();
        match tag {
            'W' => width = Some(parse_dim(value, "width")?),
            'H' => height = Some(parse_dim(value, "height")?),
            'F' => fps = parse_rate(value)?,
            'C' => {
                colour = Some(ColourSpace::parse(value).ok_or_else(|| format!("unsupported colour space C{value}"))?)
            }
            'X' if value.eq_ignore_ascii_case("COLORRANGE=FULL") => full_range = true,
            'I' => {
                field_order = match value {
                    "p" => FieldOrder::Progressive,
                    "t" => FieldOrder::Tt,
                    "b" => FieldOrder::Bb,
                    "m" => FieldOrder::Mixed,
                    _ => FieldOrder::Unknown,
                }
            }
            // Aspect ratio and other extensions do not affect the picture.
            'A' | 'X' => {}
            _ => return Err(format!("unknown header field {token:?}")),
        }
    }
    Ok(Header {
        width: width.ok_or("header has no width (W)")?,
        height: height.ok_or("header has no height (H)")?,
        fps: fps.unwrap_or(25.0),
        colour: colour.unwrap_or(ColourSpace { chroma: Chroma::C420, depth: 8 }),
        full_range,
        field_order,
    })
}

fn parse_dim(value: &str, what: &str) -> Result<u32, String> {
    match value.parse::<u32>() {
        Ok(v) if (1..=MAX_DIM).contains(&v) => Ok(v),
        _ => Err(format!("bad {what} {value:?} (expected 1..={MAX_DIM})")),
    }
}

/// `F<n>:<d>`; `F0:0` means unknown (→ `None`).
fn parse_rate(value: &str) -> Result<Option<f64>, String> {
    let bad = || format!("bad frame rate F{value} (expected F<num>:<den>)");
    let (n, d) = value.split_once(':').ok_or_else(bad)?;
    let n: u64 = n.parse().map_err(|_| bad())?;
    let d: u64 = d.parse().map_err(|_| bad())?;
    match (n, d) {
        (0, 0) => Ok(None),
        (0, _) | (_, 0) => Err(bad()),
        _ => Ok(Some(n as f64 / d as f64)),
    }
}

/// Reads up to and including the next `\n`, at most `limit` bytes. Returns what was read (which lacks
/// the newline at end of input or when the limit was hit).
fn read_line_limited<R: BufRead>(reader: &mut R, limit: usize) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    while line.len() < limit {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        let room = limit - line.len();
        let avail = &buf[..buf.len().min(room)];
        if let Some(pos) = avail.iter().position(|&b| b == b'\n') {
            line.extend_from_slice(&avail[..=pos]);
            reader.consume(pos + 1);
            return Ok(line);
        }
        let n = avail.len();
        line.extend_from_slice(avail);
        reader.consume(n);
    }
    Ok(line)
}

/// Reads a `.y4m` file frame by frame.
pub struct Y4mSource {
    info: StreamInfo,
    reader: BufReader<File>,
    colour: ColourSpace,
    /// Bytes of the luma plane per frame.
    luma_bytes: usize,
    /// Bytes of the other planes per frame (chroma, then alpha).
    skip_bytes: u64,
    /// Read buffer for the other planes.
    other: Vec<u8>,
    next_index: usize,
    /// The file's length when it is a regular file (lets `next_frame_into` seek over the chroma
    /// and still tell a short last frame).
    file_len: Option<u64>,
    /// Set after the end or an error; later calls return `Ok(None)`.
    done: bool,
    buf: Vec<u8>,
}

impl Y4mSource {
    pub fn open(path: &Path) -> Result<Self, VideoError> {
        let name = path.display().to_string();
        let open_err = |e: io::Error| VideoError::Open { path: name.clone(), reason: e.to_string() };
        let not_video = |reason: String| VideoError::NotVideo { path: name.clone(), reason };
        let file = File::open(path).map_err(open_err)?;
        let meta = file.metadata().map_err(open_err)?;
        // Small: a frame's planes are read straight into their buffers (reads larger than this bypass
        // it), so only the FRAME line and the start of a plane go through it.
        let mut reader = BufReader::with_capacity(READ_BUFFER, file);
        let line = read_line_limited(&mut reader, MAX_HEADER_LEN).map_err(open_err)?;
        if !line.starts_with(b"YUV4MPEG2") {
            return Err(not_video("missing YUV4MPEG2 signature at the start of the file".into()));
        }
        if !line.ends_with(b"\n") {
            return Err(not_video(format!("YUV4MPEG2 header is unterminated or longer than {MAX_HEADER_LEN} bytes")));
        }
        let header = parse_header(&line).map_err(|r| not_video(format!("bad YUV4MPEG2 header: {r}")))?;

        let (w, h) = (u64::from(header.width), u64::from(header.height));
        let bps = header.colour.bytes_per_sample();
        let luma = w * h * bps;
        let other = header.colour.other_samples(w, h) * bps;
        let luma_bytes = usize::try_from(luma).map_err(|_| not_video("frame too large".into()))?;

        // With a fixed `FRAME\n` marker the frame count follows from the file size when it divides.
        let frame_count = if meta.is_file() {
            let header_len = line.len() as u64;
            let per_frame = b"FRAME\n".len() as u64 + luma + other;
            meta.len().checked_sub(header_len).filter(|body| body % per_frame == 0).map(|body| body / per_frame)
        } else {
            None
        };

        Ok(Y4mSource {
            info: StreamInfo {
                input: name,
                width: header.width,
                height: header.height,
                frame_count,
                fps: header.fps,
                pixel_format: header.colour.ffmpeg_name(),
                bit_depth: header.colour.depth,
                codec: "rawvideo".into(),
                colour: ColourInfo {
                    full_range: header.full_range,
                    range_tagged: header.full_range,
                    ..ColourInfo::guessed(header.height)
                },
                meta: StreamMeta { field_order: header.field_order, ..StreamMeta::default() },
            },
            reader,
            colour: header.colour,
            luma_bytes,
            skip_bytes: other,
            other: Vec::new(),
            next_index: 0,
            file_len: meta.is_file().then_some(meta.len()),
            done: false,
            buf: Vec::new(),
        })
    }

    fn corrupt(&self, reason: String) -> VideoError {
        VideoError::Corrupt { path: self.info.input.clone(), frame: self.next_index, reason }
    }

    /// Reads the next `FRAME` marker line: `Ok(false)` at a clean end of the stream.
    fn read_marker(&mut self) -> Result<bool, VideoError> {
        let line = match read_line_limited(&mut self.reader, MAX_HEADER_LEN) {
            Ok(line) => line,
            Err(e) => return Err(self.corrupt(format!("read error: {e}"))),
        };
        if line.is_empty() {
            return Ok(false);
        }
        let complete = line.ends_with(b"\n");
        let is_marker = line.starts_with(b"FRAME") && matches!(line.get(5), None | Some(b'\n') | Some(b' '));
        if !complete && (is_marker || b"FRAME".starts_with(&line)) {
            return Err(self.corrupt("truncated FRAME marker".into()));
        }
        if !is_marker {
            let shown = String::from_utf8_lossy(&line[..line.len().min(16)]).into_owned();
            return Err(self.corrupt(format!("expected a FRAME marker, found {shown:?}")));
        }
        Ok(true)
    }

    /// The error for a frame that ends after `got` of its bytes.
    fn truncated(&self, got: u64) -> VideoError {
        let want = self.luma_bytes as u64 + self.skip_bytes;
        self.corrupt(format!("truncated: {got} of {want} bytes of frame data"))
    }

    /// Reads the stored luma plane (`luma_bytes`) into `buf`, growing it with the data actually read
    /// (a bogus header cannot make it allocate gigabytes).
    fn read_stored_luma(&mut self, buf: &mut Vec<u8>) -> Result<(), VideoError> {
        buf.clear();
        buf.reserve_exact(self.luma_bytes.min(MAX_PREALLOC));
        let got = match (&mut self.reader).take(self.luma_bytes as u64).read_to_end(buf) {
            Ok(got) => got,
            Err(e) => return Err(self.corrupt(format!("read error: {e}"))),
        };
        if got < self.luma_bytes {
            return Err(self.truncated(got as u64));
        }
        Ok(())
    }

    fn read_frame(&mut self) -> Result<Option<LumaFrame>, VideoError> {
        if !self.read_marker()? {
            return Ok(None);
        }
        let mut buf = std::mem::take(&mut self.buf);
        self.read_stored_luma(&mut buf)?;
        let mut other = std::mem::take(&mut self.other);
        other.clear();
        other.reserve_exact((self.skip_bytes as usize).min(MAX_PREALLOC));
        let skipped = match (&mut self.reader).take(self.skip_bytes).read_to_end(&mut other) {
            Ok(n) => n as u64,
            Err(e) => return Err(self.corrupt(format!("read error: {e}"))),
        };
        if skipped < self.skip_bytes {
            return Err(self.truncated(self.luma_bytes as u64 + skipped));
        }

        let data = if self.colour.depth > 8 {
            let shift = self.colour.depth - 8;
            let data = reduce_plane(&buf, shift);
            self.buf = buf; // keep the 16-bit read buffer for the next frame
            data
        } else {
            buf // 8-bit: the read buffer is the frame
        };
        let chroma = self.chroma_planes(&other);
        self.other = other;
        Ok(Some(self.frame(data, chroma)))
    }

    /// Like `read_frame`, with the luma written into `luma` (8-bit: read from the file straight into
    /// it) and the chroma (and alpha) planes skipped by a seek, not read.
    fn read_frame_into(&mut self, luma: &mut [u8]) -> Result<Option<LumaFrame>, VideoError> {
        let pixels = self.info.width as usize * self.info.height as usize;
        if luma.len() != pixels {
            let reason = format!("a {}-byte luma buffer for {pixels} pixels", luma.len());
            return Err(self.corrupt(reason));
        }
        if !self.read_marker()? {
            return Ok(None);
        }
        if self.colour.depth > 8 {
            let mut buf = std::mem::take(&mut self.buf);
            self.read_stored_luma(&mut buf)?;
            let shift = self.colour.depth - 8;
            for (out, s) in luma.iter_mut().zip(buf.chunks_exact(2)) {
                *out = reduce_sample([s[0], s[1]], shift);
            }
            self.buf = buf;
        } else {
            let got = match read_full(&mut self.reader, luma) {
                Ok(got) => got,
                Err(e) => return Err(self.corrupt(format!("read error: {e}"))),
            };
            if got < luma.len() {
                return Err(self.truncated(got as u64));
            }
        }
        self.skip_other_planes()?;
        Ok(Some(self.frame(Vec::new(), None)))
    }

    /// Moves past the planes after the luma plane: a seek where the file's length says they are all
    /// there (a regular file), else a read, so a short last frame is an error either way.
    fn skip_other_planes(&mut self) -> Result<(), VideoError> {
        let Some(len) = self.file_len else {
            let mut other = std::mem::take(&mut self.other);
            other.clear();
            let skipped = match (&mut self.reader).take(self.skip_bytes).read_to_end(&mut other) {
                Ok(n) => n as u64,
                Err(e) => return Err(self.corrupt(format!("read error: {e}"))),
            };
            self.other = other;
            if skipped < self.skip_bytes {
                return Err(self.truncated(self.luma_bytes as u64 + skipped));
            }
            return Ok(());
        };
        let pos = match self.reader.stream_position() {
            Ok(pos) => pos,
            Err(e) => return Err(self.corrupt(format!("read error: {e}"))),
        };
        let left = len.saturating_sub(pos);
        if left < self.skip_bytes {
            return Err(self.truncated(self.luma_bytes as u64 + left));
        }
        let skip = i64::try_from(self.skip_bytes).map_err(|_| self.corrupt("frame too large".into()))?;
        self.reader.seek_relative(skip).map_err(|e| self.corrupt(format!("read error: {e}")))
    }

    /// Frame `next_index` with these planes; advances the index.
    fn frame(&mut self, data: Vec<u8>, chroma: Option<ChromaPlanes>) -> LumaFrame {
        let frame = LumaFrame {
            index: self.next_index,
            width: self.info.width,
            height: self.info.height,
            data,
            chroma,
            decode_errors: 0,
            frames_lost_before: 0,
            format_change: None,
            codec_mvs: None,
        };
        self.next_index += 1;
        frame
    }
}

/// Reads until `dst` is full or the input ends; returns the bytes read.
fn read_full<R: Read>(reader: &mut R, dst: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < dst.len() {
        match reader.read(&mut dst[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

impl Y4mSource {
    /// Cb and Cr from the bytes after the luma plane, reduced to 8 bits; `None` for mono.
    fn chroma_planes(&self, other: &[u8]) -> Option<ChromaPlanes> {
        let (shift_x, shift_y) = self.colour.chroma_shifts()?;
        let (width, height) = ChromaPlanes::plane_size(self.info.width, self.info.height, shift_x, shift_y);
        let samples = width as usize * height as usize;
        let bps = self.colour.bytes_per_sample() as usize;
        let to_u8 = |bytes: &[u8]| -> Vec<u8> {
            if bps == 1 {
                return bytes.to_vec();
            }
            let shift = self.colour.depth - 8;
            reduce_plane(bytes, shift)
        };
        let cb = to_u8(other.get(..samples * bps)?);
        let cr = to_u8(other.get(samples * bps..2 * samples * bps)?);
        Some(ChromaPlanes { width, height, shift_x, shift_y, cb, cr })
    }
}

impl FrameSource for Y4mSource {
    fn info(&self) -> &StreamInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<LumaFrame>, VideoError> {
        if self.done {
            return Ok(None);
        }
        let result = self.read_frame();
        if !matches!(result, Ok(Some(_))) {
            self.done = true;
        }
        result
    }

    fn next_frame_into(&mut self, luma: &mut [u8]) -> Result<Option<LumaFrame>, VideoError> {
        if self.done {
            return Ok(None);
        }
        let result = self.read_frame_into(luma);
        if !matches!(result, Ok(Some(_))) {
            self.done = true;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// Writes a y4m file: `header` (without the leading `YUV4MPEG2 ` and trailing newline), then each
    /// frame as `FRAME\n` + its bytes.
    fn write_y4m(dir: &Path, name: &str, header: &str, frames: &[Vec<u8>]) -> PathBuf {
        let mut bytes = format!("YUV4MPEG2 {header}\n").into_bytes();
        for f in frames {
            bytes.extend_from_slice(b"FRAME\n");
            bytes.extend_from_slice(f);
        }
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write test file");
        path
    }

    fn read_all(src: &mut Y4mSource) -> Result<Vec<LumaFrame>, VideoError> {
        let mut frames = Vec::new();
        while let Some(f) = src.next_frame()? {
            frames.push(f);
        }
        Ok(frames)
    }

    /// One 8-bit frame: luma values `seed + i`, then `chroma` bytes of 0xEE.
    fn frame8(w: usize, h: usize, chroma: usize, seed: u8) -> (Vec<u8>, Vec<u8>) {
        let luma: Vec<u8> = (0..w * h).map(|i| seed.wrapping_add(i as u8)).collect();
        let mut bytes = luma.clone();
        bytes.extend(std::iter::repeat_n(0xEE, chroma));
        (bytes, luma)
    }

    #[test]
    fn keeps_chroma_planes_and_the_full_range_tag() {
        let dir = tempfile::tempdir().unwrap();
        // 5x3 4:2:0: chroma 3x2 per plane; Cb = 10.., Cr = 100.. .
        let mut frame: Vec<u8> = vec![7; 15];
        frame.extend(10..16);
        frame.extend(100..106);
        let path = write_y4m(dir.path(), "c.y4m", "W5 H3 C420jpeg XCOLORRANGE=FULL", &[frame]);
        let mut src = Y4mSource::open(&path).unwrap();
        assert!(src.info().colour.full_range && src.info().colour.range_tagged);
        let frames = read_all(&mut src).unwrap();
        let c = frames[0].chroma.as_ref().expect("chroma");
        assert_eq!((c.width, c.height, c.shift_x, c.shift_y), (3, 2, 1, 1));
        assert_eq!(c.cb, (10..16).collect::<Vec<u8>>());
        assert_eq!(c.cr, (100..106).collect::<Vec<u8>>());
        // 10-bit 4:2:2, 2x1: chroma 1x1 per plane, reduced by >> 2; no range tag means limited.
        let words: [u16; 4] = [64, 940, 512, 1020];
        let frame: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        let path = write_y4m(dir.path(), "d.y4m", "W2 H1 C422p10", &[frame]);
        let mut src = Y4mSource::open(&path).unwrap();
        assert!(!src.info().colour.full_range && !src.info().colour.range_tagged);
        let frames = read_all(&mut src).unwrap();
        let c = frames[0].chroma.as_ref().expect("chroma");
        assert_eq!((c.width, c.height, c.shift_x, c.shift_y, c.cb[0], c.cr[0]), (1, 1, 1, 0, 128, 255));
        // Mono has none.
        let path = write_y4m(dir.path(), "m.y4m", "W2 H1 Cmono", &[vec![1, 2]]);
        assert_eq!(read_all(&mut Y4mSource::open(&path).unwrap()).unwrap()[0].chroma, None);
    }

    #[test]
    fn reads_8bit_420_with_odd_size() {
        let dir = tempfile::tempdir().unwrap();
        let (w, h) = (5, 3);
        let chroma = 2 * 3 * 2; // ceil(5/2) * ceil(3/2), two planes
        let (f0, l0) = frame8(w, h, chroma, 0);
        let (f1, l1) = frame8(w, h, chroma, 100);
        let path = write_y4m(dir.path(), "a.y4m", "W5 H3 F30000:1001 Ip A1:1 C420jpeg XYSCSS=420JPEG", &[f0, f1]);
        let mut src = Y4mSource::open(&path).unwrap();
        let info = src.info().clone();
        assert_eq!((info.width, info.height), (5, 3));
        assert_eq!(info.frame_count, Some(2));
        assert!((info.fps - 30000.0 / 1001.0).abs() < 1e-9);
        assert_eq!(info.pixel_format, "yuv420p");
        assert_eq!(info.bit_depth, 8);
        let frames = read_all(&mut src).unwrap();
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].data, l0);
        assert_eq!(frames[1].data, l1);
        assert_eq!(frames[1].index, 1);
        assert_eq!(src.next_frame().unwrap(), None);
    }

    #[test]
    fn default_colour_space_is_420_and_default_fps_25() {
        let dir = tempfile::tempdir().unwrap();
        let (f0, l0) = frame8(4, 2, 2 * 2, 7);
        let path = write_y4m(dir.path(), "d.y4m", "W4 H2", &[f0]);
        let mut src = Y4mSource::open(&path).unwrap();
        assert_eq!(src.info().pixel_format, "yuv420p");
        assert_eq!(src.info().fps, 25.0);
        assert_eq!(read_all(&mut src).unwrap()[0].data, l0);
    }

    #[test]
    fn reads_444_and_mono() {
        let dir = tempfile::tempdir().unwrap();
        let (f0, l0) = frame8(3, 2, 2 * 6, 1);
        let (f1, l1) = frame8(3, 2, 2 * 6, 2);
        let path = write_y4m(dir.path(), "c.y4m", "W3 H2 F25:1 C444", &[f0, f1]);
        let mut src = Y4mSource::open(&path).unwrap();
        assert_eq!(src.info().pixel_format, "yuv444p");
        assert_eq!(src.info().frame_count, Some(2));
        let frames = read_all(&mut src).unwrap();
        assert_eq!((frames[0].data.clone(), frames[1].data.clone()), (l0, l1));

        let (m0, ml0) = frame8(7, 1, 0, 9);
        let path = write_y4m(dir.path(), "m.y4m", "W7 H1 F25:1 Cmono", &[m0]);
        let mut src = Y4mSource::open(&path).unwrap();
        assert_eq!(src.info().pixel_format, "gray");
        assert_eq!(src.info().frame_count, Some(1));
        assert_eq!(read_all(&mut src).unwrap()[0].data, ml0);
    }

    #[test]
    fn reads_10bit_420_and_12bit_mono() {
        let dir = tempfile::tempdir().unwrap();
        let (w, h) = (4, 2);
        let samples: Vec<u16> = (0..(w * h) as u16).map(|i| i * 130 + 3).collect(); // up to 913
        let mut bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        bytes.extend(std::iter::repeat_n(0x02, 8)); // two 2x1 chroma planes of 16-bit samples
        let path = write_y4m(dir.path(), "t.y4m", "W4 H2 F30:1 Ip C420p10 XYSCSS=420P10", &[bytes.clone(), bytes]);
        let mut src = Y4mSource::open(&path).unwrap();
        assert_eq!(src.info().pixel_format, "yuv420p10le");
        assert_eq!(src.info().bit_depth, 10);
        assert_eq!(src.info().frame_count, Some(2));
        let want: Vec<u8> = samples.iter().map(|s| (s >> 2) as u8).collect();
        let frames = read_all(&mut src).unwrap();
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].data, want);
        assert_eq!(frames[1].data, want);

        let samples: Vec<u16> = vec![0, 15, 16, 4095, 2048, 1000];
        let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        let path = write_y4m(dir.path(), "g.y4m", "W3 H2 Cmono12", &[bytes]);
        let mut src = Y4mSource::open(&path).unwrap();
        assert_eq!(src.info().pixel_format, "gray12le");
        assert_eq!(read_all(&mut src).unwrap()[0].data, vec![0, 0, 1, 255, 128, 62]);
    }

    #[test]
    fn frame_params_are_accepted_but_unknown_count_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let (f0, l0) = frame8(2, 2, 2, 0);
        let mut bytes = b"YUV4MPEG2 W2 H2 C420\nFRAME Ixyz\n".to_vec();
        bytes.extend_from_slice(&f0);
        let path = dir.path().join("p.y4m");
        std::fs::write(&path, bytes).unwrap();
        let mut src = Y4mSource::open(&path).unwrap();
        assert_eq!(src.info().frame_count, None);
        assert_eq!(read_all(&mut src).unwrap()[0].data, l0);
    }

    #[test]
    fn truncated_last_frame_is_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let (f0, _) = frame8(4, 4, 8, 0);
        let (mut f1, _) = frame8(4, 4, 8, 1);
        f1.truncate(20); // 16 luma bytes + 4 of 8 chroma bytes
        let path = write_y4m(dir.path(), "tr.y4m", "W4 H4 C420", &[f0, f1]);
        let mut src = Y4mSource::open(&path).unwrap();
        assert_eq!(src.info().frame_count, None);
        assert!(src.next_frame().unwrap().is_some());
        let err = src.next_frame().unwrap_err();
        match &err {
            VideoError::Corrupt { frame, path: p, .. } => {
                assert_eq!(*frame, 1);
                assert!(p.ends_with("tr.y4m"));
            }
            other => panic!("expected Corrupt, got {other:?}"),
        }
        assert!(err.to_string().contains("frame 1"), "{err}");
        assert_eq!(src.next_frame().unwrap(), None);

        // Truncated inside the luma plane, and inside the FRAME marker.
        let (f0, _) = frame8(4, 4, 8, 0);
        let mut bytes = b"YUV4MPEG2 W4 H4\nFRAME\n".to_vec();
        bytes.extend_from_slice(&f0[..10]);
        std::fs::write(dir.path().join("tr2.y4m"), &bytes).unwrap();
        let mut src = Y4mSource::open(&dir.path().join("tr2.y4m")).unwrap();
        assert!(matches!(src.next_frame(), Err(VideoError::Corrupt { frame: 0, .. })));

        let mut bytes = b"YUV4MPEG2 W4 H4\nFRAME\n".to_vec();
        bytes.extend_from_slice(&f0);
        bytes.extend_from_slice(b"FRA");
        std::fs::write(dir.path().join("tr3.y4m"), &bytes).unwrap();
        let mut src = Y4mSource::open(&dir.path().join("tr3.y4m")).unwrap();
        assert!(src.next_frame().unwrap().is_some());
        assert!(matches!(src.next_frame(), Err(VideoError::Corrupt { frame: 1, .. })));
    }

    /// Every frame through `next_frame_into` (luma straight into a caller's buffer, chroma skipped).
    fn read_all_into(src: &mut Y4mSource) -> Result<Vec<Vec<u8>>, VideoError> {
        let mut planes = Vec::new();
        let mut luma = vec![0u8; src.info().width as usize * src.info().height as usize];
        while let Some(frame) = src.next_frame_into(&mut luma)? {
            assert!(frame.data.is_empty() && frame.chroma.is_none());
            assert_eq!(frame.index, planes.len());
            planes.push(luma.clone());
        }
        Ok(planes)
    }

    #[test]
    fn next_frame_into_writes_the_same_luma_as_next_frame() {
        let dir = tempfile::tempdir().unwrap();
        // 8-bit 4:2:0 at an odd size, 10-bit 4:2:0, 4:4:4 with alpha, 12-bit mono.
        let mut cases = Vec::new();
        let f8: Vec<Vec<u8>> = (0..3).map(|k| frame8(5, 3, 2 * 3 * 2, k * 40).0).collect();
        cases.push(write_y4m(dir.path(), "a.y4m", "W5 H3 C420jpeg", &f8));
        // 4x2 luma + two 2x1 chroma planes of 16-bit samples.
        let samples = 4 * 2 + 2 * 2;
        let f10: Vec<Vec<u8>> = (0..2u16)
            .map(|k| (0..samples).flat_map(|i| (i * 37 + k * 300).min(1023).to_le_bytes()).collect())
            .collect();
        cases.push(write_y4m(dir.path(), "b.y4m", "W4 H2 C420p10", &f10));
        let fa: Vec<Vec<u8>> = (0..2).map(|k| frame8(3, 2, 3 * 6, k).0).collect();
        cases.push(write_y4m(dir.path(), "c.y4m", "W3 H2 C444alpha", &fa));
        let fm: Vec<Vec<u8>> =
            (0..2u16).map(|k| (0..6u16).flat_map(|i| (i * 700 + k).min(4095).to_le_bytes()).collect()).collect();
        cases.push(write_y4m(dir.path(), "d.y4m", "W3 H2 Cmono12", &fm));
        for path in cases {
            let whole = read_all(&mut Y4mSource::open(&path).unwrap()).unwrap();
            let into = read_all_into(&mut Y4mSource::open(&path).unwrap()).unwrap();
            let want: Vec<Vec<u8>> = whole.into_iter().map(|f| f.data).collect();
            assert_eq!(into, want, "{}", path.display());
        }
    }

    #[test]
    fn next_frame_into_still_reports_a_short_last_frame() {
        let dir = tempfile::tempdir().unwrap();
        let (f0, _) = frame8(4, 4, 8, 0);
        let (mut f1, _) = frame8(4, 4, 8, 1);
        f1.truncate(20); // all 16 luma bytes, 4 of 8 chroma bytes: only the skipped planes are short
        let path = write_y4m(dir.path(), "tr.y4m", "W4 H4 C420", &[f0, f1]);
        let mut src = Y4mSource::open(&path).unwrap();
        let mut luma = vec![0u8; 16];
        assert!(src.next_frame_into(&mut luma).unwrap().is_some());
        let err = src.next_frame_into(&mut luma).unwrap_err();
        assert!(matches!(err, VideoError::Corrupt { frame: 1, .. }), "{err:?}");
        assert!(err.to_string().contains("20 of 24 bytes"), "{err}");
        assert_eq!(src.next_frame_into(&mut luma).unwrap(), None);
        // A buffer of the wrong size is refused, not overrun.
        let mut src = Y4mSource::open(&path).unwrap();
        assert!(src.next_frame_into(&mut [0u8; 15]).is_err());
    }

    #[test]
    fn huge_header_with_little_data_is_corrupt_without_allocating_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.y4m");
        std::fs::write(&path, b"YUV4MPEG2 W65536 H65536 C444p16\nFRAME\n0123456789").unwrap();
        let mut src = Y4mSource::open(&path).unwrap();
        assert_eq!(src.info().frame_count, None);
        assert!(matches!(src.next_frame(), Err(VideoError::Corrupt { frame: 0, .. })));
    }

    #[test]
    fn bad_headers_are_not_video() {
        let dir = tempfile::tempdir().unwrap();
        let cases: &[(&str, &[u8], &str)] = &[
            ("magic.y4m", b"YUV4MPEG W4 H4\nFRAME\n", "signature"),
            ("text.y4m", b"hello world\n", "signature"),
            ("now.y4m", b"YUV4MPEG2 H4 C420\n", "width"),
            ("zero.y4m", b"YUV4MPEG2 W0 H4\n", "width"),
            ("colour.y4m", b"YUV4MPEG2 W4 H4 Cfoo\n", "colour space"),
            ("depth.y4m", b"YUV4MPEG2 W4 H4 C420p7\n", "colour space"),
            ("rate.y4m", b"YUV4MPEG2 W4 H4 F30\n", "frame rate"),
            ("field.y4m", b"YUV4MPEG2 W4 H4 Q1\n", "unknown header field"),
            ("nonl.y4m", b"YUV4MPEG2 W4 H4", "unterminated"),
        ];
        for (name, bytes, want) in cases {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            match Y4mSource::open(&path) {
                Err(e @ VideoError::NotVideo { .. }) => {
                    let msg = e.to_string();
                    assert!(msg.contains(want), "{name}: {msg}");
                    assert!(msg.contains(name), "{name}: {msg}");
                }
                Err(e) => panic!("{name}: expected NotVideo, got {e:?}"),
                Ok(_) => panic!("{name}: expected an error"),
            }
        }
    }

    #[test]
    fn colour_space_names() {
        let cases = [
            ("420paldv", "yuv420p", 8),
            ("420mpeg2", "yuv420p", 8),
            ("422", "yuv422p", 8),
            ("411", "yuv411p", 8),
            ("444alpha", "yuva444p", 8),
            ("422p12", "yuv422p12le", 12),
            ("444p10", "yuv444p10le", 10),
            ("420p16", "yuv420p16le", 16),
            ("mono10", "gray10le", 10),
        ];
        for (c, name, depth) in cases {
            let cs = ColourSpace::parse(c).unwrap_or_else(|| panic!("{c}"));
            assert_eq!((cs.ffmpeg_name().as_str(), cs.depth), (name, depth), "{c}");
        }
        for bad in ["", "420p", "420px", "mono8x", "444alphap10", "420p17", "420p08x"] {
            assert_eq!(ColourSpace::parse(bad), None, "{bad}");
        }
    }
}
