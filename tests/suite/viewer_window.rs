//! The viewer in a real X window: starts its own Xvfb (fails if Xvfb is missing), runs the `vidscope`
//! binary with the validation layer on, checks pixels of `--screenshot` output per mode, and drives a
//! running viewer through resizes and key presses with xdotool. One test runs it as a native Wayland
//! client instead, under a headless Weston (fails if weston is missing).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const W: u32 = 160;
const H: u32 = 120;

/// An Xvfb server on a free display number, killed on drop.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    /// Starts a private X server on a display number the server picks itself (`-displayfd`): it
    /// writes the number once it accepts connections, so parallel tests — in this process or any
    /// other — can never share or race for a display. `-noreset`: by default the server resets when
    /// its last client leaves, and a viewer connecting during that reset (just after an `xdotool`
    /// poll disconnected) fails with "Failed to open connection to X server".
    fn start() -> Xvfb {
        let mut child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-noreset", "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start Xvfb (install the xvfb package): {e}"));
        let mut line = String::new();
        let stdout = child.stdout.take().expect("Xvfb's stdout is piped");
        let read = BufReader::new(stdout).read_line(&mut line);
        let n: u32 = match (read, line.trim().parse()) {
            (Ok(_), Ok(n)) => n,
            _ => panic!("Xvfb -displayfd gave no display number (got {line:?})"),
        };
        Xvfb { child, display: format!(":{n}") }
    }
}

/// Sends SIGTERM from Rust (a minimal Debian has no `kill` command).
fn sigterm(pid: u32) -> std::io::Result<()> {
    let pid = rustix::process::Pid::from_raw(pid as i32).ok_or(std::io::ErrorKind::InvalidInput)?;
    Ok(rustix::process::kill_process(pid, rustix::process::Signal::TERM)?)
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return; // already gone (and reaped): its pid may belong to someone else now
        }
        // SIGTERM, so Xvfb removes its lock file and socket; SIGKILL only if it does not stop.
        let _ = sigterm(self.child.id());
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The test texture: deterministic, with every value present.
fn texture(x: i64, y: i64) -> u8 {
    ((x * 7 + y * 13 + ((x * y) >> 3)) & 0xff) as u8
}

/// Frame t of a clip whose left half (x < W/2) moves by (2, 1) per frame and right half stands still.
fn half_moving(t: usize) -> Vec<u8> {
    let mut f = vec![0u8; (W * H) as usize];
    for y in 0..H as i64 {
        for x in 0..W as i64 {
            let (dx, dy) = if x < W as i64 / 2 { (2 * t as i64, t as i64) } else { (0, 0) };
            f[(y * W as i64 + x) as usize] = texture(x - dx, y - dy);
        }
    }
    f
}

fn still(_t: usize) -> Vec<u8> {
    half_moving(0)
}

fn write_y4m(path: &Path, frames: usize, frame: fn(usize) -> Vec<u8>) {
    crate::common::y4m::Y4m::gray(W, H).write(path, (0..frames).map(frame));
}

fn vidscope(display: &str, args: &[&str]) -> Command {
    let mut cmd = crate::common::vidscope_cmd();
    cmd.env("DISPLAY", display).env_remove("WAYLAND_DISPLAY").args(args);
    cmd
}

/// Runs with a time limit; panics with the output if it did not finish.
fn run_with_timeout(mut cmd: Command, limit: Duration) -> Output {
    let child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("run vidscope");
    wait_with_timeout(child, limit)
}

fn wait_with_timeout(mut child: Child, limit: Duration) -> Output {
    let start = Instant::now();
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("vidscope did not finish in {limit:?}; stderr:\n{}", String::from_utf8_lossy(&out.stderr));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn assert_clean(out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "vidscope failed ({}):\n{stderr}", out.status);
    assert!(
        !stderr.contains("vidscope::validation") && !stderr.contains("Validation"),
        "validation messages:\n{stderr}"
    );
}

struct Png {
    width: u32,
    height: u32,
    rgba: Vec<u8>,
}

impl Png {
    fn read(path: &Path) -> Png {
        let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.color_type, png::ColorType::Rgba);
        buf.truncate(info.buffer_size());
        Png { width: info.width, height: info.height, rgba: buf }
    }

    fn px(&self, x: u32, y: u32) -> [u8; 3] {
        let i = ((y * self.width + x) * 4) as usize;
        [self.rgba[i], self.rgba[i + 1], self.rgba[i + 2]]
    }
}

/// Takes a screenshot of `clip` at frame `at` in `mode` with the UI hidden, window = clip size.
fn screenshot(dir: &Path, clip: &Path, mode: &str, at: usize) -> Png {
    screenshot_with(dir, clip, mode, at, (W, H), &[])
}

fn screenshot_with(dir: &Path, clip: &Path, mode: &str, at: usize, (w, h): (u32, u32), extra: &[&str]) -> Png {
    let xvfb = Xvfb::start();
    let tag: String = extra.concat().chars().filter(char::is_ascii_alphanumeric).collect();
    let out_png = dir.join(format!("{mode}-{at}-{tag}.png"));
    let at_s = at.to_string();
    let size = format!("{w}x{h}");
    let cmd = vidscope(
        &xvfb.display,
        &[
            "view",
            clip.to_str().unwrap(),
            "--mode",
            mode,
            "--hide-ui",
            "--size",
            &size,
            "--start",
            &at_s,
            "--paused",
            "--screenshot",
            out_png.to_str().unwrap(),
            "--at-frame",
            &at_s,
        ],
    );
    let mut cmd = cmd;
    cmd.args(extra);
    let out = run_with_timeout(cmd, Duration::from_secs(120));
    assert_clean(&out);
    let png = Png::read(&out_png);
    assert_eq!((png.width, png.height), (w, h), "screenshot size");
    png
}

fn clip(dir: &Path, name: &str, frame: fn(usize) -> Vec<u8>) -> PathBuf {
    let path = dir.join(name);
    write_y4m(&path, 8, frame);
    path
}

#[test]
fn raw_mode_screenshot_shows_the_decoded_luma_at_each_pixel() {
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "moving.y4m", half_moving);
    let png = screenshot(dir.path(), &clip, "raw", 3);
    assert_gray(&png, &half_moving(3), 0..W, "raw pixel (decoded luma)");
}

/// A 160x120 colour clip (FFmpeg's testsrc2) made by the `ffmpeg` CLI: `args` pick pixel format,
/// tags and container.
fn ffmpeg_clip(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30"])
        .args(["-frames:v", "4"])
        .args(args)
        .arg(&path)
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "ffmpeg could not make {name}");
    path
}

/// Frame `t` of `clip` as RGB by FFmpeg's own conversion (honouring the stream's matrix and range
/// tags, BT.601 limited when untagged) with nearest chroma upsampling, as the viewer does.
fn ffmpeg_rgb(clip: &Path, t: usize) -> Vec<u8> {
    let filter = format!("select=eq(n\\,{t}),scale=flags=neighbor+accurate_rnd+full_chroma_int");
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(clip)
        .args(["-vf", &filter, "-frames:v", "1", "-pix_fmt", "rgb24", "-f", "rawvideo", "-"])
        .output()
        .expect("run ffmpeg");
    assert!(out.status.success(), "ffmpeg could not decode {}", clip.display());
    assert_eq!(out.stdout.len(), (W * H * 3) as usize);
    out.stdout
}

/// Largest and mean per-channel difference between a screenshot and packed RGB.
fn rgb_error(png: &Png, rgb: &[u8]) -> (u8, f64) {
    let (mut worst, mut sum) = (0u8, 0u64);
    for y in 0..H {
        for x in 0..W {
            let i = ((y * W + x) * 3) as usize;
            for (c, want) in png.px(x, y).into_iter().zip(&rgb[i..i + 3]) {
                let d = c.abs_diff(*want);
                worst = worst.max(d);
                sum += u64::from(d);
            }
        }
    }
    (worst, sum as f64 / f64::from(W * H * 3))
}

#[test]
fn raw_mode_shows_colour_converted_with_the_streams_matrix_and_range() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let tagged_709 = ["-pix_fmt", "yuv444p", "-colorspace", "bt709", "-color_range", "tv", "-c:v", "libx264"];
    let full_601 = ["-pix_fmt", "yuvj444p", "-colorspace", "smpte170m", "-c:v", "libx264"];
    let clips = [
        // Tagged BT.709, limited range.
        ffmpeg_clip(d, "bt709-tv.mp4", &[&tagged_709[..], &["-qp", "0"]].concat()),
        // Tagged BT.601, full range (yuvj).
        ffmpeg_clip(d, "bt601-pc.mp4", &[&full_601[..], &["-qp", "0"]].concat()),
        // Untagged 4:2:0: BT.601 limited, as players assume below 720 lines.
        ffmpeg_clip(d, "untagged-420.mp4", &["-pix_fmt", "yuv420p", "-c:v", "libx264", "-qp", "0"]),
        // A .y4m in 4:2:2, through the pure-Rust reader.
        ffmpeg_clip(d, "untagged-422.y4m", &["-pix_fmt", "yuv422p"]),
    ];
    for clip in &clips {
        let png = screenshot(d, clip, "raw", 2);
        let (worst, mean) = rgb_error(&png, &ffmpeg_rgb(clip, 2));
        let name = clip.file_name().unwrap().to_string_lossy();
        assert!(worst <= 2 && mean < 0.05, "{name}: raw colour differs from FFmpeg's by up to {worst} (mean {mean})");
        // Colour really is shown: testsrc2 has saturated bars.
        let saturated = (0..H)
            .flat_map(|y| (0..W).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let p = png.px(x, y);
                p.iter().max().unwrap() - p.iter().min().unwrap() > 100
            })
            .count();
        assert!(saturated > (W * H / 4) as usize, "{name}: only {saturated} saturated pixels");
    }
}

#[test]
fn the_y_key_shows_the_luma_plane_the_passes_see() {
    let dir = tempfile::tempdir().unwrap();
    let clip = ffmpeg_clip(dir.path(), "colour.mp4", &["-pix_fmt", "yuv420p", "-c:v", "libx264", "-qp", "0"]);
    // The stored Y plane, as is (no range conversion).
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(&clip)
        .args(["-vf", "select=eq(n\\,1),extractplanes=y", "-frames:v", "1", "-f", "rawvideo", "-"])
        .output()
        .expect("run ffmpeg");
    assert_eq!(out.stdout.len(), (W * H) as usize);
    let png = screenshot_after_keys(&clip, 0, 1, &["y", "Right"]);
    assert_gray(&png, &out.stdout, 0..W, "luma-only pixel");
}

#[test]
fn diff_mode_of_a_still_clip_is_black() {
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "still.y4m", still);
    let png = screenshot(dir.path(), &clip, "diff", 4);
    let lit = (0..H).flat_map(|y| (0..W).map(move |x| (x, y))).filter(|&(x, y)| png.px(x, y) != [0, 0, 0]).count();
    assert_eq!(lit, 0, "{lit} non-black pixels in diff mode of a still clip");
}

#[test]
fn diff_mode_lights_up_only_where_the_clip_moves() {
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "moving.y4m", half_moving);
    let png = screenshot(dir.path(), &clip, "diff", 4);
    assert_shows_diff_of(&png, 4);
}

#[test]
fn heatmap_colours_appear_where_the_clip_moves_and_not_where_it_stands_still() {
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "moving.y4m", half_moving);
    let png = screenshot(dir.path(), &clip, "heatmap", 4);
    let luma = half_moving(4);
    let is_tinted = |p: [u8; 3]| p.iter().max().unwrap() - p.iter().min().unwrap() > 12;
    // Moving half (x < 80 = 5 blocks of 16): every pixel tinted.
    let mut untinted = 0;
    for y in 0..H {
        for x in 0..W / 2 {
            if !is_tinted(png.px(x, y)) {
                untinted += 1;
            }
        }
    }
    assert!(untinted < (W / 2 * H / 50) as usize, "{untinted} untinted pixels where the clip moves");
    // Still half: exactly the gray luma.
    assert_gray(&png, &luma, W / 2..W, "still pixel");
}

fn xdotool(display: &str, args: &[&str]) -> String {
    let out = Command::new("xdotool")
        .env("DISPLAY", display)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run xdotool (install the xdotool package): {e}"));
    assert!(out.status.success(), "xdotool {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The viewer's X window id, waiting for it to appear (fails if the viewer exits first).
fn find_window(display: &str, child: &mut Child) -> String {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        let out = Command::new("xdotool")
            .env("DISPLAY", display)
            .args(["search", "--onlyvisible", "--name", "vidscope"])
            .output()
            .unwrap_or_else(|e| panic!("cannot run xdotool (install the xdotool package): {e}"));
        if let Some(id) = String::from_utf8_lossy(&out.stdout).lines().next() {
            return id.trim().to_string();
        }
        if let Ok(Some(status)) = child.try_wait() {
            let mut stderr = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
            }
            panic!("vidscope exited ({status}) before its window appeared:\n{stderr}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("the vidscope window did not appear within 60 s");
}

/// Starts the viewer with `args` on `display`, waits for its window, lets it settle for `settle`,
/// focuses it, and returns the process with its X window id.
fn open_window(display: &str, args: &[&str], settle: Duration) -> (Child, String) {
    open_window_in(display, None, args, settle)
}

/// Like `open_window`, with the viewer's working directory set to `cwd`.
fn open_window_in(display: &str, cwd: Option<&Path>, args: &[&str], settle: Duration) -> (Child, String) {
    let mut cmd = vidscope(display, args);
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("run vidscope");
    let id = find_window(display, &mut child);
    std::thread::sleep(settle);
    xdotool(display, &["windowfocus", "--sync", &id]);
    (child, id)
}

#[test]
fn resizes_minimize_and_mode_keys_produce_no_validation_message() {
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "moving.y4m", half_moving);
    let xvfb = Xvfb::start();
    let d = xvfb.display.as_str();
    let (mut child, id) =
        open_window(d, &["view", clip.to_str().unwrap(), "--size", "320x240"], Duration::from_millis(400));
    let pause = || std::thread::sleep(Duration::from_millis(400));
    for (w, h) in [("1", "1"), ("640", "480"), ("2", "300"), ("300", "2"), ("1000", "700")] {
        xdotool(d, &["windowsize", "--sync", &id, w, h]);
        pause();
    }
    // Without a window manager, iconifying is an unmap: the viewer keeps running unmapped.
    xdotool(d, &["windowminimize", &id]);
    pause();
    xdotool(d, &["windowunmap", "--sync", &id]);
    pause();
    xdotool(d, &["windowmap", "--sync", &id]);
    xdotool(d, &["windowfocus", "--sync", &id]);
    pause();
    for key in [
        "2",
        "3",
        "4",
        "m",
        "c",
        "b",
        "g",
        "5",
        "s",
        "6",
        "m",
        "m",
        "8",
        "t",
        "Right",
        "3",
        "m",
        "m",
        "1",
        "Right",
        "Left",
        "Left",
        "space",
        "bracketright",
        "h",
        "h",
        "y",
        "y",
        // The file dialog: Escape closes it (and must not quit the viewer).
        "d",
        "Escape",
        "f",
    ] {
        xdotool(d, &["key", "--clearmodifiers", key]);
        pause();
    }
    assert!(matches!(child.try_wait(), Ok(None)), "the viewer quit before Q was pressed");
    xdotool(d, &["windowsize", "--sync", &id, "400", "300"]);
    pause();
    xdotool(d, &["key", "q"]);
    let out = wait_with_timeout(child, Duration::from_secs(60));
    assert_clean(&out);
}

/// Starts paused at `start` with the UI hidden, presses `keys`, and returns the screenshot taken when
/// frame `at` comes on screen (it never does unless the keys step there).
fn screenshot_after_keys(clip: &Path, start: usize, at: usize, keys: &[&str]) -> Png {
    screenshot_after_keys_in(None, clip.to_str().unwrap(), start, at, keys)
}

/// Like `screenshot_after_keys` for any input, run in `cwd`.
fn screenshot_after_keys_in(cwd: Option<&Path>, input: &str, start: usize, at: usize, keys: &[&str]) -> Png {
    let steps: Vec<[&str; 3]> = keys.iter().map(|k| ["key", "--clearmodifiers", k]).collect();
    let steps: Vec<&[&str]> = steps.iter().map(|s| &s[..]).collect();
    screenshot_after_steps_in(cwd, input, &[], start, at, &steps)
}

/// |cur − prev| of `half_moving` frame `t`.
fn half_moving_diff(t: usize) -> Vec<u8> {
    let (cur, prev) = (half_moving(t), half_moving(t - 1));
    cur.iter().zip(&prev).map(|(c, p)| c.abs_diff(*p)).collect()
}

/// Every pixel of the columns `xs` (all rows) is gray within 1 of the W x H `plane`.
fn assert_gray(png: &Png, plane: &[u8], xs: std::ops::Range<u32>, what: &str) {
    for y in 0..H {
        for x in xs.clone() {
            let want = plane[(y * W + x) as usize];
            let got = png.px(x, y);
            assert!(got.iter().all(|c| c.abs_diff(want) <= 1), "{what} at ({x}, {y}): {got:?}, expected {want}");
        }
    }
}

fn assert_shows_diff_of(png: &Png, t: usize) {
    assert_gray(png, &half_moving_diff(t), 0..W, &format!("diff (frame {t})"));
}

#[test]
fn right_arrow_steps_forward_frame_by_frame_in_diff_mode() {
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "moving.y4m", half_moving);
    // Key 2 switches to diff; three steps from frame 1 reach frame 4.
    let png = screenshot_after_keys(&clip, 1, 4, &["2", "Right", "Right", "Right"]);
    assert_shows_diff_of(&png, 4);
}

#[test]
fn left_arrow_steps_back_to_the_exact_frame_with_its_diff() {
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "moving.y4m", half_moving);
    let png = screenshot_after_keys(&clip, 7, 5, &["2", "Left", "Left"]);
    assert_shows_diff_of(&png, 5);
}

#[test]
fn the_file_dialog_opens_a_video_picked_with_the_keyboard() {
    // The dialog starts in the working directory (the input is synthetic): it holds one clip.
    let dir = tempfile::tempdir().unwrap();
    clip(dir.path(), "picked.y4m", half_moving);
    // D opens the dialog, Down selects the clip, Enter opens it; three steps reach its frame 3.
    let keys = ["d", "Down", "Return", "Right", "Right", "Right"];
    let png = screenshot_after_keys_in(Some(dir.path()), "synthetic:160x120", 0, 3, &keys);
    assert_gray(&png, &half_moving(3), 0..W, "the picked clip's pixel");
}

#[test]
fn a_bad_path_in_the_open_field_shows_an_error_and_playback_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("long.y4m");
    write_y4m(&clip, 60, half_moving);
    let xvfb = Xvfb::start();
    let d = xvfb.display.as_str();
    let out_png = dir.path().join("shot.png");
    // Paused at frame 0; after the failed open, space plays, and the screenshot comes only if playback
    // then reaches frame 50.
    let (child, _) = open_window(
        d,
        &[
            "view",
            clip.to_str().unwrap(),
            "--size",
            "640x480",
            "--paused",
            "--screenshot",
            out_png.to_str().unwrap(),
            "--at-frame",
            "50",
        ],
        Duration::from_millis(1500),
    );
    // O focuses the path field of the controls panel.
    xdotool(d, &["key", "o"]);
    std::thread::sleep(Duration::from_millis(800));
    xdotool(d, &["type", "--delay", "50", "/no/such/file.y4m"]);
    std::thread::sleep(Duration::from_millis(500));
    xdotool(d, &["key", "Return"]);
    std::thread::sleep(Duration::from_millis(800));
    xdotool(d, &["key", "space"]);
    let out = wait_with_timeout(child, Duration::from_secs(60));
    assert_clean(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/no/such/file.y4m"), "no error for the bad path:\n{stderr}");
    // The message is drawn in the panel in red.
    let png = Png::read(&out_png);
    let red = (0..png.height)
        .flat_map(|y| (0..png.width / 2).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let [r, g, b] = png.px(x, y);
            r > 200 && g < 160 && b < 140
        })
        .count();
    assert!(red > 50, "no error message drawn in the panel ({red} red pixels)");
}

#[test]
fn residual_mode_is_black_where_motion_search_finds_the_shift_and_predicted_mode_matches_the_frame() {
    // half_moving: the left half moves by (2, 1) per frame, so cur(x, y) = ref(x - 2, y - 1) there and
    // motion search finds (-2, -1); the right half stands still. Blocks touching the top or left edge
    // read clamped pixels, so only blocks from (16, 16) on are checked on the left.
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "moving.y4m", half_moving);
    let residual = screenshot(dir.path(), &clip, "residual", 4);
    let predicted = screenshot(dir.path(), &clip, "predicted", 4);
    let cur = half_moving(4);
    let mut checked = 0;
    for y in 16..H {
        for x in 16..W {
            let (r, p) = (residual.px(x, y), predicted.px(x, y));
            assert!(r.iter().all(|&c| c <= 1), "residual at ({x}, {y}) is {r:?}, expected black");
            let want = cur[(y * W + x) as usize];
            assert!(p.iter().all(|c| c.abs_diff(want) <= 1), "predicted at ({x}, {y}) is {p:?}, expected {want}");
            checked += 1;
        }
    }
    assert!(checked > 10_000);
    // The zero-motion diff of the same frame is far from black on the moving half.
    let diff = screenshot(dir.path(), &clip, "diff", 4);
    let lit = (16..H).flat_map(|y| (16..W / 2).map(move |x| (x, y))).filter(|&(x, y)| diff.px(x, y)[0] > 8).count();
    assert!(lit > 1000, "only {lit} diff pixels lit on the moving half");
}

#[test]
fn vector_arrows_are_drawn_over_the_moving_half_only() {
    // Raw mode is pure gray; arrows are coloured. The moving half gets (-2, -1) x 4 arrows, the still
    // half zero vectors, which are drawn as small dots.
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "moving.y4m", half_moving);
    let png = screenshot_with(dir.path(), &clip, "raw", 4, (W, H), &["--arrows"]);
    let coloured = |x0: u32, x1: u32| {
        (0..H)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let p = png.px(x, y);
                p.iter().max().unwrap() - p.iter().min().unwrap() > 30
            })
            .count()
    };
    let (moving, still) = (coloured(0, W / 2), coloured(W / 2, W));
    assert!(moving > 150, "only {moving} arrow pixels over the moving half");
    assert!(still < moving / 2, "{still} coloured pixels over the still half (moving half: {moving})");
}

/// Arrow-coloured pixels (gray has none) in columns x0..x1 of a screenshot.
fn coloured_pixels(png: &Png, x0: u32, x1: u32) -> usize {
    (0..png.height)
        .flat_map(|y| (x0..x1).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let p = png.px(x, y);
            p.iter().max().unwrap() - p.iter().min().unwrap() > 30
        })
        .count()
}

#[test]
fn min_gain_hides_the_vectors_that_save_less_than_it() {
    // The still half's zero vectors save nothing (gain 0): at --min-gain 1 their dots go and the
    // moving half's arrows stay; a gain no block reaches hides every arrow.
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "moving.y4m", half_moving);
    let some = screenshot_with(dir.path(), &clip, "raw", 4, (W, H), &["--arrows", "--min-gain", "1"]);
    let (moving, still) = (coloured_pixels(&some, 0, W / 2), coloured_pixels(&some, W / 2, W));
    assert!(moving > 150, "only {moving} arrow pixels over the moving half at --min-gain 1");
    assert!(still < 5, "{still} coloured pixels over the still half at --min-gain 1");
    let none = screenshot_with(dir.path(), &clip, "raw", 4, (W, H), &["--arrows", "--min-gain", "100000000"]);
    assert_eq!(coloured_pixels(&none, 0, W), 0, "arrows drawn above every block's gain");
}

#[test]
fn blocks_too_small_to_read_draw_one_arrow_per_group() {
    // Blocks of 4 px at zoom 1 are under 12 px: arrows stand for groups of 4x4 blocks (16 px), with
    // the group's median vector, (-2, -1) over the moving half.
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "moving.y4m", half_moving);
    let png = screenshot_with(dir.path(), &clip, "raw", 4, (W, H), &["--arrows", "--min-gain", "1", "-b", "4"]);
    let (moving, still) = (coloured_pixels(&png, 0, W / 2), coloured_pixels(&png, W / 2, W));
    assert!(moving > 150, "only {moving} arrow pixels over the moving half");
    assert!(still < 5, "{still} coloured pixels over the still half");
}

#[test]
fn split_view_shows_the_diff_left_and_the_residual_right() {
    // A window twice the clip's width: each pane shows the whole frame at zoom 1.
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "moving.y4m", half_moving);
    let png = screenshot_with(dir.path(), &clip, "split", 4, (2 * W, H), &[]);
    let diff = half_moving_diff(4);
    let mut lit_left = 0;
    for y in 16..H {
        for x in 16..W - 2 {
            let want = diff[(y * W + x) as usize];
            let left = png.px(x, y);
            assert!(
                left.iter().all(|c| c.abs_diff(want) <= 1),
                "left pane (diff) at ({x}, {y}): {left:?}, want {want}"
            );
            lit_left += (want > 8) as usize;
            let right = png.px(W + 2 + x, y);
            let right_x = 2 + x;
            if right_x < W {
                assert!(right.iter().all(|&c| c <= 1), "right pane (residual) at ({right_x}, {y}): {right:?}");
            }
        }
    }
    assert!(lit_left > 1000, "the diff pane shows the motion ({lit_left} lit pixels)");
}

#[test]
fn warp_params_drive_the_viewers_prediction_and_bad_ones_fail_in_one_line() {
    // All-zero translations predict each frame by the previous one unchanged, so the residual view
    // shows exactly the diff (motion search alone would find the shift and show black).
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "moving.y4m", half_moving);
    let (by, bx) = (H.div_ceil(16) as u64, W.div_ceil(16) as u64);
    let zero = dir.path().join("zero.npy");
    vidscope::analysis::write_npy(&zero, &[by, bx, 2], &vec![0f32; (by * bx * 2) as usize]).unwrap();
    let png = screenshot_with(dir.path(), &clip, "residual", 4, (W, H), &["--warp-params", zero.to_str().unwrap()]);
    let diff = half_moving_diff(4);
    assert_gray(&png, &diff, 0..W, "residual");
    let lit = diff.iter().filter(|&&d| d > 8).count();
    assert!(lit > 1000, "the zero-warp residual shows the motion ({lit} lit pixels)");

    let bad = dir.path().join("bad.npy");
    vidscope::analysis::write_npy(&bad, &[3, 3, 2], &[0f32; 18]).unwrap();
    let xvfb = Xvfb::start();
    let out = run_with_timeout(
        vidscope(&xvfb.display, &["view", clip.to_str().unwrap(), "--warp-params", bad.to_str().unwrap()]),
        Duration::from_secs(60),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let errors: Vec<_> = stderr.lines().filter(|l| l.starts_with("vidscope: error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].contains("bad.npy") && errors[0].contains("block grid 3x3"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Every frame of an MP4 as packed RGB, decoded by the `ffmpeg` CLI.
fn decode_mp4(path: &Path, (w, h): (u32, u32)) -> Vec<Vec<u8>> {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .output()
        .expect("run ffmpeg");
    assert!(out.status.success(), "ffmpeg cannot decode {}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    let frame = (w * h * 3) as usize;
    assert_eq!(out.stdout.len() % frame, 0, "{} is not made of {w}x{h} frames", path.display());
    out.stdout.chunks_exact(frame).map(<[u8]>::to_vec).collect()
}

/// PSNR in dB between packed RGB and an RGBA screenshot of the same size.
fn psnr(rgb: &[u8], png: &Png) -> f64 {
    let mut se = 0f64;
    for (i, px) in png.rgba.chunks_exact(4).enumerate() {
        for c in 0..3 {
            let d = rgb[i * 3 + c] as f64 - px[c] as f64;
            se += d * d;
        }
    }
    let mse = se / (png.rgba.len() / 4 * 3) as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0 * 255.0 / mse).log10()
    }
}

fn files_with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    v
}

/// The lowest PSNR accepted between a recorded frame and the snapshot of the same frame: H.264 at
/// crf 16 in yuv420p measures 36-44 dB on these pictures (thin coloured edges lose the most).
const MIN_PSNR_DB: f64 = 32.0;

/// Records frames `start..start+n` in `mode` with R, stepping with → and taking a P snapshot of each
/// frame; returns (the MP4, the snapshots in frame order).
fn record_in_viewer(dir: &Path, clip: &Path, mode: &str, start: usize, n: usize) -> (PathBuf, Vec<PathBuf>) {
    let xvfb = Xvfb::start();
    let d = xvfb.display.as_str();
    let size = format!("{W}x{H}");
    let start_s = start.to_string();
    let args = [
        "view",
        clip.to_str().unwrap(),
        "--mode",
        mode,
        "--hide-ui",
        "--paused",
        "--size",
        &size,
        "--start",
        &start_s,
        "--record-dir",
        dir.to_str().unwrap(),
    ];
    let (child, _) = open_window(d, &args, Duration::from_millis(1500));
    let mut keys = vec!["p", "r"];
    for _ in 1..n {
        keys.extend(["Right", "p"]);
    }
    keys.extend(["r", "q"]);
    for key in keys {
        xdotool(d, &["key", "--clearmodifiers", key]);
        std::thread::sleep(Duration::from_millis(if key == "Right" { 1200 } else { 500 }));
    }
    let out = wait_with_timeout(child, Duration::from_secs(60));
    assert_clean(&out);
    let mp4s = files_with_ext(dir, "mp4");
    assert_eq!(mp4s.len(), 1, "one recording expected in {}: {mp4s:?}", dir.display());
    (mp4s[0].clone(), files_with_ext(dir, "png"))
}

#[test]
fn viewer_recordings_have_one_frame_per_shown_frame_equal_to_the_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "moving.y4m", half_moving);
    for mode in ["raw", "diff", "heatmap", "heatmap-diff", "residual"] {
        let out = dir.path().join(mode);
        std::fs::create_dir(&out).unwrap();
        let (mp4, snaps) = record_in_viewer(&out, &clip, mode, 1, 4);
        let names: Vec<String> = snaps.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        let want: Vec<String> = (1..=4).map(|f| format!("moving-{mode}-f{f:06}.png")).collect();
        assert_eq!(names, want, "{mode}: one snapshot per frame, named by input, mode and frame");
        let frames = decode_mp4(&mp4, (W, H));
        assert_eq!(frames.len(), 4, "{mode}: {} frames recorded for 4 frames shown", frames.len());
        let snaps: Vec<Png> = snaps.iter().map(|p| Png::read(p)).collect();
        for (k, frame) in frames.iter().enumerate() {
            let own = psnr(frame, &snaps[k]);
            assert!(own >= MIN_PSNR_DB, "{mode}: recorded frame {k} is {own:.1} dB from its snapshot");
            // In order: each frame is closer to its own snapshot than to its neighbours' (when they differ).
            for j in [k.wrapping_sub(1), k + 1] {
                if let Some(other) = snaps.get(j).filter(|o| o.rgba != snaps[k].rgba) {
                    assert!(own > psnr(frame, other), "{mode}: recorded frame {k} looks more like frame {j}");
                }
            }
        }
    }
}

#[test]
fn headless_record_matches_the_viewers_recording() {
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "moving.y4m", half_moving);
    let viewer_dir = dir.path().join("viewer");
    std::fs::create_dir(&viewer_dir).unwrap();
    let (viewer_mp4, _) = record_in_viewer(&viewer_dir, &clip, "heatmap", 1, 4);
    let headless_mp4 = dir.path().join("headless.mp4");
    let size = format!("{W}x{H}");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vidscope"));
    cmd.args(["--validation", "on", "record", clip.to_str().unwrap(), "-o", headless_mp4.to_str().unwrap()]).args([
        "--mode",
        "raw",
        "--overlay",
        "heatmap",
        "--start",
        "1",
        "--frames",
        "4",
        "--size",
        &size,
    ]);
    let out = run_with_timeout(cmd, Duration::from_secs(120));
    assert_clean(&out);
    let (a, b) = (decode_mp4(&viewer_mp4, (W, H)), decode_mp4(&headless_mp4, (W, H)));
    assert_eq!(b.len(), 4, "headless frames");
    assert_eq!(a.len(), b.len(), "frame counts");
    for (k, (x, y)) in a.iter().zip(&b).enumerate() {
        let worst = x.iter().zip(y).map(|(p, q)| p.abs_diff(*q)).max().unwrap_or(0);
        assert!(worst <= 2, "frame {k}: the headless recording differs from the viewer's by up to {worst}");
    }
}

#[test]
fn sigterm_while_recording_leaves_a_complete_playable_file() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("long.y4m");
    write_y4m(&clip, 400, half_moving);
    let xvfb = Xvfb::start();
    let d = xvfb.display.as_str();
    let size = format!("{W}x{H}");
    let args =
        ["view", clip.to_str().unwrap(), "--hide-ui", "--size", &size, "--record-dir", dir.path().to_str().unwrap()];
    let (child, _) = open_window(d, &args, Duration::from_millis(1000));
    // R held for a second: the X server repeats it, and a repeat must not toggle the recording off.
    xdotool(d, &["keydown", "r"]);
    std::thread::sleep(Duration::from_millis(1000));
    xdotool(d, &["keyup", "r"]);
    std::thread::sleep(Duration::from_millis(1500));
    sigterm(child.id()).expect("SIGTERM the viewer");
    let out = wait_with_timeout(child, Duration::from_secs(60));
    assert_clean(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr.lines().find(|l| l.contains("recorded ")).unwrap_or_else(|| panic!("no summary:\n{stderr}"));
    let n: usize =
        line.split("recorded ").nth(1).and_then(|r| r.split(' ').next()).and_then(|n| n.parse().ok()).unwrap();
    assert!(n > 1, "only {n} frames recorded in 2.5 s of playback:\n{stderr}");
    let mp4 = files_with_ext(dir.path(), "mp4");
    let frames = decode_mp4(&mp4[0], (W, H));
    assert_eq!(frames.len(), n, "the file has {} frames, the summary says {n}", frames.len());
}

#[test]
fn the_e_key_exports_the_frames_block_stats_like_analyze() {
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "moving.y4m", half_moving);
    let xvfb = Xvfb::start();
    let d = xvfb.display.as_str();
    let size = format!("{W}x{H}");
    let record_dir = dir.path().join("out");
    std::fs::create_dir(&record_dir).unwrap();
    let args = [
        "view",
        clip.to_str().unwrap(),
        "--hide-ui",
        "--paused",
        "--start",
        "4",
        "--size",
        &size,
        "--record-dir",
        record_dir.to_str().unwrap(),
    ];
    let (child, _) = open_window(d, &args, Duration::from_millis(1500));
    for key in ["e", "q"] {
        xdotool(d, &["key", "--clearmodifiers", key]);
        std::thread::sleep(Duration::from_millis(600));
    }
    assert_clean(&wait_with_timeout(child, Duration::from_secs(60)));
    let exported = record_dir.join("moving-stats-f000004");
    // analyze on the same clip: pair 3 compares frame 4 with frame 3.
    let analysis = dir.path().join("analysis");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vidscope"));
    cmd.args(["--validation", "on", "analyze", clip.to_str().unwrap(), "--out", analysis.to_str().unwrap()]).args([
        "--frames",
        "5",
        "--range",
        "2",
        "--export",
        "block-csv",
    ]);
    assert_clean(&run_with_timeout(cmd, Duration::from_secs(120)));
    let read_u32 = |p: &Path| -> (Vec<u64>, Vec<u32>) {
        let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
        (npy.shape().to_vec(), npy.into_vec::<u32>().unwrap())
    };
    for name in ["sad.npy", "sse.npy"] {
        let (shape, ours) = read_u32(&exported.join(name));
        let (all_shape, all) = read_u32(&analysis.join(name));
        assert_eq!(shape, vec![1, all_shape[1], all_shape[2]], "{name} shape");
        let per = ours.len();
        assert_eq!(ours, all[3 * per..4 * per].to_vec(), "{name}: the export differs from analyze's pair 3");
    }
    let csv = std::fs::read_to_string(exported.join("stats.csv")).unwrap();
    let reference = std::fs::read_to_string(analysis.join("stats.csv")).unwrap();
    let first7 = |l: &str| l.split(',').take(7).collect::<Vec<_>>().join(",");
    let ours: Vec<String> = csv.lines().map(first7).collect();
    let theirs: Vec<String> =
        reference.lines().enumerate().filter(|(i, l)| *i == 0 || l.starts_with("3,")).map(|(_, l)| first7(l)).collect();
    assert_eq!(ours, theirs, "stats.csv: header and the zero-motion columns equal analyze's pair 3");
}

/// The trit view's colours (shaders/display.comp): −1, 0, +1.
const TRIT_RGB: [[u8; 3]; 3] = [[70, 130, 230], [40, 40, 40], [240, 150, 40]];

/// Every pixel of a trit-view screenshot of half_moving frame `t` (window = clip size, so pixel =
/// source pixel) against plane `k` of the zero-motion residual cur − prev at Q = 1.
fn assert_shows_trit_plane(png: &Png, t: usize, k: u32) -> usize {
    use vidscope::reference::symbols::{level_to_trits, planes_for_quant};
    let (cur, prev) = (half_moving(t), half_moving(t - 1));
    let planes = planes_for_quant(1);
    let mut nonzero = 0;
    for y in 0..H {
        for x in 0..W {
            let i = (y * W + x) as usize;
            let d = level_to_trits(cur[i] as i32 - prev[i] as i32, planes)[k as usize];
            let got = png.px(x, y);
            let want = TRIT_RGB[(d + 1) as usize];
            assert!(got.iter().zip(want).all(|(g, w)| g.abs_diff(w) <= 1), "({x}, {y}): {got:?}, trit {d}");
            if x >= W / 2 {
                assert_eq!(d, 0, "the still half has a zero residual");
            } else if d != 0 {
                nonzero += 1;
            }
        }
    }
    nonzero
}

#[test]
fn trit_view_is_the_zero_colour_where_the_clip_stands_still_and_the_residual_digits_where_it_moves() {
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "moving.y4m", half_moving);
    // Plane 0 (weight 243) from --mode; plane 5 (weight 1) after T five times.
    let png = screenshot(dir.path(), &clip, "trits", 4);
    assert_shows_trit_plane(&png, 4, 0);
    // The screenshot is taken once frame 4 shows: start at 3, set the view, then step.
    let png = screenshot_after_keys(&clip, 3, 4, &["8", "t", "t", "t", "t", "t", "Right"]);
    let nonzero = assert_shows_trit_plane(&png, 4, 5);
    assert!(nonzero > (W / 2 * H / 4) as usize, "only {nonzero} non-zero trits in plane 5 of the moving half");
}

#[test]
fn rate_heatmap_tints_the_moving_blocks_and_leaves_the_still_ones_gray() {
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "moving.y4m", half_moving);
    let png = screenshot_with(dir.path(), &clip, "heatmap", 4, (W, H), &["--metric", "rate"]);
    let luma = half_moving(4);
    let tinted = |p: [u8; 3]| p.iter().max().unwrap() - p.iter().min().unwrap() > 12;
    let moving_tinted = (0..H).flat_map(|y| (0..W / 2).map(move |x| (x, y))).filter(|&(x, y)| tinted(png.px(x, y)));
    assert!(moving_tinted.count() > (W / 2 * H * 9 / 10) as usize, "moving blocks are not tinted");
    assert_gray(&png, &luma, W / 2..W, "still pixel");
}

// ---- A/B comparison with --ref (issue 12) ----

/// The pixel that differs between `still` and `still_one_pixel_off`.
const ODD_PIXEL: (u32, u32) = (37, 53);

/// `still` with the one pixel `ODD_PIXEL` one level brighter.
fn still_one_pixel_off(t: usize) -> Vec<u8> {
    let mut f = still(t);
    let i = (ODD_PIXEL.1 * W + ODD_PIXEL.0) as usize;
    f[i] = if f[i] < 255 { f[i] + 1 } else { f[i] - 1 };
    f
}

/// The negative of `half_moving`: a B unlike A everywhere.
fn half_moving_negative(t: usize) -> Vec<u8> {
    half_moving(t).iter().map(|v| 255 - v).collect()
}

/// Every pixel of the screenshot: `want(x, y)` within 1 on each channel.
fn assert_pixels(png: &Png, what: &str, want: impl Fn(u32, u32) -> [u8; 3]) {
    for y in 0..H {
        for x in 0..W {
            let (got, want) = (png.px(x, y), want(x, y));
            assert!(
                got.iter().zip(want).all(|(g, w)| g.abs_diff(w) <= 1),
                "{what} at ({x}, {y}): {got:?}, want {want:?}"
            );
        }
    }
}

fn gray_of(plane: &[u8], x: u32, y: u32) -> [u8; 3] {
    [plane[(y * W + x) as usize]; 3]
}

const MARK: [u8; 3] = [255, 0, 255];

#[test]
fn identical_inputs_give_a_black_ab_difference_and_no_marked_pixel() {
    let dir = tempfile::tempdir().unwrap();
    let a = clip(dir.path(), "a.y4m", half_moving);
    let b = clip(dir.path(), "b.y4m", half_moving);
    let b = b.to_str().unwrap();
    let png = screenshot_with(dir.path(), &a, "ab-diff", 3, (W, H), &["--ref", b, "--amplify", "64"]);
    assert_pixels(&png, "|A − B| x64 of identical inputs", |_, _| [0, 0, 0]);
    let png = screenshot_with(dir.path(), &a, "ab-mark", 3, (W, H), &["--ref", b]);
    let luma = half_moving(3);
    assert_pixels(&png, "mark differences of identical inputs (gray A)", |x, y| gray_of(&luma, x, y));
}

#[test]
fn a_one_pixel_change_shows_up_exactly_there_in_every_ab_view() {
    let dir = tempfile::tempdir().unwrap();
    let a = clip(dir.path(), "a.y4m", still);
    let b = clip(dir.path(), "b.y4m", still_one_pixel_off);
    let b = b.to_str().unwrap();
    let at = |x, y| (x, y) == ODD_PIXEL;
    let png = screenshot_with(dir.path(), &a, "ab-diff", 2, (W, H), &["--ref", b, "--amplify", "64"]);
    assert_pixels(&png, "|A − B| x64", |x, y| if at(x, y) { [64; 3] } else { [0; 3] });
    let png = screenshot_with(dir.path(), &a, "ab-diff", 2, (W, H), &["--ref", b]);
    assert_pixels(&png, "|A − B| x1", |x, y| if at(x, y) { [1; 3] } else { [0; 3] });
    let (pa, pb) = (still(0), still_one_pixel_off(0));
    let png = screenshot_with(dir.path(), &a, "ab-signed", 2, (W, H), &["--ref", b]);
    assert_pixels(&png, "A − B + 128", |x, y| {
        let i = (y * W + x) as usize;
        [(i32::from(pa[i]) - i32::from(pb[i]) + 128) as u8; 3]
    });
    let png = screenshot_with(dir.path(), &a, "ab-mark", 2, (W, H), &["--ref", b]);
    assert_pixels(&png, "mark differences", |x, y| if at(x, y) { MARK } else { gray_of(&pa, x, y) });
    let png = screenshot_with(dir.path(), &a, "b", 2, (W, H), &["--ref", b]);
    assert_pixels(&png, "B", |x, y| gray_of(&pb, x, y));
}

/// Starts paused at `start` with the UI hidden and `extra` arguments, runs each xdotool command of
/// `steps` (relative to the window: `WINDOW` is replaced by its id), and returns the screenshot taken
/// when frame `at` comes on screen.
fn screenshot_after_steps(input: &Path, extra: &[&str], start: usize, at: usize, steps: &[&[&str]]) -> Png {
    screenshot_after_steps_in(None, input.to_str().unwrap(), extra, start, at, steps)
}

/// Opens the viewer paused at `start` (UI hidden, `extra` args), runs the xdotool `steps` ("WINDOW"
/// stands for the window's id), and returns the screenshot it takes at frame `at`.
fn screenshot_after_steps_in(
    cwd: Option<&Path>,
    input: &str,
    extra: &[&str],
    start: usize,
    at: usize,
    steps: &[&[&str]],
) -> Png {
    let dir = tempfile::tempdir().unwrap();
    let xvfb = Xvfb::start();
    let d = xvfb.display.as_str();
    let out_png = dir.path().join("shot.png");
    let (start_s, at_s, size) = (start.to_string(), at.to_string(), format!("{W}x{H}"));
    let mut args = vec![
        "view",
        input,
        "--hide-ui",
        "--paused",
        "--size",
        &size,
        "--start",
        &start_s,
        "--screenshot",
        out_png.to_str().unwrap(),
        "--at-frame",
        &at_s,
    ];
    args.extend_from_slice(extra);
    let (child, id) = open_window_in(d, cwd, &args, Duration::from_millis(500));
    for step in steps {
        let step: Vec<&str> = step.iter().map(|s| if *s == "WINDOW" { id.as_str() } else { s }).collect();
        xdotool(d, &step);
        std::thread::sleep(Duration::from_millis(400));
    }
    let out = wait_with_timeout(child, Duration::from_secs(60));
    assert_clean(&out);
    Png::read(&out_png)
}

#[test]
fn keys_cycle_to_the_amplified_difference_of_a_one_pixel_change() {
    let dir = tempfile::tempdir().unwrap();
    let a = clip(dir.path(), "a.y4m", still);
    let b = clip(dir.path(), "b.y4m", still_one_pixel_off);
    // X: A → B → |A − B|; + six times: x64; → steps to the screenshot frame.
    let mut steps: Vec<&[&str]> = vec![&["key", "x"], &["key", "x"]];
    steps.extend([&["key", "plus"][..]; 6]);
    steps.push(&["key", "Right"]);
    let png = screenshot_after_steps(&a, &["--ref", b.to_str().unwrap()], 1, 2, &steps);
    assert_pixels(&png, "|A − B| x64 after keys", |x, y| if (x, y) == ODD_PIXEL { [64; 3] } else { [0; 3] });
}

/// Columns left of `divider − 1` show A (`half_moving`), right of `divider` B (its negative), the two
/// columns at the divider are the divider's yellow.
fn assert_wipe(png: &Png, divider: u32, t: usize) {
    let (a, b) = (half_moving(t), half_moving_negative(t));
    assert_pixels(png, &format!("wipe at x = {divider}"), |x, y| {
        if x + 1 == divider || x == divider {
            [255, 220, 0]
        } else if x < divider {
            gray_of(&a, x, y)
        } else {
            gray_of(&b, x, y)
        }
    });
}

#[test]
fn the_wipe_shows_a_left_and_b_right_and_its_divider_follows_a_drag() {
    let dir = tempfile::tempdir().unwrap();
    let a = clip(dir.path(), "a.y4m", half_moving);
    let b = clip(dir.path(), "b.y4m", half_moving_negative);
    let b = b.to_str().unwrap();
    let png = screenshot_with(dir.path(), &a, "raw", 3, (W, H), &["--ref", b, "--wipe", "0.5"]);
    assert_wipe(&png, W / 2, 3);
    // In the |A − B| view, B's luma is shown right of the divider.
    let png = screenshot_with(dir.path(), &a, "ab-diff", 3, (W, H), &["--ref", b, "--wipe", "0.75"]);
    let (pa, pb) = (half_moving(3), half_moving_negative(3));
    let d = W * 3 / 4;
    assert_pixels(&png, "wipe over |A − B|", |x, y| {
        let i = (y * W + x) as usize;
        if x + 1 == d || x == d {
            [255, 220, 0]
        } else if x < d {
            [pa[i].abs_diff(pb[i]); 3]
        } else {
            [pb[i]; 3]
        }
    });
    // W turns the wipe on at the middle; dragging its divider to x = 40 moves it there.
    let steps: &[&[&str]] = &[
        &["key", "w"],
        &["mousemove", "--window", "WINDOW", "80", "60"],
        &["mousedown", "1"],
        &["mousemove", "--window", "WINDOW", "60", "60"],
        &["mousemove", "--window", "WINDOW", "40", "60"],
        &["mouseup", "1"],
        &["mousemove", "--window", "WINDOW", "150", "5"],
        &["key", "Right"],
    ];
    let png = screenshot_after_steps(&a, &["--ref", b], 2, 3, steps);
    assert_wipe(&png, 40, 3);
}

#[test]
fn the_psnr_heatmap_tints_only_the_block_that_differs() {
    let dir = tempfile::tempdir().unwrap();
    let a = clip(dir.path(), "a.y4m", still);
    let b = clip(dir.path(), "b.y4m", still_one_pixel_off);
    let b = b.to_str().unwrap();
    let png = screenshot_with(dir.path(), &a, "heatmap", 2, (W, H), &["--ref", b, "--metric", "ab-psnr"]);
    let luma = still(0);
    let block = |x: u32, y: u32| (x / 16, y / 16) == (ODD_PIXEL.0 / 16, ODD_PIXEL.1 / 16);
    let mut tinted = 0;
    for y in 0..H {
        for x in 0..W {
            let got = png.px(x, y);
            if block(x, y) {
                tinted += (got != gray_of(&luma, x, y)) as usize;
            } else {
                assert_eq!(got, gray_of(&luma, x, y), "identical block at ({x}, {y}) is tinted");
            }
        }
    }
    assert!(tinted > 200, "the differing block is tinted ({tinted} pixels)");
}

#[test]
fn a_reference_that_ends_first_stops_comparing_with_a_message_and_the_viewer_keeps_running() {
    let dir = tempfile::tempdir().unwrap();
    let a = clip(dir.path(), "a.y4m", half_moving);
    let b = clip(dir.path(), "b.y4m", half_moving);
    let xvfb = Xvfb::start();
    let d = xvfb.display.as_str();
    // B from its frame 4: it ends before A's frame 4.
    let args = ["view", a.to_str().unwrap(), "--ref", b.to_str().unwrap(), "--ref-start", "4", "--mode", "ab-diff"];
    let (mut child, _) = open_window(d, &args, Duration::from_millis(3000));
    assert!(matches!(child.try_wait(), Ok(None)), "the viewer quit when the reference ended");
    for key in ["x", "Home", "Right", "w"] {
        xdotool(d, &["key", "--clearmodifiers", key]);
        std::thread::sleep(Duration::from_millis(400));
    }
    assert!(matches!(child.try_wait(), Ok(None)), "the viewer quit after the reference ended");
    xdotool(d, &["key", "q"]);
    let out = wait_with_timeout(child, Duration::from_secs(60));
    assert_clean(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("reference ended before frame 4"), "no message for the reference's end:\n{stderr}");
}

#[test]
fn k_while_paused_and_recording_destroys_no_buffer_still_in_use() {
    // Issue 14 item 9: egui's vertex buffers were a ring of 2 for 2 draws per frame (UI + REC overlay),
    // so growing them for the plots destroyed the buffers of the frame still in flight
    // (VUID-vkDestroyBuffer-buffer-00922), 4 times in 4.
    // Space, R, K as in the report; then pairs of keys 5 ms apart, each redraw growing the UI while the
    // frame before it is still in flight (without the fix: 2-4 such messages in 3 of 3 runs; with
    // the single keys alone, 1 run in 2).
    let dir = tempfile::tempdir().unwrap();
    let clip = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/clip.mp4");
    let args = ["view", clip, "--record-dir", dir.path().to_str().unwrap()];
    let xvfb = Xvfb::start();
    let d = xvfb.display.as_str();
    let (child, _) = open_window(d, &args, Duration::from_millis(1500));
    for key in ["space", "r"] {
        xdotool(d, &["key", "--clearmodifiers", key]);
        std::thread::sleep(Duration::from_millis(1000));
    }
    for pair in [["g", "k"], ["g", "g"], ["m", "m"], ["c", "c"], ["3", "g"], ["g", "4"], ["a", "a"]] {
        xdotool(d, &["key", "--clearmodifiers", "--delay", "5", pair[0], pair[1]]);
        std::thread::sleep(Duration::from_millis(700));
    }
    xdotool(d, &["key", "q"]);
    assert_clean(&wait_with_timeout(child, Duration::from_secs(60)));
    assert_eq!(files_with_ext(dir.path(), "mp4").len(), 1, "the recording is kept");
}

#[test]
fn p_and_e_pressed_quickly_give_one_uniquely_named_file_each() {
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "moving.y4m", half_moving);
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let size = format!("{W}x{H}");
    let args = [
        "view",
        clip.to_str().unwrap(),
        "--hide-ui",
        "--paused",
        "--size",
        &size,
        "--record-dir",
        out_dir.to_str().unwrap(),
    ];
    let xvfb = Xvfb::start();
    let d = xvfb.display.as_str();
    let (child, _) = open_window(d, &args, Duration::from_millis(1500));
    // Five presses 20 ms apart: faster than a frame on lavapipe.
    xdotool(d, &["key", "--clearmodifiers", "--delay", "20", "p", "p", "p", "e", "e"]);
    std::thread::sleep(Duration::from_millis(2000));
    xdotool(d, &["key", "q"]);
    let out = wait_with_timeout(child, Duration::from_secs(60));
    assert_clean(&out);
    let pngs: Vec<String> =
        files_with_ext(&out_dir, "png").iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(pngs, ["moving-raw-f000000-2.png", "moving-raw-f000000-3.png", "moving-raw-f000000.png"]);
    for name in ["moving-stats-f000000", "moving-stats-f000000-2"] {
        assert!(out_dir.join(name).join("stats.csv").is_file(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
    }
    assert!(!String::from_utf8_lossy(&out.stderr).contains("already exists"));
}

/// A gray `.y4m` whose FRAME lines carry a parameter, so its frame count is unknown until the end.
fn write_y4m_unknown_count(path: &Path, frames: usize) {
    let y4m = crate::common::y4m::Y4m { frame_tag: " Ixyz", ..crate::common::y4m::Y4m::gray(W, H) };
    y4m.write(path, (0..frames).map(half_moving));
}

#[test]
fn screenshot_past_the_last_frame_is_a_one_line_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let known = dir.path().join("known.y4m");
    write_y4m(&known, 5, half_moving);
    let unknown = dir.path().join("unknown.y4m");
    write_y4m_unknown_count(&unknown, 5);
    let shot = dir.path().join("shot.png");
    let xvfb = Xvfb::start();
    let size = format!("{W}x{H}");
    for clip in [&known, &unknown] {
        let args = ["view", clip.to_str().unwrap(), "--hide-ui", "--size", &size, "--screenshot"];
        let cmd = vidscope(&xvfb.display, &[&args[..], &[shot.to_str().unwrap(), "--at-frame", "10"]].concat());
        let out = run_with_timeout(cmd, Duration::from_secs(60));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {stderr}", clip.display());
        let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("vidscope: error:")).collect();
        assert_eq!(errors.len(), 1, "{stderr}");
        assert!(errors[0].contains("--at-frame 10: the input ends after 5 frames"), "{stderr}");
        assert!(!shot.exists());
    }
    // Without looping, a frame before --start is still reached: sought once the end is seen.
    let cmd = vidscope(
        &xvfb.display,
        &["view", unknown.to_str().unwrap(), "--hide-ui", "--size", &size, "--start", "3"]
            .into_iter()
            .chain(["--screenshot", shot.to_str().unwrap(), "--at-frame", "1"])
            .collect::<Vec<_>>(),
    );
    assert_clean(&run_with_timeout(cmd, Duration::from_secs(60)));
    assert!(shot.is_file());
}

#[test]
fn opening_a_clip_larger_than_the_device_shows_a_message_and_playback_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("long.y4m");
    write_y4m(&clip, 60, half_moving);
    let wide = dir.path().join("wide.y4m");
    let mut bytes = b"YUV4MPEG2 W20000 H16 F30:1 Ip A1:1 Cmono\n".to_vec();
    bytes.extend_from_slice(b"FRAME\n");
    bytes.extend(std::iter::repeat_n(128u8, 20000 * 16));
    std::fs::write(&wide, bytes).unwrap();
    let xvfb = Xvfb::start();
    let d = xvfb.display.as_str();
    let out_png = dir.path().join("shot.png");
    let args = ["view", clip.to_str().unwrap(), "--size", "640x480", "--paused", "--screenshot"];
    let (child, _) = open_window(
        d,
        &[&args[..], &[out_png.to_str().unwrap(), "--at-frame", "30"]].concat(),
        Duration::from_millis(1500),
    );
    xdotool(d, &["key", "o"]);
    std::thread::sleep(Duration::from_millis(800));
    xdotool(d, &["type", "--delay", "30", wide.to_str().unwrap()]);
    std::thread::sleep(Duration::from_millis(500));
    xdotool(d, &["key", "Return"]);
    std::thread::sleep(Duration::from_millis(800));
    xdotool(d, &["key", "space"]);
    let out = wait_with_timeout(child, Duration::from_secs(60));
    // No validation message (the image was never created), and the first clip played on to frame 30.
    assert_clean(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("20000x16 is larger than") && stderr.contains("maxImageDimension2D"), "{stderr}");
    assert!(out_png.is_file());
}

#[test]
fn a_damaged_clip_plays_on_with_its_decoder_errors_counted_and_one_warning() {
    // The corpus of scripts/make-corrupt-corpus.py (fixed seeds); tests/suite/corrupt_inputs.rs has analyze's
    // and record's side of the same policy.
    let dir = tempfile::tempdir().unwrap();
    let made = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/make-corrupt-corpus.py"))
        .arg(dir.path())
        .output()
        .expect("run python3");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let xvfb = Xvfb::start();
    // Plays `clip` to frame 40 (a screenshot there proves it got that far) and returns its stderr.
    let play_to_frame_40 = |clip: &str| -> String {
        let (clip, shot) = (dir.path().join(clip), dir.path().join("shot.png"));
        let cmd = vidscope(
            &xvfb.display,
            &["view", clip.to_str().unwrap(), "--screenshot", shot.to_str().unwrap(), "--at-frame", "40"],
        );
        let out = run_with_timeout(cmd, Duration::from_secs(120));
        assert_clean(&out);
        assert!(shot.is_file(), "{}: played on to frame 40", clip.display());
        std::fs::remove_file(&shot).unwrap();
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    for (clip, damaged) in [("clean.mp4", false), ("flip-mp4-s1.mp4", true)] {
        let stderr = play_to_frame_40(clip);
        let warnings: Vec<&str> = stderr.lines().filter(|l| l.starts_with("vidscope: warning:")).collect();
        if damaged {
            assert!(stderr.contains("decoder error(s); damaged frames are decoded on"), "announced once:\n{stderr}");
            assert_eq!(warnings.len(), 1, "{stderr}");
            assert!(warnings[0].contains("decoder error(s) in") && warnings[0].contains("the HUD"), "{}", warnings[0]);
        } else {
            assert!(warnings.is_empty() && !stderr.contains("decoder error"), "{stderr}");
        }
    }
    // An 8-bit -> 10-bit switch at frame 24: the viewer plays through it and says so once.
    let stderr = play_to_frame_40("depth-change.h264");
    let announced = "frame 24: pixel format yuv420p (8-bit) -> yuv420p10le (10-bit, luma >> 2) mid-stream";
    assert_eq!(stderr.matches(announced).count(), 1, "{stderr}");
}

#[test]
fn a_window_size_past_the_devices_limit_is_a_one_line_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "c.y4m", still);
    let xvfb = Xvfb::start();
    let cmd = vidscope(&xvfb.display, &["view", clip.to_str().unwrap(), "--size", "20000x20000"]);
    let out = run_with_timeout(cmd, Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "exit status (a crash has none); stderr:\n{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("vidscope: error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].contains("--size") && errors[0].contains("20000x20000"), "{stderr}");
}

#[test]
fn keys_pressed_quickly_act_on_the_frame_on_screen_when_each_was_pressed() {
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "moving.y4m", half_moving);
    let xvfb = Xvfb::start();
    let d = xvfb.display.as_str();
    let size = format!("{W}x{H}");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let args = [
        "view",
        clip.to_str().unwrap(),
        "--hide-ui",
        "--paused",
        "--size",
        &size,
        "--record-dir",
        out.to_str().unwrap(),
    ];
    let (child, _) = open_window(d, &args, Duration::from_millis(1500));
    // One xdotool call: the keys arrive back to back, faster than the viewer draws frames.
    xdotool(d, &["key", "--clearmodifiers", "--delay", "1", "p", "p", "p", "e", "r", "Right", "r"]);
    std::thread::sleep(Duration::from_millis(3000));
    xdotool(d, &["key", "--clearmodifiers", "q"]);
    assert_clean(&wait_with_timeout(child, Duration::from_secs(60)));
    let names: Vec<String> =
        files_with_ext(&out, "png").iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["moving-raw-f000000-2.png", "moving-raw-f000000-3.png", "moving-raw-f000000.png"]);
    assert!(out.join("moving-stats-f000000").is_dir(), "E exported the frame shown at its press");
    let mp4s = files_with_ext(&out, "mp4");
    assert_eq!(mp4s.len(), 1, "R → R recorded: {mp4s:?}");
    assert!(mp4s[0].to_string_lossy().ends_with("moving-raw-f000000.mp4"), "{mp4s:?}");
    let frames = decode_mp4(&mp4s[0], (W, H));
    assert_eq!(frames.len(), 2, "frames 0 and 1 were on screen while recording");
    let snap = Png::read(&out.join("moving-raw-f000000.png"));
    assert!(psnr(&frames[0], &snap) >= MIN_PSNR_DB, "the recording starts with frame 0");
    assert!(psnr(&frames[1], &snap) < psnr(&frames[0], &snap), "its second frame is frame 1");
}

/// A headless Weston (Wayland compositor) in a private runtime folder, killed on drop. Its socket
/// name is unique to this process and call, so parallel tests never share a compositor.
struct Weston {
    child: Child,
    /// XDG_RUNTIME_DIR of the compositor and its clients (0700, as Wayland requires).
    runtime: tempfile::TempDir,
    socket: String,
}

impl Weston {
    fn start() -> Weston {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let socket = format!("vidscope-test-{}-{n}", std::process::id());
        let runtime = tempfile::tempdir().unwrap();
        let version = Command::new("weston")
            .arg("--version")
            .output()
            .unwrap_or_else(|e| panic!("cannot run weston (install the weston package): {e}"));
        // "weston 10.0.1": Weston 10 (Debian 12) names backends by module file, 11 and later by name.
        let major: u32 = String::from_utf8_lossy(&version.stdout)
            .split_whitespace()
            .nth(1)
            .and_then(|v| v.split('.').next()?.parse().ok())
            .unwrap_or_else(|| panic!("weston --version said {:?}", String::from_utf8_lossy(&version.stdout)));
        let backend = if major < 11 { "--backend=headless-backend.so" } else { "--backend=headless" };
        let log = runtime.path().join("weston.log");
        let child = Command::new("weston")
            .args([backend, "--idle-time=0", "--width=640", "--height=480"])
            .arg(format!("--socket={socket}"))
            .arg(format!("--log={}", log.display()))
            .env("XDG_RUNTIME_DIR", runtime.path())
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("WAYLAND_SOCKET")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start weston (install the weston package): {e}"));
        let mut weston = Weston { child, runtime, socket };
        // Weston creates its socket once it accepts clients.
        let start = Instant::now();
        while !weston.runtime.path().join(&weston.socket).exists() {
            let log = || std::fs::read_to_string(&log).unwrap_or_default();
            if let Ok(Some(status)) = weston.child.try_wait() {
                panic!("weston exited ({status}) before it made its socket; its log:\n{}", log());
            }
            assert!(start.elapsed() < Duration::from_secs(30), "weston made no socket in 30 s; its log:\n{}", log());
            std::thread::sleep(Duration::from_millis(50));
        }
        weston
    }

    /// `vidscope ARGS` as a client of this compositor only: no X display to fall back on.
    fn vidscope(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vidscope"));
        cmd.env("XDG_RUNTIME_DIR", self.runtime.path())
            .env("WAYLAND_DISPLAY", &self.socket)
            .env_remove("WAYLAND_SOCKET")
            .env_remove("DISPLAY")
            .args(["--validation", "on"])
            .args(args);
        cmd
    }
}

impl Drop for Weston {
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let _ = sigterm(self.child.id());
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn under_wayland_the_viewer_opens_plays_and_screenshots_the_frame_it_reached() {
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "moving.y4m", half_moving);
    let weston = Weston::start();
    // Not paused, from frame 0: the screenshot at frame 5 is taken only once playback got there. The
    // diff of frame 5 needs frame 4 before it, so the picture proves the frames were played in order.
    let shot = dir.path().join("wayland-diff-5.png");
    let size = format!("{W}x{H}");
    let cmd = weston.vidscope(&[
        "view",
        clip.to_str().unwrap(),
        "--mode",
        "diff",
        "--hide-ui",
        "--size",
        &size,
        "--screenshot",
        shot.to_str().unwrap(),
        "--at-frame",
        "5",
    ]);
    let out = run_with_timeout(cmd, Duration::from_secs(120));
    assert_clean(&out);
    // Nothing from the Wayland stack on stderr either (e.g. the window frame's portal query).
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("ERROR") && !stderr.contains("WARN"), "log lines on stderr:\n{stderr}");
    let png = Png::read(&shot);
    assert_eq!((png.width, png.height), (W, H), "screenshot size");
    assert_shows_diff_of(&png, 5);
    // Not a black picture that happens to match: the moving half lights up.
    assert!((0..W / 2).any(|x| png.px(x, H / 2) != [0, 0, 0]), "the moving half is black");
}

#[test]
fn flow_mode_colours_every_pixel_by_its_blocks_vector_as_the_cpu_wheel() {
    // Four quadrants moving four ways at an odd size (edge blocks); the display pass draws the wheel in
    // f32 on the GPU, the reference (reference::flow_colour, itself held to RAFT's flow_viz) in f64.
    use crate::flow_view::{quadrant_clip, quadrants, H as FH, W as FW};
    use vidscope::reference::{flow_colour::vector_colour, motion_search, BlockGrid};
    let dir = tempfile::tempdir().unwrap();
    let clip = quadrant_clip(dir.path());
    let png = screenshot_with(dir.path(), &clip, "flow", 3, (FW, FH), &["--range", "4", "--flow-scale", "3"]);
    let grid = BlockGrid::new(FW, FH, 16);
    let vectors = motion_search(&quadrants(3), &quadrants(2), &grid, 4);
    let (mut worst, mut colours) = (0u8, std::collections::BTreeSet::new());
    for y in 0..FH {
        for x in 0..FW {
            let v = vectors[((y / 16) * grid.blocks_x() + x / 16) as usize];
            let (got, want) = (png.px(x, y), vector_colour(v, 3.0));
            let d = got.iter().zip(want).map(|(a, b)| a.abs_diff(b)).max().unwrap();
            assert!(d <= 1, "pixel ({x}, {y}), vector ({}, {}): {got:?}, reference {want:?}", v.dx, v.dy);
            worst = worst.max(d);
            colours.insert(want);
        }
    }
    assert!(colours.len() >= 4, "four motions should show four colours: {colours:?}");
    eprintln!("flow view: worst channel difference {worst} over {} colours", colours.len());
}

#[test]
fn a_pinned_block_shows_its_cost_surface_in_the_panel() {
    // The panel is gray and the clip is gray: the surface's heat image is the only colour on screen.
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "moving.y4m", half_moving);
    let shot = |pin: Option<&str>| {
        let xvfb = Xvfb::start();
        let png = dir.path().join(format!("panel-{}.png", pin.is_some()));
        let mut args = vec!["view", clip.to_str().unwrap(), "--size", "900x700", "--range", "4", "--paused"];
        args.extend(["--start", "3", "--screenshot", png.to_str().unwrap(), "--at-frame", "3"]);
        if let Some(p) = pin {
            args.extend(["--pin", p]);
        }
        assert_clean(&run_with_timeout(vidscope(&xvfb.display, &args), Duration::from_secs(120)));
        let png = Png::read(&png);
        coloured_pixels(&png, 0, png.width)
    };
    let (pinned, unpinned) = (shot(Some("2,2")), shot(None));
    // 9 x 9 cells of 12 points: about 11 700 coloured pixels.
    assert!(pinned > unpinned + 8000, "pinned: {pinned} coloured pixels, unpinned: {unpinned}");
}

#[test]
fn while_paused_the_cost_surface_follows_a_pointer_moved_over_the_picture() {
    // The surface's heat image is the only colour on a gray clip with gray panels; it appears once the
    // pointer moves over the picture (a pointer that merely rests where the window opened shows none).
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "moving.y4m", half_moving);
    let shot = |move_pointer: bool| {
        let xvfb = Xvfb::start();
        let d = xvfb.display.as_str();
        let png = dir.path().join(format!("hover-{move_pointer}.png"));
        let args = ["view", clip.to_str().unwrap(), "--size", "900x700", "--range", "4", "--paused", "--start", "3"];
        let args = [&args[..], &["--screenshot", png.to_str().unwrap(), "--at-frame", "4"]].concat();
        let (child, id) = open_window_in(d, None, &args, Duration::from_millis(500));
        if move_pointer {
            for (x, y) in [("450", "350"), ("460", "360")] {
                xdotool(d, &["mousemove", "--window", &id, x, y]);
                std::thread::sleep(Duration::from_millis(400));
            }
            std::thread::sleep(Duration::from_millis(1500));
        }
        xdotool(d, &["key", "--clearmodifiers", "Right"]);
        assert_clean(&wait_with_timeout(child, Duration::from_secs(60)));
        let png = Png::read(&png);
        coloured_pixels(&png, 0, png.width)
    };
    let (moved, resting) = (shot(true), shot(false));
    assert!(moved > resting + 8000, "pointer moved: {moved} coloured pixels, resting: {resting}");
}

#[test]
fn a_driving_dense_flow_is_drawn_as_its_block_medians_on_the_wheel() {
    // A swirling per-pixel flow (--flow, .npy): the flow view colours each block by the median of the
    // flow over it (reference::dense_flow::block_medians, 1/16 px), on the same wheel as the vectors.
    use crate::flow_parity::swirl;
    use crate::flow_view::{quadrant_clip, H as FH, W as FW};
    use vidscope::reference::dense_flow::{block_medians, FlowField};
    use vidscope::reference::{flow_colour::flow_colour, BlockGrid};
    let dir = tempfile::tempdir().unwrap();
    let clip = quadrant_clip(dir.path());
    let fields: Vec<Vec<f32>> = (0..5).map(|p| swirl(FW, FH, 60 + p)).collect();
    let path = dir.path().join("flow.npy");
    crate::common::write_flow_npy(&path, FW, FH, &fields);
    let png = screenshot_with(
        dir.path(),
        &clip,
        "flow",
        3,
        (FW, FH),
        &["--range", "4", "--flow-scale", "6", "--flow", path.to_str().unwrap()],
    );
    let grid = BlockGrid::new(FW, FH, 16);
    let medians = block_medians(&FlowField::quantize(FW, FH, &fields[2]).unwrap(), &grid);
    let mut colours = std::collections::BTreeSet::new();
    for y in 0..FH {
        for x in 0..FW {
            let (u, v) = medians[((y / 16) * grid.blocks_x() + x / 16) as usize];
            let want = flow_colour(f64::from(-u) / 16.0 / 6.0, f64::from(-v) / 16.0 / 6.0);
            let got = png.px(x, y);
            let d = got.iter().zip(want).map(|(a, b)| a.abs_diff(b)).max().unwrap();
            assert!(d <= 1, "pixel ({x}, {y}), median ({u}, {v})/16: {got:?}, reference {want:?}");
            colours.insert(want);
        }
    }
    assert!(colours.len() >= 20, "a swirl shows many colours: {}", colours.len());
}

#[test]
fn n_switches_the_prediction_from_the_flow_to_the_search() {
    // --flow drives the prediction (mode 5 shows it); N hands it to the search, on the next frame shown.
    use crate::flow_parity::swirl;
    use vidscope::reference::dense_flow::{flow_predict, FlowField};
    use vidscope::reference::{motion_predict, motion_search, BlockGrid};
    let dir = tempfile::tempdir().unwrap();
    let clip = clip(dir.path(), "moving.y4m", half_moving);
    let fields: Vec<Vec<f32>> = (0..7).map(|p| swirl(W, H, 80 + p)).collect();
    let path = dir.path().join("flow.npy");
    crate::common::write_flow_npy(&path, W, H, &fields);
    let extra = ["--flow", path.to_str().unwrap(), "--mode", "predicted", "--range", "4"];
    let shot = |keys: &[&str]| {
        let steps: Vec<[&str; 3]> = keys.iter().map(|k| ["key", "--clearmodifiers", k]).collect();
        let steps: Vec<&[&str]> = steps.iter().map(|s| &s[..]).collect();
        screenshot_after_steps_in(None, clip.to_str().unwrap(), &extra, 2, 3, &steps)
    };
    let by_flow = flow_predict(&half_moving(2), &FlowField::quantize(W, H, &fields[2]).unwrap());
    assert_gray(&shot(&["Right"]), &by_flow, 0..W, "the flow's prediction of frame 3");
    let grid = BlockGrid::new(W, H, 16);
    let by_search = motion_predict(&half_moving(2), &grid, &motion_search(&half_moving(3), &half_moving(2), &grid, 4));
    assert_ne!(by_flow, by_search, "the two sources must predict differently for this test to mean anything");
    assert_gray(&shot(&["n", "Right"]), &by_search, 0..W, "the search's prediction of frame 3 after N");
}
