//! The FFmpeg half of recording (feature `ffmpeg`): RGBA frames → edge padding → swscale (BT.709,
//! limited range, yuv420p) → libx264 → fragmented MP4. Runs on the encoder thread of
//! [`super::Mp4Recorder`], which documents the format; this file owns only the FFmpeg objects.
//!
//! The colour conversion goes through libavfilter's `scale` filter (which is swscale) because only
//! the filter exposes swscale's matrix and range settings through ffmpeg-next's safe API.

use std::path::Path;

use ff::format::Pixel;
use ff::{codec, color, encoder, filter, format, frame, Dictionary, Packet, Rational};
use ffmpeg_next as ff;

use super::encode::{Container, WriterSettings};
use super::{EncodeError, RgbaFrame};

/// The MP4 muxer options: a fragment per keyframe, an empty `moov` up front and a flush of the file
/// after every packet, so whatever has reached the disk is a playable file up to its last fragment.
const MP4_OPTIONS: &[(&str, &str)] =
    &[("movflags", "+frag_keyframe+empty_moov+default_base_moof"), ("flush_packets", "1")];
/// Matroska writes clusters as it goes; only the flush applies.
const MATROSKA_OPTIONS: &[(&str, &str)] = &[("flush_packets", "1")];

/// RGBA → yuv420p with the BT.709 matrix into limited ("tv") range, the pair the stream is tagged
/// with. `accurate_rnd` rounds instead of truncating; `full_chroma_int` filters chroma properly.
const CONVERT: &str = "scale=out_color_matrix=bt709:out_range=tv:flags=bicubic+accurate_rnd+full_chroma_int,\
                       format=yuv420p";

/// An open MP4 file with its encoder and converter. Dropping it without [`Mp4Writer::finish`] still
/// flushes the encoder and writes the trailer (errors then go to the log).
pub(super) struct Mp4Writer {
    path: String,
    settings: WriterSettings,
    output: format::context::Output,
    encoder: encoder::Video,
    graph: filter::Graph,
    yuv: frame::Video,
    packet: Packet,
    codec_time_base: Rational,
    stream_time_base: Rational,
    /// Frames handed to the encoder so far (also the next frame's pts).
    frames: u64,
    finished: bool,
}

impl Mp4Writer {
    /// Creates `path` (which must not exist) and writes the header.
    pub(super) fn open(path: &Path, settings: &WriterSettings) -> Result<Self, EncodeError> {
        let shown = path.display().to_string();
        let url = check_output_path(path)?;
        super::ffmpeg_source::init_ffmpeg();
        let setup = |reason: String| EncodeError::Encoder { path: shown.clone(), reason };

        let (num, den) = settings.fps;
        let codec_time_base = Rational::new(den, num);
        let fps = Rational::new(num, den);

        let graph = conversion_graph(settings)
            .map_err(|e| setup(format!("cannot set up the RGBA → yuv420p conversion: {e}")))?;
        let x264 =
            encoder::find_by_name("libx264").ok_or_else(|| setup("this FFmpeg has no libx264 encoder".into()))?;
        let mut output = format::output_as(&url, settings.container.muxer())
            .map_err(|e| EncodeError::Create { path: shown.clone(), reason: e.to_string() })?;
        let global_header = output.format().flags().contains(format::Flags::GLOBAL_HEADER);

        let mut context = codec::Context::new_with_codec(x264);
        // Frame threads, count 0 = automatic (the context's default is one thread). `Config::kind`,
        // not a struct literal: its fields differ between FFmpeg versions (no `safe` from FFmpeg 6 on).
        context.set_threading(ff::threading::Config::kind(ff::threading::Type::Frame));
        let mut video = context.encoder().video().map_err(|e| setup(e.to_string()))?;
        video.set_width(settings.encoded_width);
        video.set_height(settings.encoded_height);
        video.set_format(Pixel::YUV420P);
        video.set_time_base(codec_time_base);
        video.set_frame_rate(Some(fps));
        video.set_aspect_ratio(Rational::new(1, 1));
        video.set_gop(settings.keyframe_interval);
        // No B-frames: a fragmented MP4 written as it goes cannot carry the edit list that hides their
        // decoding delay, so with them the first frame would start at 2/fps instead of 0.
        video.set_max_b_frames(0);
        video.set_colorspace(color::Space::BT709);
        video.set_color_primaries(color::Primaries::BT709);
        video.set_color_transfer_characteristic(color::TransferCharacteristic::BT709);
        video.set_color_range(color::Range::MPEG);
        if global_header {
            video.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        let mut x264_options = Dictionary::new();
        x264_options.set("preset", &settings.preset);
        x264_options.set("crf", &settings.crf.to_string());
        let encoder = video.open_as_with(x264, x264_options).map_err(|e| setup(e.to_string()))?;

        {
            let mut stream = output.add_stream(x264).map_err(|e| setup(format!("cannot add the video stream: {e}")))?;
            stream.set_parameters(&encoder);
            stream.set_time_base(codec_time_base);
            stream.set_rate(fps);
            stream.set_avg_frame_rate(fps);
        }
        let mut muxer_options = Dictionary::new();
        let options = match settings.container {
            Container::Mp4 => MP4_OPTIONS,
            Container::Matroska => MATROSKA_OPTIONS,
        };
        for &(key, value) in options {
            muxer_options.set(key, value);
        }
        let unused: Vec<String> = output
            .write_header_with(muxer_options)
            .map_err(|e| EncodeError::Create { path: shown.clone(), reason: format!("cannot write the header: {e}") })?
            .iter()
            .map(|(key, _)| key.to_string())
            .collect();
        if !unused.is_empty() {
            return Err(setup(format!("the MP4 muxer did not take the options {}", unused.join(", "))));
        }
        let stream_time_base = output.stream(0).map(|s| s.time_base()).unwrap_or(codec_time_base);

        Ok(Mp4Writer {
            path: shown,
            settings: settings.clone(),
            output,
            encoder,
            graph,
            yuv: frame::Video::empty(),
            packet: Packet::empty(),
            codec_time_base,
            stream_time_base,
            frames: 0,
            finished: false,
        })
    }

    /// Converts, encodes and writes one frame (already checked to be `width x height`).
    pub(super) fn write(&mut self, frame: &RgbaFrame) -> Result<(), EncodeError> {
        let index = self.frames;
        let path = self.path.clone();
        let failed = |what: &str, e: ff::Error| EncodeError::Write {
            path: path.clone(),
            frame: index,
            reason: format!("{what}: {e}"),
        };
        let pts = i64::try_from(index).unwrap_or(i64::MAX);
        // A new buffer per frame: the buffer source takes over the frame's buffer references.
        let mut rgba = frame::Video::new(Pixel::RGBA, self.settings.encoded_width, self.settings.encoded_height);
        let stride = rgba.stride(0);
        pad_into(frame, rgba.data_mut(0), stride, self.settings.encoded_height);
        rgba.set_pts(Some(pts));
        self.feed_graph(Some(&rgba)).map_err(|e| failed("colour conversion", e))?;
        self.convert_and_encode().map_err(|(what, e)| failed(what, e))?;
        self.frames += 1;
        Ok(())
    }

    /// Flushes the converter and the encoder and writes the MP4 trailer. Returns the frames written.
    pub(super) fn finish(mut self) -> Result<u64, EncodeError> {
        self.finalize()?;
        Ok(self.frames)
    }

    fn finalize(&mut self) -> Result<(), EncodeError> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        let path = self.path.clone();
        let failed =
            |what: &str, e: ff::Error| EncodeError::Finish { path: path.clone(), reason: format!("{what}: {e}") };
        self.feed_graph(None).map_err(|e| failed("flushing the colour conversion", e))?;
        self.convert_and_encode().map_err(|(what, e)| failed(what, e))?;
        self.encoder.send_eof().map_err(|e| failed("flushing the encoder", e))?;
        self.write_packets().map_err(|(what, e)| failed(what, e))?;
        self.output.write_trailer().map_err(|e| failed("writing the MP4 trailer", e))?;
        Ok(())
    }

    /// Hands `frame` to the filter graph's buffer source, or the end of the stream for `None`.
    fn feed_graph(&mut self, frame: Option<&frame::Video>) -> Result<(), ff::Error> {
        let mut source = self.graph.get("in").ok_or(ff::Error::Bug)?;
        match frame {
            Some(frame) => source.source().add(frame),
            None => source.source().flush(),
        }
    }

    /// Moves every converted frame from the filter graph into the encoder, and every packet to the
    /// file. An error comes with the step that failed.
    fn convert_and_encode(&mut self) -> Result<(), (&'static str, ff::Error)> {
        loop {
            let mut sink = self.graph.get("out").ok_or(("colour conversion", ff::Error::Bug))?;
            match sink.sink().frame(&mut self.yuv) {
                Ok(()) => {}
                Err(ff::Error::Other { errno: ff::error::EAGAIN }) | Err(ff::Error::Eof) => return Ok(()),
                Err(e) => return Err(("colour conversion", e)),
            }
            self.yuv.set_kind(ff::picture::Type::None);
            self.encoder.send_frame(&self.yuv).map_err(|e| ("encoding", e))?;
            self.write_packets()?;
        }
    }

    /// Writes every packet the encoder has ready.
    fn write_packets(&mut self) -> Result<(), (&'static str, ff::Error)> {
        loop {
            match self.encoder.receive_packet(&mut self.packet) {
                Ok(()) => {}
                Err(ff::Error::Other { errno: ff::error::EAGAIN }) | Err(ff::Error::Eof) => return Ok(()),
                Err(e) => return Err(("encoding", e)),
            }
            self.packet.set_stream(0);
            // Constant frame rate: each frame lasts exactly one tick of 1/fps.
            self.packet.set_duration(1);
            self.packet.rescale_ts(self.codec_time_base, self.stream_time_base);
            self.packet.write_interleaved(&mut self.output).map_err(|e| ("writing the file", e))?;
        }
    }
}

impl Drop for Mp4Writer {
    fn drop(&mut self) {
        if let Err(e) = self.finalize() {
            tracing::error!("{e}");
        }
    }
}

/// `buffer` (RGBA at the encoded size) → scale/format → `buffersink`, named `in` and `out`.
fn conversion_graph(settings: &WriterSettings) -> Result<filter::Graph, ff::Error> {
    let (num, den) = settings.fps;
    let mut graph = filter::Graph::new();
    let args = format!(
        "video_size={}x{}:pix_fmt=rgba:time_base={den}/{num}:pixel_aspect=1/1",
        settings.encoded_width, settings.encoded_height
    );
    graph.add(&filter::find("buffer").ok_or(ff::Error::FilterNotFound)?, "in", &args)?;
    graph.add(&filter::find("buffersink").ok_or(ff::Error::FilterNotFound)?, "out", "")?;
    graph.output("in", 0)?.input("out", 0)?.parse(CONVERT)?;
    graph.validate()?;
    Ok(graph)
}

/// Copies `frame` into an RGBA plane of `height` rows `stride` bytes apart that is at least as large,
/// repeating the last column and the last row into the padding.
fn pad_into(frame: &RgbaFrame, plane: &mut [u8], stride: usize, height: u32) {
    let row_bytes = frame.width as usize * 4;
    for (y, dst) in plane.chunks_mut(stride).take(height as usize).enumerate() {
        let src = frame.row((y as u32).min(frame.height - 1));
        dst[..row_bytes].copy_from_slice(src);
        let last = &src[row_bytes - 4..];
        for pixel in dst[row_bytes..].chunks_exact_mut(4) {
            pixel.copy_from_slice(last);
        }
    }
}

/// The FFmpeg URL for `path` after checking what can be checked up front, so the common mistakes get
/// a plain message: the parent folder must exist, and the file must not (it is created here, so a file
/// that appears meanwhile is never overwritten either).
fn check_output_path(path: &Path) -> Result<String, EncodeError> {
    let create = |reason: String| EncodeError::Create { path: path.display().to_string(), reason };
    let utf8 = path.to_str().ok_or_else(|| create("the path is not valid UTF-8, which FFmpeg needs".into()))?;
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(create(format!("directory {} does not exist", parent.display())));
    }
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => {
            return Err(create("the file already exists (recordings never overwrite)".into()))
        }
        Ok(meta) if meta.is_dir() => return Err(create("is a directory".into())),
        // A device or pipe (/dev/null): written to, it holds nothing to lose.
        Ok(_) => {}
        Err(_) => {
            std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => {
                    create("the file already exists (recordings never overwrite)".into())
                }
                _ => create(e.to_string()),
            })?;
        }
    }
    // The `file:` prefix keeps FFmpeg from reading a name like `a:b.mp4` as a protocol.
    Ok(format!("file:{utf8}"))
}
