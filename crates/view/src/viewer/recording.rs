//! Recording the composite to MP4 and saving snapshots: file names, the frame rate as a fraction,
//! and the REC indicator (drawn after the capture, so it is on screen but not in the file).

use crate::gpu::Screenshot;
use crate::video::{fps_fraction, Mp4Recorder, RecorderOptions, RgbaFrame};
use anyhow::Context as _;
use std::path::{Path, PathBuf};
use std::time::Instant;
use vidscope_core::safe_fs::{ReadPaths, StagedFile};

/// A recording in progress: one MP4 frame per video frame shown while it runs.
pub struct Recording {
    recorder: Mp4Recorder,
    pub path: PathBuf,
    started: Instant,
    /// The composite size the file was started with.
    pub size: (u32, u32),
    /// The last video frame captured, so a frame shown for several redraws is written once.
    pub last_frame: Option<usize>,
    pub frames: u64,
}

impl Recording {
    pub fn start(path: PathBuf, size: (u32, u32), fps: f64) -> anyhow::Result<Recording> {
        let recorder = Mp4Recorder::start(&path, size.0, size.1, fps_fraction(fps), &RecorderOptions::default())?;
        Ok(Recording { recorder, path, started: Instant::now(), size, last_frame: None, frames: 0 })
    }

    /// Queues one frame for the encoder thread (waits while its bounded queue is full).
    pub fn push(&mut self, shot: Screenshot) -> anyhow::Result<()> {
        self.recorder.push(RgbaFrame::new(shot.width, shot.height, shot.rgba))?;
        self.frames += 1;
        Ok(())
    }

    /// Writes the rest and the file's index; returns a one-line summary. A recording that got no
    /// frame is removed rather than left as a file no player opens.
    pub fn finish(self) -> anyhow::Result<String> {
        let summary = self.recorder.finish()?;
        if summary.frames == 0 {
            std::fs::remove_file(&summary.path)
                .with_context(|| format!("{}: cannot remove the empty recording", summary.path.display()))?;
            return Ok(format!("no frame was recorded: {} not kept", summary.path.display()));
        }
        Ok(format!(
            "recorded {} frames ({}x{}) to {}",
            summary.frames,
            summary.width,
            summary.height,
            summary.path.display()
        ))
    }

    pub fn elapsed_secs(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

/// The names `DIR/<input stem>-<mode>-f<frame>[-N][.<ext>]` (no extension when `ext` is empty) in
/// order: the plain one, then `-2`, `-3`, ...
fn candidates<'a>(
    dir: &'a Path,
    input: &str,
    mode: &str,
    frame: usize,
    ext: &'a str,
) -> impl Iterator<Item = PathBuf> + 'a {
    let stem = Path::new(input).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let stem: String = stem.chars().map(|c| if c.is_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    let base = format!("{stem}-{mode}-f{frame:06}");
    let dot = if ext.is_empty() { "" } else { "." };
    (1..).map(move |n| match n {
        1 => dir.join(format!("{base}{dot}{ext}")),
        n => dir.join(format!("{base}-{n}{dot}{ext}")),
    })
}

/// The first of the [`candidates`] names that does not exist yet.
pub fn output_path(dir: &Path, input: &str, mode: &str, frame: usize, ext: &str) -> PathBuf {
    candidates(dir, input, mode, frame, ext).find(|p| std::fs::symlink_metadata(p).is_err()).expect("endless names")
}

/// Creates a new file or folder under the first free [`candidates`] name with `create`, which must fail
/// with `AlreadyExists` on a taken name (`create_new`, `create_dir`): a name is never reused, also
/// when presses come faster than the files appear or another process writes there too.
pub fn create_unique<T>(
    dir: &Path,
    input: &str,
    mode: &str,
    frame: usize,
    ext: &str,
    mut create: impl FnMut(&Path) -> std::io::Result<T>,
) -> anyhow::Result<(PathBuf, T)> {
    for path in candidates(dir, input, mode, frame, ext).take(100_000) {
        match create(&path) {
            Ok(made) => return Ok((path, made)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => anyhow::bail!("{}: cannot create: {e}", path.display()),
        }
    }
    anyhow::bail!("{}: no free name for frame {frame}'s {mode} output", dir.display())
}

/// Saves a snapshot as `DIR/<input stem>-<mode>-f<frame>[-N].png`, never replacing a file.
pub fn save_snapshot(dir: &Path, input: &str, mode: &str, frame: usize, shot: &Screenshot) -> anyhow::Result<PathBuf> {
    let new_file = |p: &Path| std::fs::OpenOptions::new().write(true).create_new(true).open(p);
    let (path, file) = create_unique(dir, input, mode, frame, "png", new_file)?;
    write_png(file, &path, shot)?;
    Ok(path)
}

/// Refuses a `--screenshot` path that is not a `.png` name (only PNG is written) or is a file the run
/// reads; checked before the window opens.
pub fn check_screenshot_path(path: &Path, reads: &ReadPaths) -> anyhow::Result<()> {
    let png = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("png"));
    anyhow::ensure!(png, "--screenshot {}: vidscope writes PNG; give the file a .png name", path.display());
    reads.check_file("--screenshot", path)
}

/// Saves an RGBA picture as PNG at `path` (`--screenshot FILE`, a name the user chose: replaced, but
/// never an input), written under a staging name and moved into place when complete.
pub fn save_png(path: &Path, reads: &ReadPaths, shot: &Screenshot) -> anyhow::Result<()> {
    check_screenshot_path(path, reads)?;
    let staged = StagedFile::create("--screenshot", path, reads, true)?;
    let file = std::fs::File::create(staged.path())
        .with_context(|| format!("--screenshot {}: cannot create", path.display()))?;
    write_png(file, path, shot)?;
    staged.commit().map(|_| ()).map_err(|e| anyhow::anyhow!("--screenshot {e}"))
}

fn write_png(file: std::fs::File, path: &Path, shot: &Screenshot) -> anyhow::Result<()> {
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), shot.width, shot.height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().with_context(|| format!("{}: cannot write", path.display()))?;
    writer.write_image_data(&shot.rgba).with_context(|| format!("{}: cannot write", path.display()))?;
    writer.finish().with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(())
}

/// The REC indicator (red dot, elapsed time, frames written) at the top centre of a `screen` of
/// egui points, as shapes to tessellate separately from the rest of the UI.
pub fn rec_indicator(painter: &egui::Painter, screen: egui::Rect, elapsed: f64, frames: u64) -> Vec<egui::Shape> {
    let text = format!("REC {:02}:{:04.1}  {frames} frames", (elapsed / 60.0) as u32, elapsed % 60.0);
    let galley = painter.layout_no_wrap(text, egui::FontId::monospace(14.0), egui::Color32::WHITE);
    let size = galley.size() + egui::vec2(34.0, 10.0);
    let rect = egui::Rect::from_min_size(egui::pos2(screen.center().x - size.x / 2.0, screen.top() + 6.0), size);
    let dot = egui::pos2(rect.left() + 14.0, rect.center().y);
    vec![
        egui::Shape::rect_filled(rect, 6.0, egui::Color32::from_black_alpha(190)),
        egui::Shape::circle_filled(dot, 6.0, egui::Color32::from_rgb(230, 30, 30)),
        egui::Shape::galley(egui::pos2(rect.left() + 26.0, rect.top() + 5.0), galley, egui::Color32::WHITE),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_are_taken_atomically_for_files_and_folders() {
        let dir = tempfile::tempdir().unwrap();
        let new_file = |p: &Path| std::fs::OpenOptions::new().write(true).create_new(true).open(p);
        let names: Vec<PathBuf> =
            (0..3).map(|_| create_unique(dir.path(), "c.mp4", "raw", 7, "png", new_file).unwrap().0).collect();
        let want = ["c-raw-f000007.png", "c-raw-f000007-2.png", "c-raw-f000007-3.png"].map(|n| dir.path().join(n));
        assert_eq!(names, want);
        // Folders (E exports) are numbered on the folder name itself.
        let a = create_unique(dir.path(), "c.mp4", "stats", 7, "", |p| std::fs::create_dir(p)).unwrap().0;
        let b = create_unique(dir.path(), "c.mp4", "stats", 7, "", |p| std::fs::create_dir(p)).unwrap().0;
        assert_eq!((a, b), (dir.path().join("c-stats-f000007"), dir.path().join("c-stats-f000007-2")));
    }

    #[test]
    fn output_names_carry_input_mode_and_frame_and_never_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let p = output_path(dir.path(), "/videos/my clip.mp4", "diff", 42, "png");
        assert_eq!(p, dir.path().join("my_clip-diff-f000042.png"));
        std::fs::write(&p, b"x").unwrap();
        assert_eq!(
            output_path(dir.path(), "/videos/my clip.mp4", "diff", 42, "png"),
            dir.path().join("my_clip-diff-f000042-2.png")
        );
    }
}
