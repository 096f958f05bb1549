//! The stream notices the headless commands print on stderr before they start (which of several
//! video streams is read, an ignored display rotation, interlacing); the viewer shows the same lines.

use crate::video::{stream_meta, StreamInfo};

pub fn print_stream_notices(info: &StreamInfo) {
    for line in stream_meta::stream_notices(&info.input, &info.meta) {
        eprintln!("vidscope: warning: {line}");
    }
}
