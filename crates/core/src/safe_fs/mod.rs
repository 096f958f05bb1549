//! Filesystem steps that never replace what a user has: a rename that refuses an existing target, an
//! exclusive lock beside an output (`lock.rs`), an output file written under a temporary name and moved
//! into place at the end (`staged_file.rs`), and the clean-up of staging names left by dead processes.
//!
//! Staging names are hidden siblings of the output, `.NAME.TAG-PID` (TAG is `partial` for work in
//! progress, `old` for an earlier output moved aside), so a run killed with SIGKILL leaves something
//! the next run can recognise as its own and remove once that PID is gone.

mod lock;
mod read_paths;
mod staged_file;

pub use lock::OutputLock;
pub use read_paths::ReadPaths;
pub use staged_file::StagedFile;

use std::io;
use std::path::{Path, PathBuf};

/// Renames `from` to `to` only if nothing exists at `to` (`renameat2(RENAME_NOREPLACE)`); otherwise
/// fails with [`io::ErrorKind::AlreadyExists`]. On a filesystem without that flag it falls back to
/// `link` + `unlink` for a file (also atomic and refusing) and to `rename(2)` for a directory, which
/// can only replace an *empty* directory (no data lost), never a file or a non-empty folder.
pub fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
        Ok(()) => Ok(()),
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {
            if std::fs::symlink_metadata(to).is_ok() {
                return Err(io::Error::from(io::ErrorKind::AlreadyExists));
            }
            if std::fs::symlink_metadata(from)?.is_dir() {
                std::fs::rename(from, to)
            } else {
                std::fs::hard_link(from, to)?;
                std::fs::remove_file(from)
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether process `pid` still exists (a process of another user counts as alive).
pub fn pid_alive(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw) else {
        return false;
    };
    match rustix::process::test_kill_process(pid) {
        Ok(()) => true,
        Err(e) => e != rustix::io::Errno::SRCH,
    }
}

/// The hidden staging sibling `.NAME.TAG-PID` of `target` for this process.
pub fn staging_sibling(target: &Path, tag: &str) -> io::Result<PathBuf> {
    let (parent, name) = split(target)?;
    Ok(parent.join(format!(".{name}.{tag}-{}", std::process::id())))
}

/// Removes the staging siblings `.NAME.TAG-PID` of `target` (for each TAG in `tags`) whose process is
/// gone, or is this one (a leftover of an earlier process with the same PID), saying so on stderr in one
/// line each (a user who finds a file gone deserves to know why). Returns what was removed.
pub fn remove_stale_siblings(target: &Path, tags: &[&str]) -> Vec<PathBuf> {
    let Ok((parent, name)) = split(target) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(&parent) else {
        return Vec::new();
    };
    let own = std::process::id();
    let mut removed = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|f| f.strip_prefix(&format!(".{name}."))) else {
            continue;
        };
        let pid = tags.iter().find_map(|tag| rest.strip_prefix(&format!("{tag}-"))?.parse::<u32>().ok());
        let Some(pid) = pid.filter(|&p| p == own || !pid_alive(p)) else {
            continue;
        };
        let path = entry.path();
        let gone = match entry.file_type() {
            Ok(t) if t.is_dir() => std::fs::remove_dir_all(&path),
            _ => std::fs::remove_file(&path),
        };
        match gone {
            Ok(()) => {
                eprintln!("vidscope: removed {}, a staging copy left by process {pid}, which is gone", path.display());
                removed.push(path);
            }
            Err(e) => tracing::warn!("{}: cannot remove the stale staging copy: {e}", path.display()),
        }
    }
    removed
}

/// A visible sibling of `target` named `STEM.vidscope-PID[-N][.EXT]` that does not exist yet, for a
/// finished output that could not be moved into place.
pub fn kept_sibling(target: &Path) -> io::Result<PathBuf> {
    let (parent, name) = split(target)?;
    let (stem, ext) = match Path::new(&name).extension().and_then(|e| e.to_str()) {
        Some(ext) if !name.starts_with('.') => (name[..name.len() - ext.len() - 1].to_string(), format!(".{ext}")),
        _ => (name.clone(), String::new()),
    };
    let pid = std::process::id();
    let mut candidate = parent.join(format!("{stem}.vidscope-{pid}{ext}"));
    let mut n = 2;
    while std::fs::symlink_metadata(&candidate).is_ok() {
        candidate = parent.join(format!("{stem}.vidscope-{pid}-{n}{ext}"));
        n += 1;
    }
    Ok(candidate)
}

/// (parent folder, file name) of `target`; the parent of a bare name is `.`.
fn split(target: &Path) -> io::Result<(PathBuf, String)> {
    let name = target.file_name().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, format!("{}: needs a file or folder name", target.display()))
    })?;
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    Ok((parent.to_path_buf(), name.to_string_lossy().into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rename_noreplace_refuses_files_and_folders_and_moves_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, b"new").unwrap();
        std::fs::write(&b, b"precious").unwrap();
        assert_eq!(rename_noreplace(&a, &b).unwrap_err().kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&b).unwrap(), b"precious");
        // Not even an empty folder is replaced.
        let (d, e) = (dir.path().join("d"), dir.path().join("e"));
        std::fs::create_dir(&d).unwrap();
        std::fs::create_dir(&e).unwrap();
        assert_eq!(rename_noreplace(&d, &e).unwrap_err().kind(), io::ErrorKind::AlreadyExists);
        let c = dir.path().join("c");
        rename_noreplace(&a, &c).unwrap();
        assert_eq!(std::fs::read(&c).unwrap(), b"new");
        assert!(!a.exists());
    }

    #[test]
    fn stale_siblings_of_dead_processes_go_and_live_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        let dead = (4_000_000..4_194_304).find(|&p| !pid_alive(p)).expect("a free PID");
        let stale = dir.path().join(format!(".out.partial-{dead}"));
        let live = dir.path().join(format!(".out.partial-{}", std::os::unix::process::parent_id()));
        let other = dir.path().join(format!(".outer.partial-{dead}"));
        for p in [&stale, &live, &other] {
            std::fs::create_dir(p).unwrap();
            std::fs::write(p.join("x"), b"x").unwrap();
        }
        let file = dir.path().join(format!(".out.old-{dead}"));
        std::fs::write(&file, b"x").unwrap();
        let removed = remove_stale_siblings(&target, &["partial", "old"]);
        assert_eq!(removed.len(), 2, "{removed:?}");
        assert!(!stale.exists() && !file.exists());
        assert!(live.exists() && other.exists());
    }

    #[test]
    fn kept_siblings_keep_the_extension_and_never_exist() {
        let dir = tempfile::tempdir().unwrap();
        let pid = std::process::id();
        let k = kept_sibling(&dir.path().join("rec.mkv")).unwrap();
        assert_eq!(k, dir.path().join(format!("rec.vidscope-{pid}.mkv")));
        std::fs::write(&k, b"x").unwrap();
        assert_eq!(
            kept_sibling(&dir.path().join("rec.mkv")).unwrap(),
            dir.path().join(format!("rec.vidscope-{pid}-2.mkv"))
        );
        assert_eq!(kept_sibling(&dir.path().join("out")).unwrap(), dir.path().join(format!("out.vidscope-{pid}")));
    }
}
