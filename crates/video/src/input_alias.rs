//! Inputs whose path is not UTF-8 (a file named in Latin-1, say). Inputs travel as strings, and
//! FFmpeg's Rust bindings can only open UTF-8 paths (they unwrap `to_str()`), so such a path is given
//! a UTF-8 alias: a symbolic link, named like the file with each undecodable byte as `_`, in a private
//! folder `$TMPDIR/vidscope-inputs-PID/` that [`remove_aliases`] deletes at exit (a folder left by a
//! killed process is removed by the next run that makes one). Reading through the link reads the
//! file itself, and the output checks (`ReadPaths`) follow links, so the file stays protected.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::VideoError;

/// The alias folder of this process, once made.
static ALIAS_DIR: Mutex<Option<PathBuf>> = Mutex::new(None);

const PREFIX: &str = "vidscope-inputs-";

/// `input` as the string the rest of vidscope opens: itself when it is UTF-8, else an alias of it.
pub fn input_string(input: OsString) -> Result<String, VideoError> {
    let input = match input.into_string() {
        Ok(utf8) => return Ok(utf8),
        Err(raw) => PathBuf::from(raw),
    };
    let lossy = input.to_string_lossy().replace(char::REPLACEMENT_CHARACTER, "_");
    let fail = |reason: String| VideoError::Open { path: lossy.clone(), reason };
    // The link points at the absolute path, so it works from any working directory.
    let target = std::path::absolute(&input).map_err(|e| fail(e.to_string()))?;
    // An image sequence pattern names files that do not exist as such: alias their folder instead.
    let (linked, name): (&Path, Option<&OsStr>) = match (target.file_name(), target.parent()) {
        (Some(name), Some(parent)) if name.to_str().is_some_and(super::image_sequence::is_pattern) => {
            (parent, Some(name))
        }
        _ => (&target, None),
    };
    let dir = alias_dir().map_err(|e| fail(format!("cannot make a UTF-8 alias of this path: {e}")))?;
    let link_name =
        linked.file_name().map_or("input".into(), |n| n.to_string_lossy().replace(char::REPLACEMENT_CHARACTER, "_"));
    let mut link = dir.join(&link_name);
    let mut n = 2;
    while std::fs::symlink_metadata(&link).is_ok() {
        link = dir.join(format!("{n}-{link_name}"));
        n += 1;
    }
    std::os::unix::fs::symlink(linked, &link)
        .map_err(|e| fail(format!("cannot make a UTF-8 alias of this path: {e}")))?;
    let alias = match name {
        Some(pattern) => link.join(pattern),
        None => link,
    };
    alias.into_os_string().into_string().map_err(|_| fail("the temporary folder's path is not UTF-8".into()))
}

/// This process's alias folder, made on first use (removing those of processes that are gone).
fn alias_dir() -> std::io::Result<PathBuf> {
    let mut dir = ALIAS_DIR.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(d) = dir.as_ref() {
        return Ok(d.clone());
    }
    let tmp = std::env::temp_dir();
    remove_stale(&tmp);
    let made = tmp.join(format!("{PREFIX}{}", std::process::id()));
    std::fs::create_dir_all(&made)?;
    *dir = Some(made.clone());
    Ok(made)
}

/// Removes alias folders left by processes that are gone.
fn remove_stale(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else { return };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let pid = name.to_str().and_then(|n| n.strip_prefix(PREFIX)).and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|p| p != std::process::id() && !vidscope_core::safe_fs::pid_alive(p)) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Deletes this process's alias folder (only links: the files they name are untouched).
pub fn remove_aliases() {
    if let Some(dir) = ALIAS_DIR.lock().unwrap_or_else(|p| p.into_inner()).take() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn utf8_paths_pass_and_others_get_a_link_to_the_same_file() {
        assert_eq!(input_string("clip.mp4".into()).unwrap(), "clip.mp4");
        let dir = tempfile::tempdir().unwrap();
        let latin1 = dir.path().join(OsStr::from_bytes(b"caf\xe9.y4m"));
        std::fs::write(&latin1, b"YUV4MPEG2 frames").unwrap();
        let alias = input_string(latin1.clone().into_os_string()).unwrap();
        assert!(alias.ends_with("caf_.y4m"), "{alias}");
        assert_eq!(std::fs::read(&alias).unwrap(), b"YUV4MPEG2 frames");

        let frames = dir.path().join(OsStr::from_bytes(b"d\xe9"));
        std::fs::create_dir(&frames).unwrap();
        std::fs::write(frames.join("f001.png"), b"png").unwrap();
        let pattern = input_string(frames.join("f%03d.png").into_os_string()).unwrap();
        assert!(pattern.ends_with("d_/f%03d.png"), "{pattern}");
        assert_eq!(std::fs::read(pattern.replace("%03d", "001")).unwrap(), b"png");
        remove_aliases();
        assert!(!Path::new(&alias).exists() && latin1.is_file(), "only the link goes");
    }
}
