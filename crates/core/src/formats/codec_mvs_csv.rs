//! `codec_mvs.csv`: the codec's motion vectors as FFmpeg exports them, one row per
//! `AVMotionVector` in side-data order, frame t in vidscope's numbering (docs/ARCHITECTURE.md,
//! "Codec motion vectors").

use crate::codec_mv::CodecMotionVector;
use std::io::Write;

/// The file of the vectors.
pub const CODEC_MVS_CSV: &str = "codec_mvs.csv";

/// The file of their end-point errors against the search (`reference::codec_epe`), float32 [P, By, Bx].
pub const CODEC_EPE_NPY: &str = "codec_epe.npy";

/// The header line's columns.
pub const CODEC_MVS_CSV_HEADER: &str = "frame,source,w,h,src_x,src_y,dst_x,dst_y,motion_x,motion_y,motion_scale";

/// Appends frame `t`'s rows to `out`.
pub fn codec_mvs_rows(t: u64, mvs: &[CodecMotionVector], out: &mut Vec<u8>) {
    for m in mvs {
        // Writing into a Vec cannot fail.
        let _ = writeln!(
            out,
            "{t},{},{},{},{},{},{},{},{},{},{}",
            m.source, m.w, m.h, m.src_x, m.src_y, m.dst_x, m.dst_y, m.motion_x, m.motion_y, m.motion_scale
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_vector_in_the_headers_order() {
        let mv = CodecMotionVector {
            source: -1,
            w: 16,
            h: 8,
            src_x: -3,
            src_y: 4,
            dst_x: 8,
            dst_y: 4,
            motion_x: -45,
            motion_y: 2,
            motion_scale: 4,
        };
        let mut out = Vec::new();
        codec_mvs_rows(7, &[mv, CodecMotionVector { source: 1, ..mv }], &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "7,-1,16,8,-3,4,8,4,-45,2,4\n7,1,16,8,-3,4,8,4,-45,2,4\n");
        assert_eq!(CODEC_MVS_CSV_HEADER.split(',').count(), 11);
    }
}
