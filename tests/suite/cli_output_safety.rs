//! Outputs never destroy a user's files (issue 14, items 1–4): `analyze --out` replaces only a folder
//! that is provably its own earlier output, checks again at commit, locks out a concurrent run, cleans
//! up on SIGINT/SIGTERM and after dead runs; `record -o` writes a temporary file and renames it, never
//! over its input, and over an existing file only with `--force`; `.mkv` gets Matroska.
#![cfg(feature = "ffmpeg")]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::CLIP;
/// Quick to analyze (well under a second of GPU work).
const QUICK: [&str; 3] = ["synthetic:40x24", "--frames", "3"];
/// Takes several seconds on lavapipe (motion search at R = 16), long enough to act during the run.
const SLOW: [&str; 3] = ["synthetic:320x192", "--frames", "48"];

use crate::common::vidscope_cmd as vidscope;

fn run(args: &[&str]) -> Output {
    vidscope().args(args).output().expect("run vidscope")
}

fn analyze(input: &[&str], out: &Path) -> Output {
    run(&[&["analyze"], input, &["--out", s(out)]].concat())
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// A child process killed (if still running) when dropped, so a failed assert leaves nothing behind.
struct Running(Child);

impl Running {
    fn analyze(input: &[&str], out: &Path) -> Running {
        let child = vidscope()
            .args([&["analyze"], input, &["--out", s(out)]].concat())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn vidscope");
        Running(child)
    }

    fn wait(mut self) -> Output {
        let child = std::mem::replace(&mut self.0, Command::new("true").spawn().unwrap());
        child.wait_with_output().unwrap()
    }

    fn signal(&self, signal: rustix::process::Signal) {
        let pid = rustix::process::Pid::from_raw(self.0.id() as i32).unwrap();
        rustix::process::kill_process(pid, signal).expect("send the signal");
    }

    fn finished(&mut self) -> bool {
        self.0.try_wait().unwrap().is_some()
    }

    /// Stops the run where it is (SIGSTOP, waited for), so that what a test does "during the run"
    /// happens during it however fast the device is: on Debian 13's lavapipe SLOW ended before a
    /// second run had started. `resume` lets it go on.
    fn pause(&mut self) {
        self.signal(rustix::process::Signal::STOP);
        let stat = format!("/proc/{}/stat", self.0.id());
        let start = Instant::now();
        // The state is the field after the parenthesised command name: T = stopped.
        while !std::fs::read_to_string(&stat).is_ok_and(|s| s.rsplit(") ").next().is_some_and(|r| r.starts_with('T'))) {
            assert!(!self.finished(), "the run ended before it could be paused");
            assert!(start.elapsed() < Duration::from_secs(10), "the run did not stop");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn resume(&self) {
        self.signal(rustix::process::Signal::CONT);
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Hidden siblings of `out` that a run leaves while working: `.NAME.partial-PID`, `.NAME.old-PID`, `.NAME.lock`.
fn staging(out: &Path) -> Vec<PathBuf> {
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(&format!(".{name}.")))
        .collect()
}

/// Waits until the run has created its staging folder (it is writing), failing after a minute.
fn wait_for_staging(out: &Path, run: &mut Running) {
    let start = Instant::now();
    while !staging(out).iter().any(|p| p.to_string_lossy().contains(".partial-")) {
        assert!(!run.finished(), "the run ended before its staging folder was seen");
        assert!(start.elapsed() < Duration::from_secs(60), "no staging folder after a minute");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit status `code`, one `vidscope: error:` line containing `needle`, no panic.
fn assert_one_line_error(o: &Output, code: i32, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "exit status; stderr:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("vidscope: error:")).collect();
    assert_eq!(lines.len(), 1, "one error line expected:\n{err}");
    assert!(lines[0].contains(needle), "{:?} does not mention {needle:?}", lines[0]);
}

fn assert_ok(o: &Output) {
    assert!(o.status.success(), "{}", stderr(o));
}

/// Every file under `dir` (relative path → bytes), to show a folder was left exactly as it was.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().filter_map(Result::ok) {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                files.push((e.path().strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(e.path()).unwrap()));
            }
        }
    }
    files.sort();
    files
}

// ---- item 1: only provably own output is replaced ----

#[test]
fn analyze_refuses_a_web_extension_folder_holding_a_manifest_json() {
    let dir = tempfile::tempdir().unwrap();
    let ext = dir.path().join("ext");
    std::fs::create_dir_all(ext.join("icons")).unwrap();
    std::fs::write(ext.join("manifest.json"), r#"{"manifest_version":3}"#).unwrap();
    std::fs::write(ext.join("icons").join("icon.png"), b"png").unwrap();
    let before = snapshot(&ext);
    assert_one_line_error(&analyze(&QUICK, &ext), 2, "refusing to replace it");
    assert_eq!(snapshot(&ext), before, "the folder is untouched");
    assert!(staging(&ext).is_empty(), "nothing left beside it: {:?}", staging(&ext));
}

#[test]
fn analyze_refuses_the_current_directory_even_when_it_is_an_earlier_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_ok(&analyze(&QUICK, &out));
    let before = snapshot(&out);
    let o = vidscope().current_dir(&out).args([&["analyze"], &QUICK[..], &["--out", s(&out)]].concat()).output();
    assert_one_line_error(&o.unwrap(), 2, "current directory");
    // `-o "$(pwd)"` from a folder with the user's files.
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    std::fs::write(home.join("notes.txt"), b"mine").unwrap();
    let o = vidscope().current_dir(&home).args([&["analyze"], &QUICK[..], &["--out", s(&home)]].concat()).output();
    assert_one_line_error(&o.unwrap(), 2, "--out");
    assert_eq!(snapshot(&out), before);
    assert_eq!(std::fs::read(home.join("notes.txt")).unwrap(), b"mine");
}

#[test]
fn analyze_replaces_an_earlier_output_with_dumps_but_not_one_holding_an_unlisted_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let dumped = [&QUICK[..], &["--dump", "raw,diff"]].concat();
    assert_ok(&analyze(&dumped, &out));
    assert_ok(&analyze(&dumped, &out));
    for extra in [out.join("raw").join("notes.txt"), out.join("thesis.tex")] {
        std::fs::write(&extra, b"precious").unwrap();
        let before = snapshot(&out);
        assert_one_line_error(&analyze(&dumped, &out), 2, "does not list");
        assert_eq!(snapshot(&out), before, "{} kept", extra.display());
        std::fs::remove_file(&extra).unwrap();
    }
    assert!(staging(&out).is_empty(), "{:?}", staging(&out));
}

// ---- item 2: checked again at commit, and locked ----

#[test]
fn a_folder_created_at_out_during_the_run_is_left_alone_and_the_output_kept_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("race1");
    let mut running = Running::analyze(&SLOW, &out);
    wait_for_staging(&out, &mut running);
    running.pause();
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("thesis.tex"), b"precious").unwrap();
    running.resume();
    let o = running.wait();
    assert_one_line_error(&o, 2, "race1.vidscope-");
    assert_eq!(std::fs::read(out.join("thesis.tex")).unwrap(), b"precious");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1, "nothing added to the user's folder");
    let kept: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("race1.vidscope-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(kept[0].join("manifest.json").is_file() && kept[0].join("sad.npy").is_file());
    assert!(staging(&out).is_empty(), "{:?}", staging(&out));
}

#[test]
fn an_earlier_output_changed_during_the_run_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_ok(&analyze(&QUICK, &out));
    let mut running = Running::analyze(&SLOW, &out);
    wait_for_staging(&out, &mut running);
    running.pause();
    std::fs::write(out.join("notes.txt"), b"added during the run").unwrap();
    let before = snapshot(&out);
    running.resume();
    assert_one_line_error(&running.wait(), 2, "notes.txt");
    assert_eq!(snapshot(&out), before);
    assert!(staging(&out).is_empty(), "{:?}", staging(&out));
}

#[test]
fn two_runs_to_one_folder_never_both_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut first = Running::analyze(&SLOW, &out);
    wait_for_staging(&out, &mut first);
    first.pause();
    let second = analyze(&QUICK, &out);
    assert!(!first.finished(), "the first run ended before the second tried");
    assert_one_line_error(&second, 2, "another vidscope run");
    first.resume();
    let o = first.wait();
    assert_ok(&o);
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"width\": 320"), "the first run's output is in place");
    assert!(staging(&out).is_empty(), "{:?}", staging(&out));
}

// ---- item 4: signals and stale staging folders ----

#[test]
fn sigint_and_sigterm_during_analyze_remove_the_staging_folder() {
    use rustix::process::Signal;
    for (signal, code, name) in [(Signal::INT, 130, "SIGINT"), (Signal::TERM, 143, "SIGTERM")] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let mut running = Running::analyze(&SLOW, &out);
        wait_for_staging(&out, &mut running);
        // Sent while stopped, the signal is delivered as the run goes on: during it, not after.
        running.pause();
        running.signal(signal);
        running.resume();
        let o = running.wait();
        assert_one_line_error(&o, code, name);
        assert!(!out.exists(), "no output after {name}");
        assert!(staging(&out).is_empty(), "left after {name}: {:?}", staging(&out));
    }
}

#[test]
fn stale_staging_folders_of_dead_runs_are_removed_and_live_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let dead = (4_000_000..4_194_304).find(|&p| !vidscope::safe_fs::pid_alive(p)).unwrap();
    let stale = [dir.path().join(format!(".out.partial-{dead}")), dir.path().join(format!(".out.old-{dead}"))];
    let live = dir.path().join(format!(".out.partial-{}", std::process::id()));
    for p in stale.iter().chain([&live]) {
        std::fs::create_dir(p).unwrap();
        std::fs::write(p.join("sad.npy"), vec![0u8; 1 << 20]).unwrap();
    }
    assert_ok(&analyze(&QUICK, &out));
    for p in &stale {
        assert!(!p.exists(), "{} should be gone", p.display());
    }
    assert!(live.join("sad.npy").is_file(), "a live process's folder is kept");
}

// ---- item 3: record -o ----

fn record(args: &[&str]) -> Output {
    run(&[&["record"], args].concat())
}

/// Frames of a file as the ffmpeg CLI decodes it, and its container name.
fn probe(path: &Path) -> (usize, String) {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0"])
        .args(["-show_entries", "stream=nb_read_frames:format=format_name", "-of", "default=nw=1:nk=1"])
        .arg(path)
        .output()
        .expect("run ffprobe");
    assert!(out.status.success(), "ffprobe failed on {}", path.display());
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    (lines[0].parse().unwrap(), lines[1].to_string())
}

#[test]
fn record_refuses_to_write_over_its_input_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("s.mp4");
    std::fs::copy(CLIP, &input).unwrap();
    let before = std::fs::read(&input).unwrap();
    let i = s(&input);
    assert_one_line_error(&record(&[i, "-o", i, "--frames", "2"]), 2, "is an input");
    assert_one_line_error(&record(&[i, "-o", i, "--frames", "2", "-y"]), 2, "is an input");
    let link = dir.path().join("link.mp4");
    std::fs::hard_link(&input, &link).unwrap();
    assert_one_line_error(&record(&[i, "-o", s(&link), "--frames", "2", "--force"]), 2, "is an input");
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

#[test]
fn record_refuses_an_existing_output_unless_forced_and_a_failed_run_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mp4");
    std::fs::write(&out, b"precious").unwrap();
    let o = s(&out);
    assert_one_line_error(&record(&[CLIP, "-o", o, "--frames", "2"]), 2, "already exists");
    assert_eq!(std::fs::read(&out).unwrap(), b"precious");
    // Fails after the encoder started (no frame past the end): the old file stays, no partial file.
    assert_one_line_error(&record(&[CLIP, "-o", o, "--start", "1000", "--force"]), 2, "no frame to record");
    assert_eq!(std::fs::read(&out).unwrap(), b"precious");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no partial file left");
    assert_ok(&record(&[CLIP, "-o", o, "--frames", "2", "-y"]));
    assert_eq!(probe(&out), (2, "mov,mp4,m4a,3gp,3g2,mj2".into()));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no partial file left");
}

#[test]
fn record_writes_matroska_for_mkv_and_refuses_other_extensions() {
    let dir = tempfile::tempdir().unwrap();
    let mkv = dir.path().join("a.mkv");
    assert_ok(&record(&[CLIP, "-o", s(&mkv), "--frames", "3"]));
    assert_eq!(probe(&mkv), (3, "matroska,webm".into()));
    let avi = dir.path().join("a.avi");
    assert_one_line_error(&record(&[CLIP, "-o", s(&avi), "--frames", "3"]), 2, "unsupported container");
    assert!(!avi.exists());
}

// ---- issue 21: no output path may be an input; interrupted means untouched ----

/// A one-frame PNG of the clip (FFmpeg reads a single image as a one-frame video).
fn still_png(path: &Path) {
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i", CLIP, "-frames:v", "1", "-pix_fmt", "gray"])
        .arg(path)
        .status()
        .expect("run ffmpeg");
    assert!(status.success());
}

#[test]
fn view_screenshot_never_writes_over_an_input_nor_writes_png_bytes_under_another_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("sub")).unwrap();
    let still = d.join("still.png");
    still_png(&still);
    for i in 1..=3 {
        std::fs::copy(&still, d.join(format!("f{i:03}.png"))).unwrap();
    }
    std::os::unix::fs::symlink(&still, d.join("link.png")).unwrap();
    let before = snapshot(d);
    let view = |input: &Path, shot: &Path| run(&["view", s(input), "--screenshot", s(shot), "--at-frame", "0"]);
    // Checked before any window opens, so no display is needed for these refusals.
    assert_one_line_error(&view(&still, &still), 2, "is an input");
    assert_one_line_error(&view(&still, &d.join("link.png")), 2, "is an input");
    assert_one_line_error(&view(&still, &d.join("sub/../still.png")), 2, "is an input");
    let pattern = d.join("f%03d.png");
    assert_one_line_error(&view(&pattern, &d.join("f002.png")), 2, "is an input");
    assert_one_line_error(&view(&still, &d.join("shot.jpg")), 2, "vidscope writes PNG");
    assert_eq!(snapshot(d), before, "nothing written or changed");
}

#[test]
fn record_never_writes_over_its_reference() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.mp4"), dir.path().join("ref.mp4"));
    std::fs::copy(CLIP, &a).unwrap();
    std::fs::copy(CLIP, &b).unwrap();
    let before = snapshot(dir.path());
    let o = record(&[s(&a), "--ref", s(&b), "-o", s(&b), "-y", "--frames", "2"]);
    assert_one_line_error(&o, 2, "is an input of this run (--ref");
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn analyze_never_replaces_a_folder_holding_its_input_nor_writes_yuview_over_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_ok(&run(&["analyze", CLIP, "--frames", "3", "--range", "2", "--dump", "raw", "--out", s(&out)]));
    let before = snapshot(dir.path());
    // The earlier output's own frames as the input: replacing the folder would delete them.
    let frames = out.join("raw/%06d.png");
    assert_one_line_error(&analyze(&[s(&frames)], &out), 2, "holds an input of this run (INPUT");
    let sad = out.join("sad.npy");
    let o = run(&["analyze", "synthetic:40x24", "--frames", "2", "--warp-params", s(&sad), "--out", s(&out)]);
    assert_one_line_error(&o, 2, "holds an input of this run (--warp-params");
    let yuv = dir.path().join("elsewhere");
    let o = run(&[
        "analyze",
        s(&frames),
        "--frames",
        "2",
        "--out",
        s(&yuv),
        "--yuview-csv",
        s(&out.join("raw/000001.png")),
    ]);
    assert_one_line_error(&o, 2, "is an input");
    assert_eq!(snapshot(dir.path()), before, "the earlier output and its frames are untouched");
}

/// `record` of a long input (residual mode runs the motion search: slow on lavapipe).
fn record_running(out: &Path, extra: &[&str]) -> Running {
    let args = [&["record", "synthetic:320x192/100000", "--mode", "residual", "-o", s(out)], extra].concat();
    let child = vidscope().args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn vidscope");
    Running(child)
}

#[test]
fn sigint_and_sigterm_during_record_leave_an_existing_file_as_it_was_and_commit_nothing() {
    use rustix::process::Signal;
    for (signal, code, name) in [(Signal::INT, 130, "SIGINT"), (Signal::TERM, 143, "SIGTERM")] {
        let dir = tempfile::tempdir().unwrap();
        let keep = dir.path().join("keep.mp4");
        std::fs::write(&keep, b"precious").unwrap();
        let mut running = record_running(&keep, &["-y"]);
        wait_for_staging(&keep, &mut running);
        std::thread::sleep(Duration::from_millis(300)); // some frames are encoded
        running.signal(signal);
        let o = running.wait();
        assert_one_line_error(&o, code, name);
        assert!(!stderr(&o).contains("recorded"), "{}", stderr(&o));
        assert_eq!(std::fs::read(&keep).unwrap(), b"precious", "replaced after {name}");
        assert!(staging(&keep).is_empty(), "left after {name}: {:?}", staging(&keep));

        // Without -y and no file there: no file afterwards either.
        let new = dir.path().join("new.mkv");
        let mut running = record_running(&new, &[]);
        wait_for_staging(&new, &mut running);
        running.signal(signal);
        assert_one_line_error(&running.wait(), code, name);
        assert!(!new.exists() && staging(&new).is_empty(), "a partial file after {name}");
    }
}

#[test]
fn stale_partial_files_of_record_and_yuview_csv_are_removed_and_said_once() {
    let dir = tempfile::tempdir().unwrap();
    let dead = (4_000_000..4_194_304).find(|&p| !vidscope::safe_fs::pid_alive(p)).unwrap();
    let rec = dir.path().join("r.mp4");
    let stale_rec = dir.path().join(format!(".r.mp4.partial-{dead}"));
    std::fs::write(&stale_rec, vec![0u8; 4096]).unwrap();
    let o = record(&[CLIP, "-o", s(&rec), "--frames", "2"]);
    assert_ok(&o);
    assert!(!stale_rec.exists());
    let said = stderr(&o).lines().filter(|l| l.contains("removed") && l.contains(".r.mp4.partial-")).count();
    assert_eq!(said, 1, "{}", stderr(&o));

    let csv = dir.path().join("y.csv");
    let stale_csv = dir.path().join(format!(".y.csv.partial-{dead}"));
    std::fs::write(&stale_csv, b"half").unwrap();
    let o = run(&["analyze", QUICK[0], "--frames", "2", "--out", s(&dir.path().join("a")), "--yuview-csv", s(&csv)]);
    assert_ok(&o);
    assert!(!stale_csv.exists() && csv.is_file());
    assert_eq!(stderr(&o).lines().filter(|l| l.contains("removed") && l.contains(".y.csv.partial-")).count(), 1);
}

#[test]
fn a_yuview_file_created_during_the_run_keeps_both_and_costs_not_the_analysis() {
    let dir = tempfile::tempdir().unwrap();
    let (out, csv) = (dir.path().join("out"), dir.path().join("y.csv"));
    let child = vidscope()
        .args([&["analyze"], &SLOW[..], &["--out", s(&out), "--yuview-csv", s(&csv)]].concat())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    wait_for_staging(&csv, &mut running);
    running.pause();
    std::fs::write(&csv, b"the user's").unwrap();
    running.resume();
    let o = running.wait();
    assert_one_line_error(&o, 2, "left alone");
    assert_eq!(std::fs::read(&csv).unwrap(), b"the user's");
    assert!(out.join("manifest.json").is_file(), "the analysis was committed");
    let kept: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("y.vidscope-"))
        .collect();
    assert_eq!(kept.len(), 1, "the statistics were kept beside it");
    assert!(!stderr(&o).contains(".partial-"), "errors name the user's paths: {}", stderr(&o));
}

#[test]
fn errors_name_the_users_path_not_a_staging_name() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("missing/y.csv");
    let o = run(&["analyze", QUICK[0], "--frames", "2", "--out", s(&dir.path().join("a")), "--yuview-csv", s(&csv)]);
    assert_one_line_error(&o, 2, "missing/y.csv");
    assert!(!stderr(&o).contains(".partial-"), "{}", stderr(&o));
}

#[test]
fn validation_is_off_by_default_and_on_with_the_environment_variable() {
    let dir = tempfile::tempdir().unwrap();
    let go = |env: Option<&str>, out: &str| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_vidscope"));
        match env {
            Some(v) => c.env("VIDSCOPE_VALIDATION", v),
            None => c.env_remove("VIDSCOPE_VALIDATION"),
        };
        c.args(["analyze", QUICK[0], "--frames", "2", "--out", s(&dir.path().join(out))]).output().unwrap()
    };
    let off = go(None, "a");
    assert_ok(&off);
    assert!(stderr(&off).contains("vidscope: GPU") && !stderr(&off).contains("validation on"), "{}", stderr(&off));
    let on = go(Some("on"), "b");
    assert_ok(&on);
    assert!(stderr(&on).contains("validation on"), "{}", stderr(&on));
}

#[test]
fn every_file_analyze_lists_is_one_it_may_replace() {
    // An output analyze writes but does not know as its own would make its folder irreplaceable.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let dumps = "raw,diff,predicted,residual,ab,ab-signed";
    let o = run(&["analyze", CLIP, "--frames", "3", "--range", "2", "--ref", CLIP, "--dump", dumps, "--out", s(&out)]);
    assert_ok(&o);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let files = manifest["files"].as_object().unwrap();
    assert!(files.len() > 10, "{files:?}");
    let own = vidscope::analysis::own_names();
    for name in files.keys() {
        let known = match name.strip_suffix('/') {
            Some(folder) => own.is_dir(folder),
            None => own.is_file(name),
        };
        assert!(known, "{name} is written by analyze but not among analysis::own_names()");
    }
    // And so a second run replaces it.
    assert_ok(&run(&[
        "analyze",
        CLIP,
        "--frames",
        "3",
        "--range",
        "2",
        "--ref",
        CLIP,
        "--dump",
        dumps,
        "--out",
        s(&out),
    ]));
}
