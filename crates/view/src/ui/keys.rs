//! The key map: what each key does to the [`Settings`], or the [`Action`] it asks for.

use super::model::{Action, Colormap, Metric, Mode, Settings, SPEEDS};
use crate::reference::{BlockSize, SearchRange};
use winit::keyboard::{Key, NamedKey};

fn cycle<T: Copy + PartialEq>(all: &[T], current: T) -> T {
    let i = all.iter().position(|x| *x == current).unwrap_or(0);
    all[(i + 1) % all.len()]
}

fn speed_step(speed: f32, up: bool) -> f32 {
    let i = SPEEDS.iter().position(|s| (*s - speed).abs() < 1e-3).unwrap_or(2);
    if up {
        SPEEDS[(i + 1).min(SPEEDS.len() - 1)]
    } else {
        SPEEDS[i.saturating_sub(1)]
    }
}

/// The key bindings (shown in the README and the controls panel).
pub const KEYS: &[(&str, &str)] = &[
    ("1 2 3 4", "mode: raw, diff, heatmap over raw, heatmap over diff"),
    ("5 6 7", "mode: motion-compensated prediction, residual |cur − pred|, diff | residual side by side"),
    ("8", "mode: one trit plane of the residual symbols (−1 blue, 0 dark gray, +1 orange)"),
    ("9", "mode: flow, each block's motion on the colour wheel (full saturation at the flow scale)"),
    ("click", "pin / unpin the block under the pointer (its readout and cost surface)"),
    ("X", "with --ref: cycle A, B, |A − B| (amplified), A − B + 128, mark differences (A ≠ B in magenta)"),
    ("W", "with --ref: wipe, A left of the divider and B right (drag the divider)"),
    ("+ / −", "|A − B| amplification ×2 / ÷2 (×1…×64)"),
    ("T", "cycle the trit plane shown (0 = most significant)"),
    ("space", "play / pause"),
    ("→ / ←", "step one frame forward / back (pauses)"),
    ("Home", "first frame"),
    ("M", "cycle metric: SAD, SSE, mean, MC-SAD, MC-SSE, non-zero trits, rate, A/B PSNR (with --ref)"),
    ("S", "cycle motion search range 1…64"),
    ("N", "next motion source driving the prediction: search, flow (--flow), codec (the decoder's vectors), params (--warp-params)"),
    ("V", "motion-vector arrows (coloured by MC-SAD; grouped when blocks are small; min gain slider)"),
    ("O", "type a file to open (focuses the path field; Enter opens)"),
    ("D", "file dialog to open a video"),
    ("R", "start / stop recording the picture to MP4"),
    ("P", "save a PNG snapshot of the picture"),
    ("E", "export the frame's block stats (CSV + NPY)"),
    ("K", "plots: per-frame SAD / SSE, block under the pointer, worst frames and blocks"),
    ("B", "cycle block size 4…128"),
    ("C", "cycle colormap: viridis, inferno, turbo"),
    ("G", "block grid lines"),
    ("Y", "raw in colour / luma only"),
    ("A", "auto / fixed heatmap scale (A/B PSNR: fixed 5 dB bands)"),
    ("L", "loop"),
    ("[ / ]", "speed down / up (0.25x–4x)"),
    ("F", "fullscreen"),
    ("wheel / drag", "zoom at the cursor / pan"),
    ("0", "reset view (fit)"),
    ("H", "hide / show the UI"),
    ("Q, Esc", "quit"),
];

/// Applies a key press (when egui does not want the keyboard).
pub fn on_key(key: &Key, s: &mut Settings) -> Option<Action> {
    match key {
        Key::Named(NamedKey::Space) => s.playing = !s.playing,
        Key::Named(NamedKey::ArrowRight) => return Some(Action::Step(1)),
        Key::Named(NamedKey::ArrowLeft) => return Some(Action::Step(-1)),
        Key::Named(NamedKey::Home) => return Some(Action::Seek(0)),
        Key::Named(NamedKey::Escape) => return Some(Action::Quit),
        Key::Character(c) => match c.to_lowercase().as_str() {
            "1" => s.mode = Mode::Raw,
            "2" => s.mode = Mode::Diff,
            "3" => s.mode = Mode::Heatmap,
            "4" => s.mode = Mode::HeatmapDiff,
            "5" => s.mode = Mode::Predicted,
            "6" => s.mode = Mode::Residual,
            "7" => s.mode = Mode::Split,
            "8" => s.mode = Mode::Trits,
            "9" => s.mode = Mode::Flow,
            "x" if !s.reference => return Some(Action::NeedsReference),
            "x" => s.mode = cycle(&Mode::AB_CYCLE, s.mode),
            "w" if !s.reference => return Some(Action::NeedsReference),
            "w" => s.wipe = if s.wipe.is_some() { None } else { Some(0.5) },
            "+" | "=" => s.amplify = (s.amplify * 2).clamp(1, 64),
            "-" => s.amplify = (s.amplify / 2).clamp(1, 64),
            "t" => s.trit_plane = (s.shown_plane() + 1) % s.planes(),
            "s" => {
                s.range = cycle(&SearchRange::STEPS, s.range);
                return Some(Action::RangeChanged);
            }
            "m" => {
                s.metric = cycle(&Metric::all(), s.metric);
                if s.metric.needs_reference() && !s.reference {
                    s.metric = cycle(&Metric::all(), s.metric);
                }
            }
            "c" => s.colormap = cycle(&Colormap::ALL, s.colormap),
            "b" => {
                s.block = cycle(&BlockSize::ALL, s.block);
                return Some(Action::BlockChanged);
            }
            "g" => s.grid = !s.grid,
            "y" => s.luma_only = !s.luma_only,
            "v" => s.arrows = !s.arrows,
            "o" => {
                s.show_ui = true;
                s.focus_open = true;
            }
            "d" => return Some(Action::Browse),
            "r" => return Some(Action::ToggleRecord),
            "p" => return Some(Action::Snapshot),
            "e" => return Some(Action::ExportStats),
            "n" => return Some(Action::NextMotionSource),
            "k" => s.plots = !s.plots,
            "a" => s.auto_scale = !s.auto_scale,
            "l" => s.looping = !s.looping,
            "[" => s.speed = speed_step(s.speed, false),
            "]" => s.speed = speed_step(s.speed, true),
            "f" => return Some(Action::ToggleFullscreen),
            "0" => return Some(Action::ResetView),
            "h" => s.show_ui = !s.show_ui,
            "q" => return Some(Action::Quit),
            _ => {}
        },
        _ => {}
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::model::*;

    #[test]
    fn t_cycles_the_trit_plane_over_the_planes_of_the_quantiser_and_8_selects_the_trit_view() {
        let mut s = Settings::default();
        let key = |c: &str| Key::Character(c.into());
        assert!(!s.needs_symbols());
        on_key(&key("8"), &mut s);
        assert_eq!(s.mode, Mode::Trits);
        assert!(s.needs_symbols() && !s.needs_motion());
        let seen: Vec<u32> = (0..7)
            .map(|_| {
                on_key(&key("t"), &mut s);
                s.trit_plane
            })
            .collect();
        assert_eq!(seen, [1, 2, 3, 4, 5, 0, 1]);
        // Q = 100 has 2 planes: plane 1 stays, a larger one is shown as the last.
        s.trit_plane = 5;
        s.quant = crate::reference::QuantStep::new(100).unwrap();
        assert_eq!((s.planes(), s.shown_plane()), (2, 1));
        on_key(&key("t"), &mut s);
        assert_eq!(s.trit_plane, 0);
    }

    #[test]
    fn only_the_learner_metrics_need_the_symbols_in_a_heatmap() {
        let mut s = Settings { mode: Mode::Heatmap, ..Settings::default() };
        for m in Metric::all() {
            s.metric = m;
            assert_eq!(s.needs_symbols(), matches!(m, Metric::Nonzero | Metric::Rate), "{m:?}");
        }
        s.mode = Mode::Raw;
        s.metric = Metric::Rate;
        assert!(!s.needs_symbols());
    }

    #[test]
    fn the_ab_keys_need_a_reference_and_cycle_the_ab_views_wipe_and_gain() {
        let key = |c: &str| Key::Character(c.into());
        let mut s = Settings::default();
        assert_eq!(on_key(&key("x"), &mut s), Some(Action::NeedsReference));
        assert_eq!(on_key(&key("w"), &mut s), Some(Action::NeedsReference));
        assert_eq!((s.mode, s.wipe), (Mode::Raw, None));
        // Without a reference M skips the A/B PSNR metric.
        let metrics: Vec<Metric> = (0..8)
            .map(|_| {
                on_key(&key("m"), &mut s);
                s.metric
            })
            .collect();
        assert!(!metrics.contains(&Metric::AbPsnr), "{metrics:?}");
        let mut s = Settings { reference: true, ..Settings::default() };
        let modes: Vec<Mode> = (0..5)
            .map(|_| {
                on_key(&key("x"), &mut s);
                s.mode
            })
            .collect();
        assert_eq!(modes, [Mode::B, Mode::AbDiff, Mode::AbSigned, Mode::AbMark, Mode::Raw]);
        on_key(&key("w"), &mut s);
        assert_eq!(s.wipe, Some(0.5));
        on_key(&key("w"), &mut s);
        assert_eq!(s.wipe, None);
        let gains: Vec<u32> = ["+", "+", "=", "+", "+", "+", "+", "-"]
            .iter()
            .map(|k| {
                on_key(&key(k), &mut s);
                s.amplify
            })
            .collect();
        assert_eq!(gains, [2, 4, 8, 16, 32, 64, 64, 32]);
        assert!(!s.missing_reference());
        s.reference = false;
        s.mode = Mode::AbMark;
        assert!(s.missing_reference());
    }
}
