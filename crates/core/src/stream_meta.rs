//! What a source knows about its stream beyond the picture — which of several video streams was
//! picked, a display rotation that is not applied, the field order — and the pixel-format changes
//! frames bring mid-stream; with the one-line notices that say so (the CLI prints them, the viewer
//! shows them). README "Errors" and docs/metadata.md are the user-facing description.

use serde::Serialize;

/// Which video stream a source reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamChoice {
    /// Position among the file's video streams: what `--stream N` names (ffmpeg's `-map 0:v:N`).
    pub video_stream: usize,
    /// The container's stream index (ffmpeg's `#0:K`).
    pub stream_index: usize,
    /// One short description per video stream of the file, e.g. `h264 640x360 (#0:0)`.
    pub streams: Vec<String>,
    /// Chosen by `--stream` (else by FFmpeg's best-stream rule, or the only one).
    pub by_user: bool,
}

impl Default for StreamChoice {
    fn default() -> Self {
        Self { video_stream: 0, stream_index: 0, streams: vec!["the only video stream".into()], by_user: false }
    }
}

/// How the fields of an interlaced picture are ordered (FFmpeg's `field_order` names).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FieldOrder {
    Progressive,
    /// Top field first (coded and displayed).
    Tt,
    /// Bottom field first.
    Bb,
    /// Top coded first, bottom displayed first.
    Tb,
    /// Bottom coded first, top displayed first.
    Bt,
    /// Interlaced and progressive frames mixed (y4m `Im`).
    Mixed,
    #[default]
    Unknown,
}

impl FieldOrder {
    pub fn name(self) -> &'static str {
        match self {
            FieldOrder::Progressive => "progressive",
            FieldOrder::Tt => "tt",
            FieldOrder::Bb => "bb",
            FieldOrder::Tb => "tb",
            FieldOrder::Bt => "bt",
            FieldOrder::Mixed => "mixed",
            FieldOrder::Unknown => "unknown",
        }
    }

    /// Whether frames hold two fields (the order known or mixed).
    pub fn interlaced(self) -> bool {
        !matches!(self, FieldOrder::Progressive | FieldOrder::Unknown)
    }

    fn describe(self) -> &'static str {
        match self {
            FieldOrder::Tt => "top field first",
            FieldOrder::Bb => "bottom field first",
            FieldOrder::Tb => "top field coded first, bottom displayed first",
            FieldOrder::Bt => "bottom field coded first, top displayed first",
            FieldOrder::Mixed => "interlaced and progressive frames mixed",
            FieldOrder::Progressive | FieldOrder::Unknown => "progressive",
        }
    }
}

/// Stream facts beyond size, rate and format (part of `StreamInfo`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StreamMeta {
    pub choice: StreamChoice,
    /// The display rotation the container asks players to apply, in degrees as ffprobe's
    /// `rotation` reports it (`ffmpeg -display_rotation 90 -i IN -c copy OUT`, or on FFmpeg 5
    /// `-metadata:s:v rotate=90`, gives 90), within
    /// (−180, 180]; `None` when there is none. vidscope never applies it.
    pub rotation_deg: Option<f64>,
    pub field_order: FieldOrder,
}

/// A frame whose pixel format differs from the frame before it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FormatChange {
    /// The first frame in the new format.
    pub frame: u64,
    pub pix_fmt: String,
    pub bit_depth: u32,
}

impl FormatChange {
    /// How this format's luma becomes 8 bits, as the manifest's `luma_reduction` says it.
    pub fn luma_reduction(bit_depth: u32) -> String {
        if bit_depth > 8 {
            format!(">> {}", bit_depth - 8)
        } else {
            "none".into()
        }
    }
}

/// The one-line notices about `input`'s stream (without the `vidscope: warning:` prefix): which of
/// several video streams is read and how to pick another, a rotation that is ignored, interlacing.
pub fn stream_notices(input: &str, meta: &StreamMeta) -> Vec<String> {
    let mut lines = Vec::new();
    let c = &meta.choice;
    if c.streams.len() > 1 {
        let how = if c.by_user { "as asked" } else { "FFmpeg's default" };
        lines.push(format!(
            "{input}: {} video streams; reading video stream {} ({}, {how}); choose another with --stream N (0..={})",
            c.streams.len(),
            c.video_stream,
            c.streams.get(c.video_stream).map_or("?", String::as_str),
            c.streams.len() - 1
        ));
    }
    if let Some(deg) = meta.rotation_deg {
        lines.push(format!("{input}: rotation of {deg}° ignored: frames are analysed as stored"));
    }
    if meta.field_order.interlaced() {
        lines.push(format!(
            "{input}: interlaced ({}): frames are analysed as whole frames (both fields together), not deinterlaced",
            meta.field_order.describe()
        ));
    }
    lines
}

/// The one-line warning for a run whose frames changed pixel format, or `None` when none did.
pub fn format_change_warning(
    input: &str,
    first: (&str, u32),
    changes: &[FormatChange],
    where_: &str,
) -> Option<String> {
    let c = changes.first()?;
    Some(format!(
        "{input}: {} pixel format change(s) mid-stream, first at frame {}: {} ({}-bit) -> {} ({}-bit, luma {}); \
         every frame is reduced to 8-bit luma by its own depth; see {where_}",
        changes.len(),
        c.frame,
        first.0,
        first.1,
        c.pix_fmt,
        c.bit_depth,
        FormatChange::luma_reduction(c.bit_depth)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_notices_for_a_plain_stream() {
        assert!(stream_notices("a.mp4", &StreamMeta::default()).is_empty());
        let progressive = StreamMeta { field_order: FieldOrder::Progressive, ..StreamMeta::default() };
        assert!(stream_notices("a.mp4", &progressive).is_empty());
    }

    #[test]
    fn notices_name_the_file_and_the_fact() {
        let meta = StreamMeta {
            choice: StreamChoice {
                video_stream: 1,
                stream_index: 2,
                streams: vec!["h264 64x48 (#0:0)".into(), "mpeg4 32x24 (#0:2)".into()],
                by_user: true,
            },
            rotation_deg: Some(90.0),
            field_order: FieldOrder::Tt,
        };
        let lines = stream_notices("a.mkv", &meta);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].starts_with("a.mkv: 2 video streams; reading video stream 1 (mpeg4 32x24 (#0:2), as asked)"));
        assert!(lines[0].ends_with("--stream N (0..=1)"));
        assert_eq!(lines[1], "a.mkv: rotation of 90° ignored: frames are analysed as stored");
        assert!(lines[2].starts_with("a.mkv: interlaced (top field first): frames are analysed as whole frames"));
        assert!(lines.iter().all(|l| !l.contains('\n')));
    }

    #[test]
    fn format_change_warning_says_first_change() {
        assert_eq!(format_change_warning("x", ("yuv420p", 8), &[], "m"), None);
        let changes = [FormatChange { frame: 5, pix_fmt: "yuv420p10le".into(), bit_depth: 10 }];
        let w = format_change_warning("x.h264", ("yuv420p", 8), &changes, "format_changes in manifest.json").unwrap();
        assert!(w.starts_with("x.h264: 1 pixel format change(s) mid-stream, first at frame 5: yuv420p (8-bit) -> yuv420p10le (10-bit, luma >> 2)"), "{w}");
    }
}
