//! `vidscope analyze A B C … --out-root DIR` (or `--inputs-from LIST`): many inputs in one process,
//! one output folder `DIR/<name>/` each, written exactly as `analyze INPUT --out DIR/<name>` writes it
//! (staging folder, manifest-based replacement, lock). Several inputs run at once (`--jobs`), each
//! with its own decode threads, frame pipeline and writer, on one GPU context, so a machine with many
//! cores keeps one GPU busy on compressed files. A folder that already holds a finished output of the
//! same input with the same settings is skipped, so an interrupted batch resumes where it stopped.
//!
//! `<name>` is the input's file name without its extension (an image-sequence pattern: its folder's
//! name; `synthetic:SPEC`: `synthetic-SPEC`); inputs that would share a name each get `-` and the
//! first 8 hex digits of the SHA-256 of their absolute path appended, so names never depend on the
//! order of the list.

use super::analyze::{run_analyze, run_settings, AnalyzeOptions};
use crate::gpu::GpuContext;
use crate::video::Shutdown;
use anyhow::Context as _;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub struct BatchOptions {
    pub inputs: Vec<String>,
    pub out_root: PathBuf,
    /// Inputs analysed at once.
    pub jobs: usize,
    /// The settings of every input (its `input` and `out` are replaced per input).
    pub template: AnalyzeOptions,
}

/// What a batch did, for its summary line.
#[derive(Debug, Default)]
pub struct BatchSummary {
    pub files: usize,
    pub analyzed: usize,
    pub skipped: usize,
    /// (input, error) of each input that failed.
    pub failed: Vec<(String, String)>,
    /// Frames analysed (skipped folders not counted).
    pub frames: u64,
    pub seconds: f64,
    pub out_root: PathBuf,
}

impl std::fmt::Display for BatchSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.seconds.max(1e-9);
        write!(
            f,
            "batch: {} file(s): {} analyzed, {} skipped (finished), {} failed; {} frames in {:.2} s: {:.2} files/s, {:.1} frames/s -> {}",
            self.files,
            self.analyzed,
            self.skipped,
            self.failed.len(),
            self.frames,
            self.seconds,
            self.analyzed as f64 / secs,
            self.frames as f64 / secs,
            self.out_root.display()
        )
    }
}

/// The folder name of each input under `--out-root` (see the module documentation), in order.
pub fn output_name(inputs: &[String]) -> Vec<String> {
    let names: Vec<String> = inputs.iter().map(|i| base_name(i)).collect();
    let mut uses: BTreeMap<&str, usize> = BTreeMap::new();
    for name in &names {
        *uses.entry(name.as_str()).or_default() += 1;
    }
    names
        .iter()
        .zip(inputs)
        .map(|(name, input)| match uses[name.as_str()] {
            1 => name.clone(),
            _ => format!("{name}-{}", path_hash(input)),
        })
        .collect()
}

/// The first 8 hex digits of the SHA-256 of `input`'s absolute path (as given when it has none).
fn path_hash(input: &str) -> String {
    let path = std::fs::canonicalize(input).map_or_else(|_| input.to_string(), |p| p.display().to_string());
    let digest = Sha256::digest(path.as_bytes());
    digest.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

/// The input's name before any clash is resolved.
fn base_name(input: &str) -> String {
    if let Some(spec) = input.strip_prefix("synthetic:") {
        return format!("synthetic-{}", spec.replace(['/', ':'], "_"));
    }
    let path = Path::new(input);
    // An image-sequence pattern (f%03d.png) names its frames, not the clip: take the folder's name.
    let pattern = path.file_name().is_some_and(|n| n.to_string_lossy().contains('%'));
    let name = if pattern {
        std::fs::canonicalize(path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")))
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
    } else {
        path.file_stem().map(|n| n.to_string_lossy().into_owned())
    };
    // No hidden folders (they would look like vidscope's staging folders).
    let name = name.unwrap_or_default().trim_start_matches('.').to_string();
    if name.is_empty() {
        "input".into()
    } else {
        name
    }
}

/// Whether `dir` holds a finished output of this input with these settings.
fn finished(dir: &Path, settings: &serde_json::Value) -> bool {
    let Ok(text) = std::fs::read_to_string(dir.join("manifest.json")) else {
        return false;
    };
    let Ok(manifest) = serde_json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    manifest.get("complete") == Some(&serde_json::Value::Bool(true)) && manifest.get("settings") == Some(settings)
}

/// Reads a list file: one input per line; blank lines and lines starting with `#` are skipped.
pub fn read_input_list(path: &Path) -> anyhow::Result<Vec<String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("--inputs-from {}: cannot read", path.display()))?;
    Ok(text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(String::from).collect())
}

/// Runs the batch, printing one line per input as it finishes (stdout) and returning the summary.
/// An input that fails does not stop the others; SIGINT/SIGTERM stops starting new ones and ends the
/// batch with the interruption once the running ones have cleaned up.
pub fn run_batch(ctx: &Arc<GpuContext>, opts: &BatchOptions) -> anyhow::Result<BatchSummary> {
    let start = Instant::now();
    anyhow::ensure!(!opts.inputs.is_empty(), "no input");
    let t = &opts.template;
    anyhow::ensure!(
        t.reference.is_none()
            && t.warp_params.is_none()
            && t.motion.flow.is_none()
            && t.symbols.is_none()
            && t.yuview_csv.is_none(),
        "--out-root: --ref, --warp-params, --flow, --symbols and --yuview-csv name one input's files; analyze such inputs one by one with --out"
    );
    // The same input twice is analysed once.
    let mut seen = std::collections::BTreeSet::new();
    let inputs: Vec<String> = opts
        .inputs
        .iter()
        .filter(|i| seen.insert(std::fs::canonicalize(i).map_or_else(|_| i.to_string(), |p| p.display().to_string())))
        .cloned()
        .collect();
    let names = output_name(&inputs);
    std::fs::create_dir_all(&opts.out_root)
        .with_context(|| format!("--out-root {}: cannot create", opts.out_root.display()))?;
    let shutdown = Shutdown::install().context("cannot install the SIGINT/SIGTERM handlers")?;
    let next = AtomicUsize::new(0);
    let total = inputs.len();
    let summary = Mutex::new(BatchSummary { files: total, out_root: opts.out_root.clone(), ..BatchSummary::default() });
    let interrupted: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let done = AtomicUsize::new(0);
    let jobs = opts.jobs.clamp(1, total);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                if shutdown.requested() {
                    return;
                }
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(input) = inputs.get(i) else {
                    return;
                };
                let out = opts.out_root.join(&names[i]);
                let file = AnalyzeOptions {
                    input: input.clone(),
                    out: out.clone(),
                    progress: false,
                    notices: false,
                    ..opts.template.clone()
                };
                let settings = serde_json::to_value(run_settings(&file)).unwrap_or_default();
                let result = if finished(&out, &settings) {
                    Ok(None)
                } else {
                    run_analyze(ctx, &file).map(Some)
                };
                let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                let mut s = summary.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                match result {
                    Ok(None) => {
                        s.skipped += 1;
                        println!("[{n}/{total}] skip {input}: {} is finished (same input and settings)", out.display());
                    }
                    Ok(Some(r)) => {
                        s.analyzed += 1;
                        s.frames += r.frames;
                        println!(
                            "[{n}/{total}] ok   {input} -> {}: {} frames of {}x{} in {:.2} s ({:.1} fps, {:.0} kB per frame)",
                            r.out.display(),
                            r.frames,
                            r.width,
                            r.height,
                            r.seconds,
                            r.frames as f64 / r.seconds.max(1e-9),
                            r.output_bytes as f64 / r.frames.max(1) as f64 / 1e3
                        );
                        for warning in [r.warning(), r.format_warning()].into_iter().flatten() {
                            eprintln!("vidscope: warning: {warning}");
                        }
                    }
                    Err(e) if e.downcast_ref::<crate::video::Interrupted>().is_some() => {
                        println!("[{n}/{total}] stop {input}: interrupted; its unfinished output was removed");
                        interrupted.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get_or_insert(e);
                    }
                    Err(e) => {
                        let message = format!("{e:#}").replace('\n', " ");
                        println!("[{n}/{total}] FAIL {input}: {message}");
                        s.failed.push((input.clone(), message));
                    }
                }
            });
        }
    });
    let mut summary = summary.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    summary.seconds = start.elapsed().as_secs_f64();
    if let Some(e) = interrupted.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner) {
        println!("{summary}");
        return Err(e);
    }
    shutdown.check(&format!("--out-root {}", opts.out_root.display()), "the inputs not started were left")?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_file_stems_and_clashing_ones_get_a_path_hash() {
        let inputs: Vec<String> =
            ["a/clip.mp4", "b/clip.mkv", "c/other.y4m", "synthetic:64x48@30/8", "seq/f%03d.png", ".hidden.mp4"]
                .map(String::from)
                .to_vec();
        let names = output_name(&inputs);
        assert!(names[0].starts_with("clip-") && names[1].starts_with("clip-"), "{names:?}");
        assert_ne!(names[0], names[1]);
        assert_eq!(names[0].len(), "clip-".len() + 8);
        assert_eq!(names[2], "other");
        assert_eq!(names[3], "synthetic-64x48@30_8");
        assert_eq!(names[5], "hidden");
        // The hash depends on the input alone, not on the list's order or the other inputs.
        let reversed: Vec<String> = inputs.iter().rev().cloned().collect();
        assert_eq!(output_name(&reversed)[4], names[1]);
        assert_eq!(base_name("clip.mp4"), "clip");
    }
}
