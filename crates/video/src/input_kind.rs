//! What an input path is, checked before any decoder touches it: a plain file, an image sequence
//! pattern (`f%03d.png`, read by FFmpeg's image2 demuxer), or something vidscope refuses — a pipe
//! (`-`, `/dev/stdin`, a FIFO, a terminal or other character device: the viewer and `--start`
//! reopen inputs, and a pipe's frames cannot be read twice), a directory, an empty file.

use std::os::unix::fs::FileTypeExt;

use super::VideoError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    File,
    ImageSequence,
}

pub fn classify(input: &str) -> Result<InputKind, VideoError> {
    let open_err = |reason: String| VideoError::Open { path: input.to_string(), reason };
    if input == "-" {
        return Err(VideoError::Pipe { path: input.to_string() });
    }
    let meta = match std::fs::metadata(input) {
        Ok(meta) => meta,
        // No such file, but a printf-style pattern: FFmpeg's image2 demuxer reads it.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && super::image_sequence::is_pattern(input) => {
            return Ok(InputKind::ImageSequence)
        }
        Err(e) => return Err(open_err(e.to_string())),
    };
    let kind = meta.file_type();
    if kind.is_fifo() || kind.is_socket() || kind.is_char_device() {
        return Err(VideoError::Pipe { path: input.to_string() });
    }
    if meta.is_dir() {
        return Err(open_err("is a directory".into()));
    }
    if meta.len() == 0 {
        return Err(open_err("file is empty".into()));
    }
    Ok(InputKind::File)
}

/// The files reading `input` opens: an image sequence's frames, or the file itself (a `synthetic:`
/// source names a path that does not exist, so nothing).
pub fn input_files(input: &str) -> Vec<std::path::PathBuf> {
    match classify(input) {
        Ok(InputKind::ImageSequence) => super::image_sequence::files(input),
        _ => vec![std::path::PathBuf::from(input)],
    }
}

/// Every file a run reads, which none of its outputs may be: `inputs` as (option, input as given:
/// a file, an image sequence, `synthetic:`), and plain `files` as (option, path).
pub fn read_paths(
    inputs: &[(&str, Option<&str>)],
    files: &[(&str, Option<&std::path::Path>)],
) -> vidscope_core::safe_fs::ReadPaths {
    let mut reads = vidscope_core::safe_fs::ReadPaths::new();
    for (what, input) in inputs {
        if let Some(input) = input {
            reads.add_all(what, input_files(input));
        }
    }
    for (what, path) in files {
        if let Some(path) = path {
            reads.add(what, path);
        }
    }
    reads
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dash_and_character_devices_are_pipes() {
        assert!(matches!(classify("-"), Err(VideoError::Pipe { .. })));
        assert!(matches!(classify("/dev/null"), Err(VideoError::Pipe { .. })));
    }

    #[test]
    fn missing_files_and_patterns() {
        assert!(matches!(classify("/nonexistent/a.mp4"), Err(VideoError::Open { .. })));
        assert_eq!(classify("/nonexistent/f%03d.png").unwrap(), InputKind::ImageSequence);
        assert!(matches!(classify("/"), Err(VideoError::Open { .. })));
    }
}
