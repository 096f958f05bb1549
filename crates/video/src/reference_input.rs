//! The reference video (B) an input is compared with (`--ref`, `--ref-start`), and how its stream
//! differs from the input's beyond the pixels: one type and one report for every command.

use crate::StreamInfo;

/// The reference video (B): frame t of the input (A) is compared with frame t + `start` of B.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    pub input: String,
    /// `--ref-start`.
    pub start: usize,
}

/// Whether B can be compared with A from B's frame `start`: the same size, and a frame at `start`
/// when B's frame count is known. The one check every command makes (the driver when it opens the
/// pair, the viewer and `record` before anything opens); the message names B.
pub fn check_comparable(a: &StreamInfo, b: &StreamInfo, start: usize) -> Result<(), String> {
    if (b.width, b.height) != (a.width, a.height) {
        return Err(format!(
            "--ref {}: {}x{} differs from {} ({}x{}); compared videos must have the same size",
            b.input, b.width, b.height, a.input, a.width, a.height
        ));
    }
    match b.frame_count {
        Some(n) if start as u64 >= n => {
            Err(format!("--ref-start {start}: {} has {n} frames (0..={})", b.input, n.saturating_sub(1)))
        }
        _ => Ok(()),
    }
}

/// How B's stream differs from A's beyond its pixels (frame rate, pixel format): one line each,
/// empty when it does not. (Their sizes must match; the driver refuses them otherwise.)
pub fn reference_differences(a: &StreamInfo, b: &StreamInfo) -> Vec<String> {
    let mut lines = Vec::new();
    if (a.fps - b.fps).abs() > 1e-3 {
        lines.push(format!(
            "{} runs at {:.3} fps, {} at {:.3} fps; frames are compared by index",
            b.input, b.fps, a.input, a.fps
        ));
    }
    if a.pixel_format != b.pixel_format {
        lines.push(format!(
            "{} is {}, {} is {}; both are compared as 8-bit luma",
            b.input, b.pixel_format, a.input, a.pixel_format
        ));
    }
    lines
}

/// `--ref-start`: a frame of B, or `auto[:K]`: the offset in −K..=K (default 30) whose frames match
/// best (`find_offset`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefStart {
    At(usize),
    Auto(u32),
}

impl Default for RefStart {
    fn default() -> Self {
        RefStart::At(0)
    }
}

impl std::str::FromStr for RefStart {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("{text:?}: expected a frame number or auto[:K] (K in 1..=300)");
        match text.strip_prefix("auto") {
            Some("") => Ok(RefStart::Auto(30)),
            Some(k) => k
                .strip_prefix(':')
                .and_then(|k| k.parse().ok())
                .filter(|k| (1..=300).contains(k))
                .map(RefStart::Auto)
                .ok_or_else(bad),
            None => text.parse().map(RefStart::At).map_err(|_| bad()),
        }
    }
}

/// Frames of A compared at each candidate offset.
const OFFSET_WINDOW: usize = 10;

/// The result of `find_offset`: the best offset and the runner-up, each with its mean luma MSE.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OffsetSearch {
    pub best: (i64, f64),
    pub runner_up: Option<(i64, f64)>,
}

/// Tries every offset o in −k..=k: frame t of A against frame t + o of B, over A's frames
/// k..k + 10 (fewer when a video is shorter), by mean luma MSE; the lowest wins (ties: the smaller |o|,
/// then the smaller o).
pub fn find_offset(input: &str, reference: &str, k: u32) -> Result<OffsetSearch, crate::VideoError> {
    let k = k as usize;
    let read = |path: &str, n: usize| -> Result<Vec<Vec<u8>>, crate::VideoError> {
        let mut source = crate::open(path)?;
        let mut frames = Vec::new();
        while frames.len() < n {
            match source.next_frame()? {
                Some(f) => frames.push(f.data),
                None => break,
            }
        }
        Ok(frames)
    };
    let a = read(input, k + OFFSET_WINDOW)?;
    let b = read(reference, 2 * k + OFFSET_WINDOW)?;
    let mut scores = Vec::new();
    for o in -(k as i64)..=k as i64 {
        let pairs: Vec<(&Vec<u8>, &Vec<u8>)> = (k..a.len())
            .filter_map(|t| Some((&a[t], b.get(usize::try_from(t as i64 + o).ok()?)?)))
            .filter(|(x, y)| x.len() == y.len())
            .collect();
        if pairs.is_empty() {
            continue;
        }
        let sse: f64 = pairs
            .iter()
            .map(|(x, y)| x.iter().zip(y.iter()).map(|(p, q)| f64::from(p.abs_diff(*q)).powi(2)).sum::<f64>())
            .sum();
        scores.push((o, sse / (pairs.len() * pairs[0].0.len()) as f64));
    }
    scores.sort_by(|x, y| x.1.total_cmp(&y.1).then(x.0.abs().cmp(&y.0.abs())).then(x.0.cmp(&y.0)));
    let best = *scores.first().ok_or_else(|| crate::VideoError::Open {
        path: reference.to_string(),
        reason: format!("--ref-start auto: no frames to compare (it needs {} frames of {input})", k + 1),
    })?;
    Ok(OffsetSearch { best, runner_up: scores.get(1).copied() })
}

impl Reference {
    /// The reference for `--ref REF --ref-start START` of `input`: `auto[:K]` searches the offset, says
    /// what it chose and the runner-up on stderr, and refuses a negative one (B behind A: swap them).
    pub fn resolve(input: &str, reference: String, start: RefStart) -> Result<Reference, String> {
        let k = match start {
            RefStart::At(start) => return Ok(Reference { input: reference, start }),
            RefStart::Auto(k) => k,
        };
        let found = find_offset(input, &reference, k).map_err(|e| e.to_string())?;
        let (best, mse) = found.best;
        let runner = found.runner_up.map_or(String::new(), |(o, m)| format!("; runner-up {o} (MSE {m:.3})"));
        eprintln!("vidscope: --ref-start auto:{k}: offset {best} (luma MSE {mse:.3}){runner}");
        if best < 0 {
            return Err(format!(
                "--ref-start auto:{k}: {reference} runs {} frames behind {input} (offset {best}); B is read from a frame at or after A's, so swap them: {reference} as INPUT with --ref {input} --ref-start {}",
                -best, -best
            ));
        }
        Ok(Reference { input: reference, start: best as usize })
    }
}
