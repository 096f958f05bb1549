//! The codec's own motion vectors as arrows over the picture (`--codec-mvs`; docs/ARCHITECTURE.md,
//! "Codec motion vectors"): one per partition and direction, from the partition's centre (FFmpeg's
//! `dst`) to where its prediction comes from, dst + motion / motion_scale (the exact `src`), times
//! the arrows' length setting, coloured by codecview's set (`pf`, `bf`, `bb`). ffmpeg's codecview
//! draws the same segment (dst to src) but puts the head of a forward vector at dst; here every head
//! is at the source, as vidscope's own arrows point into the reference.

use crate::scene::View;
use crate::settings::Settings;
use glam::Vec2;
use vidscope_core::codec_mv::{CodecVectorKind, CodecVectors};

/// One codec vector in egui points.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CodecArrow {
    pub from: (f32, f32),
    pub to: (f32, f32),
    pub kind: CodecVectorKind,
}

/// What the HUD says the arrows are.
pub const CODEC_ARROWS_UNITS: &str = "codec vectors, px, from partition centre to its source";

/// The colour of each set: pf orange, bf green, bb magenta.
pub fn kind_colour(kind: CodecVectorKind) -> [u8; 3] {
    match kind {
        CodecVectorKind::PForward => [255, 150, 30],
        CodecVectorKind::BForward => [40, 220, 90],
        CodecVectorKind::BBackward => [235, 70, 235],
    }
}

/// codecview's name of each set.
pub fn kind_label(kind: CodecVectorKind) -> &'static str {
    match kind {
        CodecVectorKind::PForward => "pf",
        CodecVectorKind::BForward => "bf",
        CodecVectorKind::BBackward => "bb",
    }
}

/// The arrows of the shown frame's codec vectors (`ppp` pixels per point), none while they are off.
pub fn codec_arrows(settings: &Settings, codec: Option<&CodecVectors>, view: &View, ppp: f32) -> Vec<CodecArrow> {
    let Some(codec) = codec.filter(|_| settings.codec_mvs) else {
        return Vec::new();
    };
    let to_points = |p: Vec2| (view.window_from_image(p) / ppp).into();
    codec
        .vectors
        .iter()
        .filter_map(|mv| {
            let (dx, dy) = mv.vector_px()?;
            let centre = Vec2::new(f32::from(mv.dst_x), f32::from(mv.dst_y));
            let tip = centre + Vec2::new(dx, dy) * settings.arrow_scale;
            Some(CodecArrow { from: to_points(centre), to: to_points(tip), kind: codec.kind(mv) })
        })
        .collect()
}

/// The HUD's line: the picture type, how many vectors of each set, the units and the drawn length.
pub fn codec_arrows_line(settings: &Settings, codec: Option<&CodecVectors>) -> String {
    let Some(codec) = codec else {
        return format!("{CODEC_ARROWS_UNITS}: none yet");
    };
    let kinds = [CodecVectorKind::PForward, CodecVectorKind::BForward, CodecVectorKind::BBackward];
    let counts: Vec<String> = kinds
        .iter()
        .map(|&k| format!("{} {}", kind_label(k), codec.vectors.iter().filter(|mv| codec.kind(mv) == k).count()))
        .collect();
    format!(
        "{CODEC_ARROWS_UNITS}, drawn ×{}; {:?} picture: {} (pf orange, bf green, bb magenta)",
        settings.arrow_scale,
        codec.picture,
        counts.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use vidscope_core::codec_mv::{CodecMotionVector, PictureType};

    #[test]
    fn arrows_go_from_the_partition_centre_to_its_source() {
        let mv = CodecMotionVector {
            source: -1,
            w: 16,
            h: 16,
            src_x: 10,
            src_y: 7,
            dst_x: 8,
            dst_y: 8,
            motion_x: 9,
            motion_y: -4,
            motion_scale: 4,
        };
        let back = CodecMotionVector { source: 1, motion_x: -8, ..mv };
        let codec = CodecVectors { picture: PictureType::B, vectors: vec![mv, back] };
        let view = View { zoom: 2.0, origin: Vec2::ZERO, fit: false };
        let off = Settings::default();
        assert!(codec_arrows(&off, Some(&codec), &view, 1.0).is_empty());
        let on = Settings { codec_mvs: true, arrow_scale: 1.0, ..Settings::default() };
        let arrows = codec_arrows(&on, Some(&codec), &view, 1.0);
        let centre = view.window_from_image(Vec2::new(8.0, 8.0));
        assert_eq!(arrows[0].from, centre.into());
        assert_eq!(arrows[0].to, view.window_from_image(Vec2::new(8.0 + 2.25, 8.0 - 1.0)).into());
        assert_eq!((arrows[0].kind, arrows[1].kind), (CodecVectorKind::BForward, CodecVectorKind::BBackward));
        assert_eq!(arrows[1].to, view.window_from_image(Vec2::new(6.0, 7.0)).into());
        let line = codec_arrows_line(&on, Some(&codec));
        assert!(line.contains("pf 0, bf 1, bb 1") && line.contains(CODEC_ARROWS_UNITS), "{line}");
    }
}
