//! vidscope's viewer: the winit window app (`viewer`) and the egui panels, HUD, legend, keys and
//! plots (`ui`). What the picture shows, the player and the playhead are `vidscope_scene`'s (shared
//! with headless `vidscope record`); Vulkan work goes through `vidscope_gpu`.
#![forbid(unsafe_code)]

use vidscope_core::{formats, reference};
use vidscope_gpu as gpu;
use vidscope_passes as passes;
use vidscope_video as video;

pub mod ui;
pub mod viewer;
