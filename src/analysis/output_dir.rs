//! An output folder that appears under its final name only when complete: everything is written
//! into a hidden sibling `.NAME.partial-PID`, renamed into place by `commit`, removed on drop otherwise.

use anyhow::Context;
use std::path::{Path, PathBuf};

pub struct StagedDir {
    staging: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl StagedDir {
    /// Refuses a `target` that exists and is not empty unless it holds an earlier vidscope output
    /// (a manifest.json), which `commit` then replaces.
    pub fn create(target: &Path) -> anyhow::Result<Self> {
        if target.exists() {
            anyhow::ensure!(target.is_dir(), "--out {}: exists and is not a directory", target.display());
            let mut entries =
                std::fs::read_dir(target).with_context(|| format!("--out {}: cannot read", target.display()))?;
            let empty = entries.next().is_none();
            anyhow::ensure!(
                empty || target.join("manifest.json").is_file(),
                "--out {}: directory is not empty and holds no earlier vidscope output; refusing to overwrite",
                target.display()
            );
        }
        let name = target
            .file_name()
            .with_context(|| format!("--out {}: needs a directory name", target.display()))?
            .to_string_lossy()
            .into_owned();
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).with_context(|| format!("--out {}: cannot create parent", target.display()))?;
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if staging.exists() {
            std::fs::remove_dir_all(&staging).ok();
        }
        std::fs::create_dir(&staging).with_context(|| format!("{}: cannot create", staging.display()))?;
        Ok(Self { staging, target: target.to_path_buf(), committed: false })
    }

    /// Where to write files now.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves the finished folder into place.
    pub fn commit(mut self) -> anyhow::Result<PathBuf> {
        if self.target.exists() {
            std::fs::remove_dir_all(&self.target)
                .with_context(|| format!("--out {}: cannot replace the earlier output", self.target.display()))?;
        }
        std::fs::rename(&self.staging, &self.target)
            .with_context(|| format!("--out {}: cannot move the finished output into place", self.target.display()))?;
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}
