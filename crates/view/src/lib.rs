//! vidscope's viewer: the winit window app (`viewer`), the playhead, the player on the shared frame
//! driver, the scene the display pass draws (shared with `vidscope record`), and the egui panels,
//! HUD, legend, keys and plots (`ui`). Vulkan work goes through `vidscope_gpu`.
#![forbid(unsafe_code)]

use vidscope_core::{formats, reference};
use vidscope_gpu as gpu;
use vidscope_passes as passes;
use vidscope_video as video;

pub mod ui;
pub mod viewer;
