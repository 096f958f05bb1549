//! An exclusive lock on an output path, held for a whole run, so two vidscope runs never write the same
//! output at once: an advisory `flock` on the hidden sibling `.NAME.lock`, removed when released.

use rustix::fs::{flock, FlockOperation};
use rustix::io::Errno;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Held while a run writes `target`; dropping it removes the lock file and releases the lock.
#[derive(Debug)]
pub struct OutputLock {
    path: PathBuf,
    file: File,
}

impl OutputLock {
    /// Takes the lock on `target` (whose parent folder must exist), or fails at once with a line saying
    /// that another run holds it.
    pub fn acquire(target: &Path) -> anyhow::Result<OutputLock> {
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let path = parent.join(format!(".{name}.lock"));
        // The previous holder unlinks the file as it lets go: a lock won on that unlinked file is
        // worthless, so it counts only if the path still names the locked file.
        for _ in 0..100 {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| anyhow::anyhow!("{}: cannot create the lock file: {e}", path.display()))?;
            // rustix's flock rather than std's File::try_lock, which needs Rust 1.89 (MSRV is 1.85).
            match flock(&file, FlockOperation::NonBlockingLockExclusive) {
                Ok(()) => {}
                Err(e) if e == Errno::WOULDBLOCK => anyhow::bail!(
                    "{}: another vidscope run is writing it now (it holds {}); refusing to write it too",
                    target.display(),
                    path.display()
                ),
                Err(e) => anyhow::bail!("{}: cannot lock: {e}", path.display()),
            }
            let same = match (file.metadata(), std::fs::metadata(&path)) {
                (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
                _ => false,
            };
            if same {
                return Ok(OutputLock { path, file });
            }
        }
        anyhow::bail!("{}: cannot take the lock (it keeps being replaced)", path.display())
    }
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        // Unlink while still holding the lock; `file` closes (and unlocks) right after.
        let _ = std::fs::remove_file(&self.path);
        let _ = flock(&self.file, FlockOperation::Unlock);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_output_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        let first = OutputLock::acquire(&target).unwrap();
        let e = OutputLock::acquire(&target).unwrap_err().to_string();
        assert!(e.contains("another vidscope run"), "{e}");
        assert!(OutputLock::acquire(&dir.path().join("other")).is_ok(), "other outputs are not locked");
        drop(first);
        assert!(!dir.path().join(".out.lock").exists(), "the lock file is removed");
        OutputLock::acquire(&target).unwrap();
    }
}
