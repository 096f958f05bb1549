//! Image sequence patterns (`f%03d.png`, `img%d.jpg`): FFmpeg's image2 demuxer decodes them, and
//! this counts their files — the first index in 0..=4 that exists, then every following index until
//! one is missing — so the frame count is known before decoding. The FFmpeg source reads that many
//! files and no more: image2 alone finds its last index by probing in doubling steps, which can step
//! over a gap in the numbering and then fail at the missing file.

use super::VideoError;

/// image2's default `start_number_range`: the first file may have any index below this.
const START_RANGE: u64 = 5;

/// Whether the file name holds one `%d`-style field (`%d`, `%3d`, `%03d`).
pub fn is_pattern(input: &str) -> bool {
    expand(input, 0).is_some()
}

/// `pattern` with its one integer field replaced by `index` (`%%` is a literal `%`); `None` when
/// there is no field, more than one, or another `%` conversion.
fn expand(pattern: &str, index: u64) -> Option<String> {
    let mut out = String::new();
    let mut fields = 0;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        let mut width = String::new();
        while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
            width.push(d);
            chars.next();
        }
        if chars.next() != Some('d') {
            return None;
        }
        let zero = width.starts_with('0');
        let width: usize = if width.is_empty() { 0 } else { width.parse().ok()? };
        out.push_str(&if zero { format!("{index:0width$}") } else { format!("{index:width$}") });
        fields += 1;
    }
    (fields == 1).then_some(out)
}

/// The number of files the pattern names, as image2 reads them.
pub fn count_frames(pattern: &str) -> Result<u64, VideoError> {
    let exists = |i: u64| expand(pattern, i).is_some_and(|p| std::path::Path::new(&p).is_file());
    let Some(first) = (0..START_RANGE).find(|&i| exists(i)) else {
        let show = |i| expand(pattern, i).unwrap_or_default();
        return Err(VideoError::NoImages {
            path: pattern.to_string(),
            looked: format!("{} .. {}", show(0), show(START_RANGE - 1)),
        });
    };
    let mut n = 1;
    while exists(first + n) {
        n += 1;
    }
    Ok(n)
}

/// The files the pattern names, as [`count_frames`] finds them (none when it names none).
pub fn files(pattern: &str) -> Vec<std::path::PathBuf> {
    let file = |i: u64| expand(pattern, i).map(std::path::PathBuf::from).filter(|p| p.is_file());
    let Some(first) = (0..START_RANGE).find(|&i| file(i).is_some()) else {
        return Vec::new();
    };
    (first..).map_while(file).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_printf_fields() {
        assert_eq!(expand("f%03d.png", 7).as_deref(), Some("f007.png"));
        assert_eq!(expand("f%d.png", 12).as_deref(), Some("f12.png"));
        assert_eq!(expand("100%%/f%2d.png", 3).as_deref(), Some("100%/f 3.png"));
        assert_eq!(expand("clip.mp4", 0), None);
        assert_eq!(expand("f%s.png", 0), None);
        assert_eq!(expand("f%d_%d.png", 0), None);
    }

    #[test]
    fn counts_consecutive_files_from_the_first() {
        let dir = tempfile::tempdir().unwrap();
        for i in [1, 2, 3, 5] {
            std::fs::write(dir.path().join(format!("f{i:03}.png")), b"x").unwrap();
        }
        let pattern = dir.path().join("f%03d.png").to_string_lossy().into_owned();
        assert_eq!(count_frames(&pattern).unwrap(), 3);
        let none = dir.path().join("g%03d.png").to_string_lossy().into_owned();
        let err = count_frames(&none).unwrap_err().to_string();
        assert!(err.contains("no image file matches") && err.contains("g000.png .. "), "{err}");
    }
}
