//! vidscope's foundation, with no GPU, no video decoding and no UI: the exact CPU reference of every
//! pass (`reference`, depends on std only), the parameter and frame types, the file formats
//! (`formats`) and the no-overwrite file steps outputs use (`safe_fs`).
#![forbid(unsafe_code)]

pub mod codec_mv;
pub mod formats;
pub mod frame;
pub mod reference;
pub mod safe_fs;
pub mod stream_meta;
