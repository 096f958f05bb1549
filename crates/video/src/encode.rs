//! Recording RGBA frames to an H.264 MP4 on an encoder thread behind a bounded queue.
//!
//! What the file is (the FFmpeg side is `mp4_writer.rs`, feature `ffmpeg`):
//! - **H.264** (libx264, `crf` 16 and preset `veryfast` by default, no B-frames, a keyframe every
//!   second of frames), **yuv420p**, in a **fragmented MP4** (`movflags=+frag_keyframe+empty_moov+
//!   default_base_moof`, the file flushed after every packet): everything up to the last complete
//!   fragment (keyframe interval) plays even if the process is killed (SIGKILL, power loss). The
//!   price: the `moov` box has no sample table, so `ffprobe` reports `nb_frames=N/A` (count with
//!   `-count_packets`); the trailer adds an `mfra` index for seeking.
//! - **Colour**: RGBA is taken as sRGB-like display RGB and converted by swscale with the **BT.709**
//!   matrix into **limited range** (Y 16–235); the stream and the H.264 VUI are tagged `bt709` for
//!   matrix, primaries and transfer and `tv` for range, so players and `ffprobe` agree on it.
//! - **Frames and time**: one coded frame per pushed frame, none dropped or repeated; frame k has
//!   pts k in the time base 1/fps (constant frame rate, `r_frame_rate` = `avg_frame_rate` = fps).
//! - **Odd sizes**: yuv420p needs even dimensions, so an odd width or height is padded by one by
//!   repeating the last column / row; the top-left `width x height` of the encoded picture is the
//!   input. [`RecordingSummary`] gives both sizes.
//! - **The file**: never overwritten: an existing regular file at the path is refused (a device such
//!   as `/dev/null` is written to; callers that replace a file write a fresh temporary one and rename
//!   it, see `safe_fs::StagedFile`); the parent folder must exist. **Container** by the name's extension ([`Container`]): `.mp4`/`.m4v` the fragmented
//!   MP4 above, `.mkv` Matroska (same H.264 stream and tags; clusters flushed after every packet, no
//!   fragment promise); any other extension is refused.
//!
//! [`Mp4Recorder::push`] blocks while the queue is full, so a caller faster than the encoder is
//! slowed down rather than losing frames. An error on the encoder thread ends the recording (the
//! thread still writes the trailer for what it has) and is returned by the next `push` and by
//! `finish`. Dropping a recorder without `finish` finishes the file too; a process that exits
//! without running destructors (`std::process::exit`, a signal) leaves the fragments written so far.
//! See `shutdown.rs` for turning SIGINT/SIGTERM into a clean finish.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use super::{EncodeError, RgbaFrame};

#[cfg(feature = "ffmpeg")]
use super::mp4_writer::Mp4Writer;
#[cfg(not(feature = "ffmpeg"))]
use no_ffmpeg::Mp4Writer;

/// The x264 presets, fastest first.
pub const X264_PRESETS: [&str; 10] =
    ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"];

/// The file format around the H.264 stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    /// Fragmented MP4 (`.mp4`, `.m4v`).
    Mp4,
    /// Matroska (`.mkv`).
    Matroska,
}

impl Container {
    /// By the extension of `path`: `.mp4`/`.m4v` → MP4, `.mkv` → Matroska; anything else is refused.
    pub fn from_path(path: &Path) -> Result<Container, EncodeError> {
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("mp4" | "m4v") => Ok(Container::Mp4),
            Some("mkv") => Ok(Container::Matroska),
            _ => Err(EncodeError::BadSettings {
                path: path.display().to_string(),
                reason: "unsupported container (the name must end in .mp4, .m4v or .mkv)".into(),
            }),
        }
    }

    /// The FFmpeg muxer.
    pub fn muxer(self) -> &'static str {
        match self {
            Container::Mp4 => "mp4",
            Container::Matroska => "matroska",
        }
    }
}

/// Encoder settings; [`Default`] gives the documented ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecorderOptions {
    /// x264 constant rate factor, 0 (lossless) ..= 51; lower is better. Default 16 (visually lossless).
    pub crf: u8,
    /// One of [`X264_PRESETS`]. Default `veryfast`.
    pub preset: String,
    /// Frames from one keyframe to the next (also the MP4 fragment length); `None`: one second of
    /// frames, `round(fps)`, at least 1.
    pub keyframe_interval: Option<u32>,
    /// Frames the queue holds before `push` blocks, 1 ..= 64. Default 6.
    pub queue_capacity: usize,
    /// The file format; `None` (default): by the path's extension ([`Container::from_path`]).
    pub container: Option<Container>,
}

impl Default for RecorderOptions {
    fn default() -> Self {
        RecorderOptions {
            crf: 16,
            preset: "veryfast".into(),
            keyframe_interval: None,
            queue_capacity: 6,
            container: None,
        }
    }
}

/// What [`Mp4Recorder::finish`] reports.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordingSummary {
    pub path: PathBuf,
    /// Frames written: exactly the frames pushed.
    pub frames: u64,
    /// The size of the pushed frames.
    pub width: u32,
    pub height: u32,
    /// The coded size: `width` and `height` rounded up to even numbers (see the module documentation).
    pub encoded_width: u32,
    pub encoded_height: u32,
    /// Size of the finished file.
    pub bytes: u64,
    /// Seconds the encoder thread spent converting, encoding and writing (not waiting for frames).
    pub encode_seconds: f64,
}

/// Everything the writer needs, validated.
#[derive(Clone, Debug)]
// Without FFmpeg the writer never opens, so some fields are only validated.
#[cfg_attr(not(feature = "ffmpeg"), allow(dead_code))]
pub(super) struct WriterSettings {
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) encoded_width: u32,
    pub(super) encoded_height: u32,
    /// (numerator, denominator), both > 0.
    pub(super) fps: (i32, i32),
    pub(super) crf: u8,
    pub(super) preset: String,
    pub(super) keyframe_interval: u32,
    pub(super) container: Container,
}

/// What the encoder thread returns.
struct ThreadReport {
    frames: u64,
    encode_seconds: f64,
}

/// Records frames to an MP4 file; see the module documentation.
pub struct Mp4Recorder {
    path: PathBuf,
    settings: WriterSettings,
    capacity: usize,
    /// `None` once finished (or dropped).
    tx: Option<SyncSender<RgbaFrame>>,
    handle: Option<JoinHandle<Result<ThreadReport, EncodeError>>>,
    /// Frames pushed but not yet taken by the encoder thread.
    queued: Arc<AtomicUsize>,
    pushed: u64,
    /// Set when the encoder thread has stopped with an error; every later call returns it.
    failed: Option<EncodeError>,
}

impl Mp4Recorder {
    /// Creates `path` (an existing file is refused), writes the header, and starts the encoder thread for frames
    /// of `width x height` at `fps` = (numerator, denominator) frames per second, e.g. (30, 1) or
    /// (30000, 1001).
    pub fn start(
        path: &Path,
        width: u32,
        height: u32,
        fps: (i32, i32),
        options: &RecorderOptions,
    ) -> Result<Mp4Recorder, EncodeError> {
        let settings = validate(path, width, height, fps, options)?;
        let writer = Mp4Writer::open(path, &settings)?;
        let capacity = options.queue_capacity;
        let (tx, rx) = mpsc::sync_channel::<RgbaFrame>(capacity);
        let queued = Arc::new(AtomicUsize::new(0));
        let thread_queued = Arc::clone(&queued);
        let handle = std::thread::Builder::new()
            .name("vidscope-encode".into())
            .spawn(move || {
                let mut writer = writer;
                let mut encode_seconds = 0.0;
                for frame in rx.iter() {
                    thread_queued.fetch_sub(1, Ordering::SeqCst);
                    let start = Instant::now();
                    // On error the writer is dropped here, which finishes the file so far.
                    writer.write(&frame)?;
                    encode_seconds += start.elapsed().as_secs_f64();
                }
                let start = Instant::now();
                let frames = writer.finish()?;
                encode_seconds += start.elapsed().as_secs_f64();
                Ok(ThreadReport { frames, encode_seconds })
            })
            .map_err(|e| EncodeError::Create {
                path: path.display().to_string(),
                reason: format!("cannot start the encoder thread: {e}"),
            })?;
        tracing::info!(
            "recording {}: {width}x{height} (encoded {}x{}) at {}/{} fps, libx264 crf {} preset {}",
            path.display(),
            settings.encoded_width,
            settings.encoded_height,
            fps.0,
            fps.1,
            settings.crf,
            settings.preset
        );
        Ok(Mp4Recorder {
            path: path.to_path_buf(),
            settings,
            capacity,
            tx: Some(tx),
            handle: Some(handle),
            queued,
            pushed: 0,
            failed: None,
        })
    }

    /// Queues `frame` (RGBA, `width x height` as given to `start`), blocking while the queue is full.
    /// A frame of the wrong size is rejected without ending the recording; an encoder failure ends it
    /// and is returned now and by every later call.
    pub fn push(&mut self, frame: RgbaFrame) -> Result<(), EncodeError> {
        let tx = self.ready(&frame)?;
        self.queued.fetch_add(1, Ordering::SeqCst);
        match tx.send(frame) {
            Ok(()) => {
                self.pushed += 1;
                Ok(())
            }
            Err(_) => {
                self.queued.fetch_sub(1, Ordering::SeqCst);
                Err(self.stopped())
            }
        }
    }

    /// Like [`Self::push`] but never blocks: `Ok(Some(frame))` hands the frame back when the queue is
    /// full (nothing was queued), `Ok(None)` means it was queued.
    pub fn try_push(&mut self, frame: RgbaFrame) -> Result<Option<RgbaFrame>, EncodeError> {
        let tx = self.ready(&frame)?;
        self.queued.fetch_add(1, Ordering::SeqCst);
        match tx.try_send(frame) {
            Ok(()) => {
                self.pushed += 1;
                Ok(None)
            }
            Err(TrySendError::Full(frame)) => {
                self.queued.fetch_sub(1, Ordering::SeqCst);
                Ok(Some(frame))
            }
            Err(TrySendError::Disconnected(_)) => {
                self.queued.fetch_sub(1, Ordering::SeqCst);
                Err(self.stopped())
            }
        }
    }

    /// Frames waiting in the queue (pushed, not yet taken by the encoder thread). It can read one more
    /// than [`Self::capacity`] for the instant between the thread taking a frame and counting it.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::SeqCst)
    }

    /// The most frames the queue holds before `push` blocks.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Frames accepted so far.
    pub fn frames_pushed(&self) -> u64 {
        self.pushed
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The coded size (width and height rounded up to even).
    pub fn encoded_size(&self) -> (u32, u32) {
        (self.settings.encoded_width, self.settings.encoded_height)
    }

    /// Encodes what is queued, writes the trailer, and reports. Every pushed frame is in the file.
    pub fn finish(mut self) -> Result<RecordingSummary, EncodeError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let report = self.join()?;
        let shown = self.path.display().to_string();
        if report.frames != self.pushed {
            return Err(EncodeError::Finish {
                path: shown,
                reason: format!("wrote {} frames but {} were pushed", report.frames, self.pushed),
            });
        }
        let bytes = std::fs::metadata(&self.path)
            .map_err(|e| EncodeError::Finish { path: shown, reason: e.to_string() })?
            .len();
        let summary = RecordingSummary {
            path: self.path.clone(),
            frames: report.frames,
            width: self.settings.width,
            height: self.settings.height,
            encoded_width: self.settings.encoded_width,
            encoded_height: self.settings.encoded_height,
            bytes,
            encode_seconds: report.encode_seconds,
        };
        tracing::info!(
            "recorded {} frames to {} ({} bytes, {:.1} fps encode)",
            summary.frames,
            self.path.display(),
            bytes,
            summary.frames as f64 / summary.encode_seconds.max(1e-9)
        );
        Ok(summary)
    }

    /// The sender when the recorder is running and `frame` fits it.
    fn ready(&mut self, frame: &RgbaFrame) -> Result<SyncSender<RgbaFrame>, EncodeError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let bad = |reason: String| EncodeError::BadFrame {
            path: self.path.display().to_string(),
            frame: self.pushed,
            reason,
        };
        frame.check().map_err(bad)?;
        let (w, h) = (self.settings.width, self.settings.height);
        if (frame.width, frame.height) != (w, h) {
            return Err(bad(format!("it is {}x{} but the recording is {w}x{h}", frame.width, frame.height)));
        }
        if self.handle.as_ref().is_some_and(|h| h.is_finished()) {
            return Err(self.stopped());
        }
        match &self.tx {
            Some(tx) => Ok(tx.clone()),
            None => Err(self.stopped()),
        }
    }

    /// The encoder thread has ended early: its error, remembered for later calls.
    fn stopped(&mut self) -> EncodeError {
        let error = match self.join() {
            Err(e) => e,
            Ok(_) => EncodeError::ThreadDied { path: self.path.display().to_string() },
        };
        self.failed = Some(error.clone());
        error
    }

    /// Closes the queue and waits for the encoder thread to finish the file.
    fn join(&mut self) -> Result<ThreadReport, EncodeError> {
        self.tx = None;
        let died = || EncodeError::ThreadDied { path: self.path.display().to_string() };
        match self.handle.take() {
            Some(handle) => handle.join().map_err(|_| died())?,
            None => Err(self.failed.clone().unwrap_or_else(died)),
        }
    }
}

impl Drop for Mp4Recorder {
    /// Finishes the file (encodes the queued frames, writes the trailer) if `finish` was not called.
    fn drop(&mut self) {
        if self.handle.is_none() {
            return;
        }
        match self.join() {
            Ok(report) => {
                tracing::info!("recorded {} frames to {} (recorder dropped)", report.frames, self.path.display())
            }
            Err(e) => tracing::error!("{e}"),
        }
    }
}

/// Checks the settings and works out the encoded size and keyframe interval.
fn validate(
    path: &Path,
    width: u32,
    height: u32,
    fps: (i32, i32),
    options: &RecorderOptions,
) -> Result<WriterSettings, EncodeError> {
    let bad = |reason: String| EncodeError::BadSettings { path: path.display().to_string(), reason };
    // H.264 levels end at 8192x4320 (level 6.2 allows up to 139264 macroblocks); leave some room.
    const MAX_SIDE: u32 = 16384;
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(bad(format!("size {width}x{height} (each side must be 1..={MAX_SIDE})")));
    }
    let (num, den) = fps;
    if num <= 0 || den <= 0 || f64::from(num) / f64::from(den) > 1000.0 {
        return Err(bad(format!("frame rate {num}/{den} (must be positive and at most 1000 fps)")));
    }
    if options.crf > 51 {
        return Err(bad(format!("crf {} (must be 0..=51)", options.crf)));
    }
    if !X264_PRESETS.contains(&options.preset.as_str()) {
        return Err(bad(format!("preset {:?} (one of {})", options.preset, X264_PRESETS.join(", "))));
    }
    if !(1..=64).contains(&options.queue_capacity) {
        return Err(bad(format!("queue capacity {} (must be 1..=64)", options.queue_capacity)));
    }
    let container = match options.container {
        Some(c) => c,
        None => Container::from_path(path)?,
    };
    let one_second = (f64::from(num) / f64::from(den)).round().max(1.0) as u32;
    let keyframe_interval = options.keyframe_interval.unwrap_or(one_second);
    if keyframe_interval == 0 {
        return Err(bad("keyframe interval 0 (must be at least 1)".into()));
    }
    Ok(WriterSettings {
        width,
        height,
        encoded_width: width + (width & 1),
        encoded_height: height + (height & 1),
        fps,
        crf: options.crf,
        preset: options.preset.clone(),
        keyframe_interval,
        container,
    })
}

/// The writer of a build without FFmpeg: it cannot be opened.
#[cfg(not(feature = "ffmpeg"))]
mod no_ffmpeg {
    use super::{EncodeError, Path, RgbaFrame, WriterSettings};

    pub(super) enum Mp4Writer {}

    impl Mp4Writer {
        pub(super) fn open(path: &Path, _settings: &WriterSettings) -> Result<Self, EncodeError> {
            Err(EncodeError::NoFfmpeg { path: path.display().to_string() })
        }

        pub(super) fn write(&mut self, _frame: &RgbaFrame) -> Result<(), EncodeError> {
            match *self {}
        }

        pub(super) fn finish(self) -> Result<u64, EncodeError> {
            match self {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(w: u32, h: u32, fps: (i32, i32), options: &RecorderOptions) -> Result<WriterSettings, EncodeError> {
        validate(Path::new("out.mp4"), w, h, fps, options)
    }

    #[test]
    fn odd_sizes_round_up_to_even() {
        let o = RecorderOptions::default();
        let s = settings(161, 91, (30, 1), &o).unwrap();
        assert_eq!((s.encoded_width, s.encoded_height), (162, 92));
        let s = settings(1, 1, (30, 1), &o).unwrap();
        assert_eq!((s.encoded_width, s.encoded_height), (2, 2));
        let s = settings(1280, 720, (30, 1), &o).unwrap();
        assert_eq!((s.encoded_width, s.encoded_height), (1280, 720));
    }

    #[test]
    fn keyframe_interval_defaults_to_one_second() {
        let o = RecorderOptions::default();
        assert_eq!(settings(8, 8, (30, 1), &o).unwrap().keyframe_interval, 30);
        assert_eq!(settings(8, 8, (30000, 1001), &o).unwrap().keyframe_interval, 30);
        assert_eq!(settings(8, 8, (1, 2), &o).unwrap().keyframe_interval, 1);
        let o = RecorderOptions { keyframe_interval: Some(7), ..Default::default() };
        assert_eq!(settings(8, 8, (30, 1), &o).unwrap().keyframe_interval, 7);
    }

    #[test]
    fn bad_settings_are_one_line_errors_naming_the_file() {
        let o = RecorderOptions::default();
        let cases = [
            settings(0, 8, (30, 1), &o),
            settings(8, 20000, (30, 1), &o),
            settings(8, 8, (0, 1), &o),
            settings(8, 8, (30, -1), &o),
            settings(8, 8, (30, 1), &RecorderOptions { crf: 52, ..Default::default() }),
            settings(8, 8, (30, 1), &RecorderOptions { preset: "quick".into(), ..Default::default() }),
            settings(8, 8, (30, 1), &RecorderOptions { queue_capacity: 0, ..Default::default() }),
            settings(8, 8, (30, 1), &RecorderOptions { keyframe_interval: Some(0), ..Default::default() }),
        ];
        for case in cases {
            let e = case.unwrap_err().to_string();
            assert!(e.starts_with("out.mp4: bad recording settings: "), "{e}");
            assert!(!e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn frames_are_checked_against_their_buffer() {
        assert!(RgbaFrame::new(3, 2, vec![0; 24]).check().is_ok());
        assert!(RgbaFrame::new(3, 2, vec![0; 23]).check().is_err());
        assert!(RgbaFrame::new(0, 2, vec![]).check().is_err());
        // Row pitch 16: the last row needs only 12 bytes.
        let f = RgbaFrame::with_stride(3, 2, 16, (0..28).collect());
        assert!(f.check().is_ok());
        assert_eq!(f.row(1), &(16..28).collect::<Vec<u8>>()[..]);
        assert!(RgbaFrame::with_stride(3, 2, 8, vec![0; 64]).check().is_err());
    }

    #[cfg(not(feature = "ffmpeg"))]
    #[test]
    fn without_ffmpeg_start_says_so() {
        let e = Mp4Recorder::start(Path::new("x.mp4"), 8, 8, (30, 1), &RecorderOptions::default()).err().unwrap();
        assert_eq!(e.to_string(), "x.mp4: recording needs the ffmpeg feature (this build has no FFmpeg support)");
    }
}
