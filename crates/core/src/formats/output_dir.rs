//! An output folder that appears under its final name only when complete, and only ever replaces an
//! earlier vidscope output: everything is written into a hidden sibling `.NAME.partial-PID` while an
//! exclusive lock (`.NAME.lock`) keeps other runs out, then `commit` checks the target again and moves
//! the folder into place with no-replace renames. Dropped without `commit`, the staging folder is removed.
//!
//! Commit, step by step: nothing at the target → rename into place (refusing anything that appeared
//! meanwhile). An earlier output there → moved aside to `.NAME.old-PID`, checked again where no one
//! else writes, the new folder renamed into place, the old one removed. Anything else (a folder that is
//! not vidscope's, or appeared during the run) is left alone and the finished output is kept under the
//! visible sibling `NAME.vidscope-PID`, which the error names.

use super::own_output::{foreign_content, OwnNames};
use crate::safe_fs::{self, rename_noreplace, OutputLock, ReadPaths};
use anyhow::Context;
use std::io::ErrorKind;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

pub struct StagedDir {
    staging: PathBuf,
    target: PathBuf,
    committed: bool,
    /// The names an earlier output may hold (checked again at commit).
    own: OwnNames,
    /// Held from `create` to drop; declared last so it is released after the staging folder is gone.
    _lock: OutputLock,
}

impl StagedDir {
    /// Refuses a `target` that is not a folder, holds the current directory or a file the run reads
    /// (`reads`), is a mount point, or is neither empty nor an earlier vidscope output; takes the lock,
    /// removes stale staging folders of dead runs, and creates the staging folder.
    pub fn create(target: &Path, reads: &ReadPaths, own: &OwnNames) -> anyhow::Result<Self> {
        let shown = target.display();
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        anyhow::ensure!(
            target.file_name().is_some(),
            "--out {shown}: needs a folder name (a path that does not end in . or ..)"
        );
        reads.check_dir("--out", target)?;
        check_replaceable(target, own)?;
        std::fs::create_dir_all(parent).with_context(|| format!("--out {shown}: cannot create parent"))?;
        let lock = OutputLock::acquire(target)?;
        // Another run may have committed between the check and the lock.
        check_replaceable(target, own)?;
        safe_fs::remove_stale_siblings(target, &["partial", "old"]);
        let staging = safe_fs::staging_sibling(target, "partial")?;
        std::fs::create_dir(&staging).with_context(|| format!("--out {shown}: cannot create its staging folder"))?;
        Ok(Self { staging, target: target.to_path_buf(), committed: false, own: own.clone(), _lock: lock })
    }

    /// Where to write files now.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves the finished folder into place; see the module documentation.
    pub fn commit(self) -> anyhow::Result<PathBuf> {
        let shown = self.target.display().to_string();
        match std::fs::symlink_metadata(&self.target) {
            Err(e) if e.kind() == ErrorKind::NotFound => return self.place(None),
            Err(e) => anyhow::bail!("--out {shown}: cannot check it: {e}"),
            Ok(_) => {}
        }
        if let Err(why) = replaceable(&self.target, &self.own) {
            return self.keep_aside(&why);
        }
        let aside = safe_fs::staging_sibling(&self.target, "old")?;
        match rename_noreplace(&self.target, &aside) {
            Ok(()) => {}
            // Gone meanwhile: nothing to replace.
            Err(e) if e.kind() == ErrorKind::NotFound => return self.place(None),
            Err(e) => anyhow::bail!("--out {shown}: cannot move the earlier output aside: {e}"),
        }
        // Checked again where nothing else writes: a file added just before the move is caught here.
        if let Err(why) = replaceable(&aside, &self.own) {
            let back = rename_noreplace(&aside, &self.target);
            let why = match back {
                Ok(()) => why,
                Err(_) => format!("{why} (it is now in {})", aside.display()),
            };
            return self.keep_aside(&why);
        }
        self.place(Some(aside))
    }

    /// Renames the staging folder to the target, then removes the earlier output moved `aside`. The new
    /// folder keeps the permissions of the one it replaces (a user's private 0700 folder stays private).
    fn place(mut self, aside: Option<PathBuf>) -> anyhow::Result<PathBuf> {
        if let Some(old) = aside.as_ref().and_then(|a| std::fs::metadata(a).ok()) {
            std::fs::set_permissions(&self.staging, old.permissions())
                .with_context(|| format!("--out {}: cannot keep the folder's permissions", self.target.display()))?;
        }
        match rename_noreplace(&self.staging, &self.target) {
            Ok(()) => {
                self.committed = true;
                if let Some(aside) = aside {
                    std::fs::remove_dir_all(&aside)
                        .with_context(|| format!("{}: cannot remove the earlier output", aside.display()))?;
                }
                Ok(self.target.clone())
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                // The earlier output was to be replaced anyway; what appeared is left alone.
                if let Some(aside) = aside {
                    let _ = std::fs::remove_dir_all(aside);
                }
                self.keep_aside("something appeared there during the run")
            }
            Err(e) => {
                anyhow::bail!("--out {}: cannot move the finished output into place: {e}", self.target.display())
            }
        }
    }

    /// Keeps the finished output under a visible sibling and fails, saying why and where.
    fn keep_aside(mut self, why: &str) -> anyhow::Result<PathBuf> {
        let kept = safe_fs::kept_sibling(&self.target)?;
        rename_noreplace(&self.staging, &kept)
            .with_context(|| format!("--out {}: cannot keep the finished output", self.target.display()))?;
        self.committed = true;
        anyhow::bail!(
            "--out {}: {why}; left it untouched, the finished output is in {}",
            self.target.display(),
            kept.display()
        )
    }
}

/// Errors unless `target` is absent, or a folder that may be replaced (see [`replaceable`]).
fn check_replaceable(target: &Path, own: &OwnNames) -> anyhow::Result<()> {
    match std::fs::symlink_metadata(target) {
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => anyhow::bail!("--out {}: cannot check it: {e}", target.display()),
        Ok(_) => replaceable(target, own)
            .map_err(|why| anyhow::anyhow!("--out {}: {why}; refusing to replace it", target.display())),
    }
}

/// Whether the existing `dir` may be replaced: a real folder (not a link), not the current directory or
/// one holding it, and empty or an earlier vidscope output.
fn replaceable(dir: &Path, own: &OwnNames) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(dir).map_err(|e| format!("cannot check it: {e}"))?;
    if meta.file_type().is_symlink() {
        return Err("it is a symbolic link".into());
    }
    if !meta.is_dir() {
        return Err("it exists and is not a directory".into());
    }
    // A mount point cannot be renamed (EBUSY): found out now, not after the whole run.
    let parent = dir.canonicalize().ok().and_then(|d| d.parent().map(Path::to_path_buf));
    let parent_dev = parent.and_then(|p| std::fs::metadata(p).ok()).map(|m| m.dev());
    if parent_dev.is_none_or(|dev| dev != meta.dev()) {
        return Err("it is a mount point, which cannot be replaced (name a folder inside it)".into());
    }
    let cwd = std::env::current_dir().ok().and_then(|c| c.canonicalize().ok());
    if let (Some(cwd), Ok(dir)) = (cwd, dir.canonicalize()) {
        if cwd.starts_with(&dir) {
            return Err("it is (or holds) the current directory".into());
        }
    }
    match foreign_content(dir, own) {
        None => Ok(()),
        Some(why) => Err(why),
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_mount_point_is_refused_before_the_run() {
        // /proc is a mount point on every Linux system; the check must not wait for the commit.
        let e = StagedDir::create(Path::new("/proc"), &ReadPaths::new(), &OwnNames::default()).err().expect("refused");
        assert!(e.to_string().contains("mount point"), "{e}");
    }

    #[test]
    fn a_replaced_private_folder_stays_private() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o700)).unwrap();
        let staged = StagedDir::create(&out, &ReadPaths::new(), &OwnNames::default()).unwrap();
        std::fs::write(staged.path().join("manifest.json"), b"{}").unwrap();
        staged.commit().unwrap();
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "mode {mode:o}");
        assert!(out.join("manifest.json").is_file());
    }

    #[test]
    fn a_folder_holding_an_input_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let input = out.join("clip.mp4");
        std::fs::write(&input, b"video").unwrap();
        let mut reads = ReadPaths::new();
        reads.add("INPUT", &input);
        let e = StagedDir::create(&out, &reads, &OwnNames::default()).err().expect("refused").to_string();
        assert!(e.contains("--out") && e.contains("holds an input of this run (INPUT"), "{e}");
        assert_eq!(std::fs::read(&input).unwrap(), b"video");
    }
}
