//! An output file written under the hidden name `.NAME.partial-PID` beside it and moved into place only
//! when complete, so a failed or interrupted run leaves an existing file as it was and no partial file.

use super::ReadPaths;
use std::path::{Path, PathBuf};

/// A file being written; see the module documentation. Dropped without `commit`, it is removed.
#[derive(Debug)]
pub struct StagedFile {
    staging: PathBuf,
    target: PathBuf,
    replace: bool,
    committed: bool,
}

impl StagedFile {
    /// Checks `target` (`what` names the option in messages, e.g. `-o`) and picks the staging name.
    /// Refused: a folder or other non-file, any file the run reads (`reads`, through links too), and an
    /// existing file unless `replace`. Stale staging copies of dead processes are removed.
    pub fn create(what: &str, target: &Path, reads: &ReadPaths, replace: bool) -> anyhow::Result<StagedFile> {
        let shown = target.display();
        reads.check_file(what, target)?;
        if let Ok(meta) = std::fs::metadata(target) {
            anyhow::ensure!(!meta.is_dir(), "{what} {shown}: is a directory");
            // Renaming over a device or pipe would replace the node itself.
            anyhow::ensure!(meta.is_file(), "{what} {shown}: is not a regular file");
            anyhow::ensure!(replace, "{what} {shown}: already exists (add --force or -y to replace it)");
        }
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        anyhow::ensure!(parent.is_dir(), "{what} {shown}: directory {} does not exist", parent.display());
        super::remove_stale_siblings(target, &["partial"]);
        let staging = super::staging_sibling(target, "partial").map_err(|e| anyhow::anyhow!("{what} {e}"))?;
        Ok(StagedFile { staging, target: target.to_path_buf(), replace, committed: false })
    }

    /// Where to write now.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// The user's path, for messages.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves the finished file into place. Without `replace`, a file that appeared at the target during
    /// the run is left alone: the error says where the finished file was kept instead.
    pub fn commit(mut self) -> anyhow::Result<PathBuf> {
        let shown = self.target.display().to_string();
        let moved = if self.replace {
            std::fs::rename(&self.staging, &self.target)
        } else {
            super::rename_noreplace(&self.staging, &self.target)
        };
        match moved {
            Ok(()) => {
                self.committed = true;
                Ok(self.target.clone())
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let kept = super::kept_sibling(&self.target)?;
                super::rename_noreplace(&self.staging, &kept)
                    .map_err(|e| anyhow::anyhow!("{}: cannot keep the finished file: {e}", self.staging.display()))?;
                self.committed = true;
                anyhow::bail!(
                    "{shown}: a file appeared there during the run and was left alone; the finished output is in {}",
                    kept.display()
                )
            }
            Err(e) => anyhow::bail!("{shown}: cannot move the finished file into place: {e}"),
        }
    }
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.staging);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn existing_files_and_the_input_are_refused_unless_replace_and_never_the_input() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.mp4");
        std::fs::write(&f, b"precious").unwrap();
        let none = ReadPaths::new();
        let e = StagedFile::create("-o", &f, &none, false).unwrap_err().to_string();
        assert!(e.contains("already exists"), "{e}");
        let mut reads = ReadPaths::new();
        reads.add("INPUT", &f);
        let e = StagedFile::create("-o", &f, &reads, true).unwrap_err().to_string();
        assert!(e.contains("is an input of this run"), "{e}");
        let link = dir.path().join("b.mp4");
        std::fs::hard_link(&f, &link).unwrap();
        assert!(StagedFile::create("-o", &link, &reads, true).is_err(), "a hard link to the input is the input");
        assert!(StagedFile::create("-o", dir.path(), &none, true).is_err(), "a folder is refused");
    }

    #[test]
    fn a_dropped_file_leaves_the_old_one_and_no_partial_and_a_race_keeps_both() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.mp4");
        std::fs::write(&f, b"old").unwrap();
        let staged = StagedFile::create("-o", &f, &ReadPaths::new(), true).unwrap();
        std::fs::write(staged.path(), b"half").unwrap();
        drop(staged);
        assert_eq!(std::fs::read(&f).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no partial file left");

        let g = dir.path().join("g.mp4");
        let staged = StagedFile::create("-o", &g, &ReadPaths::new(), false).unwrap();
        std::fs::write(staged.path(), b"new").unwrap();
        std::fs::write(&g, b"appeared").unwrap();
        let e = staged.commit().unwrap_err().to_string();
        assert!(e.contains("left alone") && e.contains(".vidscope-"), "{e}");
        assert_eq!(std::fs::read(&g).unwrap(), b"appeared");
    }
}
