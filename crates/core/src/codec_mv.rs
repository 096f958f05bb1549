//! The codec's own motion vectors, as FFmpeg exports them (`export_side_data=mvs`): one
//! `AVMotionVector` per partition and prediction direction in the frame's
//! `AV_FRAME_DATA_MOTION_VECTORS` side data (docs/ARCHITECTURE.md, "Codec motion vectors").
//!
//! FFmpeg's meaning: `dst` is the partition's centre in the current frame, `w × h` its size (it
//! covers [dst_x − w/2, dst_x + w/2) × [dst_y − h/2, dst_y + h/2)), `src` where its prediction comes
//! from in the reference, src = dst + motion / motion_scale (C's truncating division), and `source`
//! the direction: negative for a past reference (list 0 in H.264), positive for a future one.

/// A frame's picture type as the decoder reports it (FFmpeg's `pict_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PictureType {
    I,
    P,
    B,
    /// Anything else (S, SI, SP, BI, unknown).
    Other,
}

/// What ffmpeg's `codecview=mv=pf+bf+bb` calls a vector: forward-predicted in a P picture (`pf`),
/// forward in a B picture (`bf`), backward in a B picture (`bb`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodecVectorKind {
    /// `pf`: source < 0 in any picture but a B one (codecview draws P pictures' only).
    PForward,
    /// `bf`: source < 0 in a B picture.
    BForward,
    /// `bb`: source > 0.
    BBackward,
}

/// One frame's codec motion vectors and its picture type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodecVectors {
    pub picture: PictureType,
    /// In FFmpeg's side-data order; empty for a frame without any (an intra frame).
    pub vectors: Vec<CodecMotionVector>,
}

impl CodecVectors {
    /// Which of codecview's three sets `mv` belongs to in this frame.
    pub fn kind(&self, mv: &CodecMotionVector) -> CodecVectorKind {
        match (mv.is_past(), self.picture) {
            (false, _) => CodecVectorKind::BBackward,
            (true, PictureType::B) => CodecVectorKind::BForward,
            (true, _) => CodecVectorKind::PForward,
        }
    }
}

/// One `AVMotionVector`, field for field (the `flags` FFmpeg leaves 0 are dropped).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodecMotionVector {
    /// < 0: predicted from a past frame, > 0: from a future frame (FFmpeg gives only the direction).
    pub source: i32,
    pub w: u8,
    pub h: u8,
    pub src_x: i16,
    pub src_y: i16,
    /// The partition's centre.
    pub dst_x: i16,
    pub dst_y: i16,
    pub motion_x: i32,
    pub motion_y: i32,
    /// Units per pixel of `motion` (4: quarter pixels in H.264, 2: half pixels in MPEG-2).
    pub motion_scale: u16,
}

/// Bytes of one `AVMotionVector` (C layout: i32, 2 × u8, 4 × i16, 2 bytes of padding, u64, 2 × i32,
/// u16, 6 bytes of padding to the u64's alignment).
pub const AV_MOTION_VECTOR_BYTES: usize = 40;

impl CodecMotionVector {
    /// Reads FFmpeg's side data (native-endian `AVMotionVector`s, laid out as
    /// [`AV_MOTION_VECTOR_BYTES`] says); an error when its length is not a whole number of them.
    pub fn parse_side_data(bytes: &[u8]) -> Result<Vec<Self>, String> {
        if !bytes.len().is_multiple_of(AV_MOTION_VECTOR_BYTES) {
            return Err(format!(
                "motion-vector side data of {} bytes is not a whole number of {AV_MOTION_VECTOR_BYTES}-byte records",
                bytes.len()
            ));
        }
        Ok(bytes.chunks_exact(AV_MOTION_VECTOR_BYTES).map(Self::from_record).collect())
    }

    fn from_record(r: &[u8]) -> Self {
        let i16_at = |o: usize| i16::from_ne_bytes([r[o], r[o + 1]]);
        let i32_at = |o: usize| i32::from_ne_bytes([r[o], r[o + 1], r[o + 2], r[o + 3]]);
        CodecMotionVector {
            source: i32_at(0),
            w: r[4],
            h: r[5],
            src_x: i16_at(6),
            src_y: i16_at(8),
            dst_x: i16_at(10),
            dst_y: i16_at(12),
            // 14..16 padding, 16..24 flags.
            motion_x: i32_at(24),
            motion_y: i32_at(28),
            motion_scale: u16::from_ne_bytes([r[32], r[33]]),
        }
    }

    /// Predicted from a past frame (what vidscope's search looks at).
    pub fn is_past(&self) -> bool {
        self.source < 0
    }

    /// The vector in vidscope's convention, pixels: pred(x) = ref(x + (dx, dy)) with
    /// (dx, dy) = motion / motion_scale (exact, not truncated as FFmpeg's `src` is). `None` for a
    /// scale of 0, which no decoder writes.
    pub fn vector_px(&self) -> Option<(f32, f32)> {
        let s = f32::from(self.motion_scale);
        (self.motion_scale > 0).then(|| (self.motion_x as f32 / s, self.motion_y as f32 / s))
    }

    /// Whether pixel (x, y) lies in the partition, [dst − size/2, dst + size/2) on each axis.
    pub fn covers(&self, x: i64, y: i64) -> bool {
        let (x0, y0) = (i64::from(self.dst_x) - i64::from(self.w) / 2, i64::from(self.dst_y) - i64::from(self.h) / 2);
        (x0..x0 + i64::from(self.w)).contains(&x) && (y0..y0 + i64::from(self.h)).contains(&y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One record as C lays it out.
    fn record(mv: &CodecMotionVector, flags: u64) -> Vec<u8> {
        let mut r = Vec::with_capacity(AV_MOTION_VECTOR_BYTES);
        r.extend(mv.source.to_ne_bytes());
        r.extend([mv.w, mv.h]);
        for v in [mv.src_x, mv.src_y, mv.dst_x, mv.dst_y] {
            r.extend(v.to_ne_bytes());
        }
        r.extend([0xAA, 0xAA]);
        r.extend(flags.to_ne_bytes());
        r.extend(mv.motion_x.to_ne_bytes());
        r.extend(mv.motion_y.to_ne_bytes());
        r.extend(mv.motion_scale.to_ne_bytes());
        r.extend([0xBB; 6]);
        r
    }

    fn sample() -> CodecMotionVector {
        CodecMotionVector {
            source: -1,
            w: 8,
            h: 16,
            src_x: 5,
            src_y: -3,
            dst_x: 4,
            dst_y: 8,
            motion_x: 5,
            motion_y: -45,
            motion_scale: 4,
        }
    }

    #[test]
    fn parses_records_field_by_field_and_rejects_a_partial_one() {
        let (a, b) = (sample(), CodecMotionVector { source: 1, w: 16, motion_x: -70000, ..sample() });
        let bytes = [record(&a, 0), record(&b, u64::MAX)].concat();
        assert_eq!(CodecMotionVector::parse_side_data(&bytes), Ok(vec![a, b]));
        assert_eq!(CodecMotionVector::parse_side_data(&[]), Ok(vec![]));
        let err = CodecMotionVector::parse_side_data(&bytes[..79]).unwrap_err();
        assert!(err.contains("79 bytes"), "{err}");
    }

    #[test]
    fn vector_and_cover_follow_ffmpegs_meaning() {
        let mv = sample();
        assert_eq!(mv.vector_px(), Some((1.25, -11.25)));
        assert_eq!(CodecMotionVector { motion_scale: 0, ..mv }.vector_px(), None);
        // dst (4, 8), 8 × 16: x in [0, 8), y in [0, 16).
        assert!(mv.covers(0, 0) && mv.covers(7, 15));
        assert!(!mv.covers(8, 0) && !mv.covers(0, 16) && !mv.covers(-1, 3));
        assert!(mv.is_past() && !CodecMotionVector { source: 1, ..mv }.is_past());
    }

    #[test]
    fn kinds_are_codecviews_sets() {
        let (fwd, back) = (sample(), CodecMotionVector { source: 1, ..sample() });
        let frame = |picture| CodecVectors { picture, vectors: vec![fwd, back] };
        assert_eq!(frame(PictureType::P).kind(&fwd), CodecVectorKind::PForward);
        assert_eq!(frame(PictureType::B).kind(&fwd), CodecVectorKind::BForward);
        assert_eq!(frame(PictureType::B).kind(&back), CodecVectorKind::BBackward);
        assert_eq!(frame(PictureType::Other).kind(&fwd), CodecVectorKind::PForward);
    }
}
