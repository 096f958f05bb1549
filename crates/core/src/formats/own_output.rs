//! Whether a folder is provably an earlier `analyze` output, and so may be replaced: a manifest.json
//! that vidscope wrote (`vidscope_version`, `complete: true`, a `files` map) and nothing else in the
//! folder but the files that manifest lists, each of them a name analyze itself writes
//! ([`ANALYZE_FILES`], [`ANALYZE_DUMP_DIRS`]): a hand-edited manifest listing `thesis.docx` does not
//! make that file vidscope's. Any other folder is the user's, and is never touched.

use std::collections::BTreeSet;
use std::path::Path;

/// Every file name `analyze` writes into its output folder. A new output must be added here, or the
/// folder holding it is never replaced (the test `every_file_analyze_lists_is_one_it_may_replace` says so).
pub const ANALYZE_FILES: &[&str] = &[
    "manifest.json",
    "stats.csv",
    "frames.csv",
    "symbols.bin",
    "sad.npy",
    "sse.npy",
    "mean.npy",
    "motion.npy",
    "mc_sad.npy",
    "mc_sse.npy",
    "rate.npy",
    "ab_sad.npy",
    "ab_sse.npy",
    "psnr.csv",
    super::CODEC_MVS_CSV,
    super::CODEC_EPE_NPY,
];

/// The `--dump` folder of the input frames; the passes declare the others (`<t:06>.png` frames only).
pub const ANALYZE_RAW_DIR: &str = "raw";

/// Every name an analyze output folder may hold: [`ANALYZE_FILES`] and [`ANALYZE_RAW_DIR`], and the
/// arrays and dump folders the registered passes declare (added by the caller, which knows them).
#[derive(Clone, Debug)]
pub struct OwnNames {
    pub files: Vec<String>,
    pub dirs: Vec<String>,
}

impl Default for OwnNames {
    fn default() -> Self {
        let files = ANALYZE_FILES.iter().map(|f| f.to_string()).collect();
        Self { files, dirs: vec![ANALYZE_RAW_DIR.to_string()] }
    }
}

impl OwnNames {
    /// These names and `files` and `dirs` besides.
    pub fn with<'a>(
        mut self,
        files: impl IntoIterator<Item = &'a str>,
        dirs: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        self.files.extend(files.into_iter().map(String::from));
        self.dirs.extend(dirs.into_iter().map(String::from));
        self
    }

    pub fn is_file(&self, name: &str) -> bool {
        self.files.iter().any(|f| f == name)
    }

    pub fn is_dir(&self, name: &str) -> bool {
        self.dirs.iter().any(|d| d == name)
    }
}

/// `None` when `dir` is empty or an earlier vidscope output (only `own` names, each listed by its
/// manifest); otherwise why it is not, for a message.
pub fn foreign_content(dir: &Path, own: &OwnNames) -> Option<String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return Some(format!("cannot read it: {e}")),
    };
    let names: Vec<_> = entries.filter_map(Result::ok).map(|e| e.file_name()).collect();
    if names.is_empty() {
        return None;
    }
    let listed = match listed_files(&dir.join("manifest.json")) {
        Ok(listed) => listed,
        Err(why) => return Some(why),
    };
    for name in names {
        let Some(name) = name.to_str() else {
            return Some(format!("it holds {name:?}, which no vidscope manifest lists"));
        };
        let Ok(meta) = std::fs::symlink_metadata(dir.join(name)) else {
            return Some(format!("cannot read {name}"));
        };
        let own = if meta.is_file() {
            own.is_file(name) && (name == "manifest.json" || listed.contains(name))
        } else {
            meta.is_dir()
                && own.is_dir(name)
                && listed.contains(&format!("{name}/"))
                && only_frame_pngs(&dir.join(name))
        };
        if !own {
            return Some(format!("it holds {name}, which its manifest.json does not list as an analyze output"));
        }
    }
    None
}

/// The `files` keys of a vidscope manifest, or why `path` is not one.
fn listed_files(path: &Path) -> Result<BTreeSet<String>, String> {
    let text =
        std::fs::read_to_string(path).map_err(|_| "it is not empty and holds no vidscope manifest.json".to_string())?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|_| "its manifest.json is not one vidscope wrote".to_string())?;
    let ours = json.get("vidscope_version").is_some_and(serde_json::Value::is_string)
        && json.get("complete") == Some(&serde_json::Value::Bool(true));
    match json.get("files").and_then(serde_json::Value::as_object) {
        Some(files) if ours => Ok(files.keys().cloned().collect()),
        _ => Err("its manifest.json is not one vidscope wrote".into()),
    }
}

/// Whether `dir` holds nothing but `--dump` frames: plain files named `<t:06>.png`.
fn only_frame_pngs(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.filter_map(Result::ok).all(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let frame = name.strip_suffix(".png").is_some_and(|t| t.len() >= 6 && t.bytes().all(|b| b.is_ascii_digit()));
        frame && e.file_type().is_ok_and(|t| t.is_file())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"{"vidscope_version": "0.1.0", "complete": true, "files": {"sad.npy": {}, "raw/": {}}}"#;

    #[test]
    fn only_a_vidscope_manifest_and_what_it_lists_is_own_output() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        assert_eq!(foreign_content(d, &OwnNames::default()), None, "an empty folder has nothing to lose");
        std::fs::write(d.join("manifest.json"), r#"{"manifest_version": 3}"#).unwrap();
        assert!(foreign_content(d, &OwnNames::default()).unwrap().contains("not one vidscope wrote"));
        std::fs::write(d.join("manifest.json"), MANIFEST).unwrap();
        std::fs::write(d.join("sad.npy"), b"x").unwrap();
        std::fs::create_dir(d.join("raw")).unwrap();
        std::fs::write(d.join("raw").join("000000.png"), b"x").unwrap();
        assert_eq!(foreign_content(d, &OwnNames::default()), None);
        std::fs::write(d.join("raw").join("notes.txt"), b"x").unwrap();
        assert!(foreign_content(d, &OwnNames::default()).unwrap().contains("raw"));
        std::fs::remove_file(d.join("raw").join("notes.txt")).unwrap();
        std::fs::write(d.join("thesis.tex"), b"x").unwrap();
        assert!(foreign_content(d, &OwnNames::default()).unwrap().contains("thesis.tex"));
        std::fs::remove_file(d.join("thesis.tex")).unwrap();
        std::fs::create_dir(d.join("sad.npy.d")).unwrap();
        assert!(foreign_content(d, &OwnNames::default()).is_some(), "an unlisted folder");
    }

    #[test]
    fn a_manifest_listing_a_users_file_does_not_make_it_vidscopes() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let forged = r#"{"vidscope_version": "0.1.0", "complete": true, "files": {"sad.npy": {}, "thesis.docx": {}, "notes/": {}}}"#;
        std::fs::write(d.join("manifest.json"), forged).unwrap();
        std::fs::write(d.join("sad.npy"), b"x").unwrap();
        assert_eq!(foreign_content(d, &OwnNames::default()), None);
        std::fs::write(d.join("thesis.docx"), b"years of work").unwrap();
        assert!(foreign_content(d, &OwnNames::default()).unwrap().contains("thesis.docx"));
        std::fs::remove_file(d.join("thesis.docx")).unwrap();
        std::fs::create_dir(d.join("notes")).unwrap();
        assert!(
            foreign_content(d, &OwnNames::default()).unwrap().contains("notes"),
            "a listed folder analyze never writes"
        );
    }
}
