//! The files a run reads (INPUT, `--ref`, `--warp-params`, `--symbols`, an image sequence's frames), so
//! that no path it writes can be one of them. Files are compared by identity (device and inode, links
//! followed), so a symbolic link, a hard link or a path through `..` to an input is caught too.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// One file the run reads: the option that named it, the path as given, its identity.
#[derive(Clone, Debug)]
struct ReadFile {
    what: String,
    shown: PathBuf,
    id: (u64, u64),
    canonical: PathBuf,
}

/// See the module documentation.
#[derive(Clone, Debug, Default)]
pub struct ReadPaths {
    files: Vec<ReadFile>,
}

impl ReadPaths {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `path`, read for option `what` (e.g. `INPUT`, `--ref`). A path that does not exist (a
    /// `synthetic:` source, a file the open will report as missing) is nothing to protect.
    pub fn add(&mut self, what: &str, path: &Path) {
        let (Ok(meta), Ok(canonical)) = (std::fs::metadata(path), path.canonicalize()) else {
            return;
        };
        let id = (meta.dev(), meta.ino());
        if !self.files.iter().any(|f| f.id == id) {
            self.files.push(ReadFile { what: what.to_string(), shown: path.to_path_buf(), id, canonical });
        }
    }

    /// Records every path of `paths` (an image sequence's frames) for option `what`.
    pub fn add_all(&mut self, what: &str, paths: impl IntoIterator<Item = PathBuf>) {
        for path in paths {
            self.add(what, &path);
        }
    }

    /// Refuses `out` (written for option `what`, e.g. `-o`) when it is, or links to, a file this run
    /// reads.
    pub fn check_file(&self, what: &str, out: &Path) -> anyhow::Result<()> {
        let Ok(meta) = std::fs::metadata(out) else {
            return Ok(()); // nothing there yet, so no input
        };
        let id = (meta.dev(), meta.ino());
        match self.files.iter().find(|f| f.id == id) {
            Some(f) => anyhow::bail!(
                "{what} {}: is an input of this run ({} {}); refusing to write over it",
                out.display(),
                f.what,
                f.shown.display()
            ),
            None => Ok(()),
        }
    }

    /// Refuses the output folder `dir` (replaced as a whole for option `what`) when it is, or holds, a
    /// file this run reads.
    pub fn check_dir(&self, what: &str, dir: &Path) -> anyhow::Result<()> {
        self.check_file(what, dir)?;
        let Ok(dir_canonical) = dir.canonicalize() else {
            return Ok(());
        };
        match self.files.iter().find(|f| f.canonical.starts_with(&dir_canonical)) {
            Some(f) => anyhow::bail!(
                "{what} {}: holds an input of this run ({} {}); refusing to replace it",
                dir.display(),
                f.what,
                f.shown.display()
            ),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_refused_through_links_hard_links_and_dotdot() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("sub")).unwrap();
        let input = d.join("base.mp4");
        std::fs::write(&input, b"video").unwrap();
        let reference = d.join("ref.mp4");
        std::fs::write(&reference, b"video").unwrap();
        let mut reads = ReadPaths::new();
        reads.add("INPUT", &input);
        reads.add("--ref", &reference);
        reads.add("--warp-params", &d.join("missing.npy"));

        let e = reads.check_file("--screenshot", &input).unwrap_err().to_string();
        assert!(e.contains("--screenshot") && e.contains("is an input of this run (INPUT"), "{e}");
        let e = reads.check_file("-o", &reference).unwrap_err().to_string();
        assert!(e.contains("(--ref "), "{e}");
        std::os::unix::fs::symlink(&input, d.join("link.mp4")).unwrap();
        assert!(reads.check_file("-o", &d.join("link.mp4")).is_err(), "a symbolic link to the input");
        std::fs::hard_link(&input, d.join("hard.mp4")).unwrap();
        assert!(reads.check_file("-o", &d.join("hard.mp4")).is_err(), "a hard link to the input");
        assert!(reads.check_file("-o", &d.join("sub/../base.mp4")).is_err(), "a path through ..");

        std::fs::write(d.join("other.mp4"), b"x").unwrap();
        reads.check_file("-o", &d.join("other.mp4")).unwrap();
        reads.check_file("-o", &d.join("new.mp4")).unwrap();
        reads.check_file("-o", &d.join("missing.npy")).unwrap();
    }

    #[test]
    fn a_folder_holding_an_input_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("out/raw")).unwrap();
        let frame = d.join("out/raw/000000.png");
        std::fs::write(&frame, b"png").unwrap();
        let mut reads = ReadPaths::new();
        reads.add_all("INPUT", [frame]);
        let e = reads.check_dir("--out", &d.join("out")).unwrap_err().to_string();
        assert!(e.contains("holds an input of this run (INPUT"), "{e}");
        assert!(reads.check_dir("--out", &d.join("out/raw")).is_err());
        assert!(reads.check_dir("--out", d).is_err());
        reads.check_dir("--out", &d.join("elsewhere")).unwrap();
    }
}
