//! `analyze A B C … --out-root DIR` (and `--inputs-from LIST`): one folder per input, each equal to
//! what `analyze INPUT --out` writes; finished folders are skipped on a second run and redone when
//! the settings differ; a failing input is reported on its line and does not stop the others; a
//! foreign folder is never replaced; the cheap default export set and `--export` for the rest.

use std::path::Path;
use std::process::Output;

fn vidscope(dir: &Path, args: &[&str]) -> Output {
    crate::common::vidscope_cmd().current_dir(dir).args(args).output().expect("run vidscope")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file of a folder (recursively) with its bytes, manifest.json left out.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().unwrap() != "manifest.json" {
                out.push((p.strip_prefix(dir).unwrap().display().to_string(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// A small 4:2:0 .y4m of `frames` frames moving by (1, 1).
fn y4m(path: &Path, frames: usize) {
    let (w, h) = (48usize, 32usize);
    let luma = |t: usize| (0..w * h).map(|i| ((i % w + t) * 7 + (i / w + t) * 13) as u8).collect();
    crate::common::y4m::Y4m::yuv420(w as u32, h as u32).write(path, (0..frames).map(luma));
}

#[test]
fn a_batch_writes_what_single_runs_write_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("x")).unwrap();
    std::fs::create_dir_all(dir.join("y")).unwrap();
    y4m(&dir.join("x/clip.y4m"), 5);
    y4m(&dir.join("y/clip.y4m"), 4);
    y4m(&dir.join("other.y4m"), 3);
    let inputs = ["x/clip.y4m", "y/clip.y4m", "other.y4m", "synthetic:40x24/4"];
    let args = |extra: &[&'static str]| -> Vec<&str> {
        [&["analyze"][..], &inputs[..], &["--out-root", "out", "-r", "1", "--jobs", "2"][..], extra].concat()
    };
    let o = vidscope(dir, &args(&[]));
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    assert_eq!(text.lines().filter(|l| l.contains(" ok   ")).count(), 4, "{text}");
    let summary = text.lines().last().unwrap();
    assert!(
        summary.starts_with("batch: 4 file(s): 4 analyzed, 0 skipped (finished), 0 failed; 16 frames"),
        "{summary}"
    );
    assert!(summary.contains("files/s") && summary.contains("frames/s"), "{summary}");

    // Names: file stems; the two clip.y4m get a hash of their path; synthetic: its spec.
    let mut names: Vec<String> = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(names[0].starts_with("clip-") && names[1].starts_with("clip-"), "{names:?}");
    assert_eq!(&names[2..], ["other", "synthetic-40x24_4"]);

    // Each folder is exactly what a single run writes (the manifest apart: it names the folder).
    for (input, name) in [("other.y4m", "other"), ("synthetic:40x24/4", "synthetic-40x24_4")] {
        let single = vidscope(dir, &["analyze", input, "--out", &format!("single-{name}"), "-r", "1"]);
        assert!(single.status.success(), "{}", stderr(&single));
        assert_eq!(files(&dir.join("out").join(name)), files(&dir.join(format!("single-{name}"))), "{input}");
    }
    let got: Vec<String> = files(&dir.join("out/other")).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        got,
        ["frames.csv", "mc_sad.npy", "mc_sse.npy", "mean.npy", "motion.npy", "rate.npy", "sad.npy", "sse.npy"]
    );

    // Again: everything is finished and skipped.
    let o = vidscope(dir, &args(&[]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().filter(|l| l.contains(" skip ")).count(), 4, "{}", stdout(&o));
    assert!(stdout(&o).contains("0 analyzed, 4 skipped"), "{}", stdout(&o));

    // Other settings: redone, with the large outputs asked for.
    let o = vidscope(dir, &args(&["--export", "all"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("4 analyzed, 0 skipped"), "{}", stdout(&o));
    assert!(dir.join("out/other/symbols.bin").is_file() && dir.join("out/other/stats.csv").is_file());
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/other/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["exports"], serde_json::json!(["block-csv", "costs", "symbols"]));
    assert!(dir.join("out/other/motion_cost.npy").is_file(), "--export all writes the costs");
    assert_eq!(manifest["settings"]["range"], 1);
    assert!(manifest["files"]["symbols.bin"]["bytes_per_frame"].as_f64().unwrap() > 0.0);
}

#[test]
fn a_failing_input_does_not_stop_the_others_and_foreign_folders_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    y4m(&dir.join("good.y4m"), 3);
    std::fs::write(dir.join("bad.y4m"), b"not a y4m file\n").unwrap();
    y4m(&dir.join("mine.y4m"), 3);
    // DIR/mine is someone's folder: never replaced.
    std::fs::create_dir_all(dir.join("out/mine")).unwrap();
    std::fs::write(dir.join("out/mine/thesis.tex"), b"x").unwrap();
    std::fs::write(dir.join("list.txt"), "# inputs\ngood.y4m\n\nbad.y4m\n").unwrap();
    let o = vidscope(dir, &["analyze", "mine.y4m", "--inputs-from", "list.txt", "--out-root", "out", "-r", "1"]);
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    assert!(text.lines().any(|l| l.contains(" ok   good.y4m")), "{text}");
    assert!(text.lines().any(|l| l.contains("FAIL bad.y4m") && l.contains("YUV4MPEG2")), "{text}");
    assert!(text.lines().any(|l| l.contains("FAIL mine.y4m") && l.contains("refusing to replace")), "{text}");
    assert!(text.contains("1 analyzed, 0 skipped (finished), 2 failed"), "{text}");
    let errors: Vec<String> = stderr(&o).lines().filter(|l| l.contains("error")).map(String::from).collect();
    assert_eq!(errors, ["vidscope: error: 2 of 3 input(s) failed (listed above)"]);
    assert_eq!(std::fs::read(dir.join("out/mine/thesis.tex")).unwrap(), b"x");
    assert!(dir.join("out/good/manifest.json").is_file());
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "no staging folder or lock left: {leftovers:?}");
}

#[test]
fn several_inputs_need_out_root_and_per_file_options_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let one_line = |o: &Output, needle: &str| {
        assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
        let errors: Vec<String> = stderr(o).lines().filter(|l| l.contains("error")).map(String::from).collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains(needle), "{errors:?}");
    };
    one_line(&vidscope(dir, &["analyze", "synthetic:16x16/2", "synthetic:32x16/2", "--out", "o"]), "--out-root");
    one_line(
        &vidscope(dir, &["analyze", "synthetic:16x16/2", "--out-root", "o", "--yuview-csv", "y.csv"]),
        "--yuview-csv",
    );
    one_line(
        &vidscope(dir, &["analyze", "synthetic:16x16/2", "--out", "o", "--export", "heatmaps"]),
        "--export heatmaps",
    );
    assert!(!dir.join("o").exists());
}
