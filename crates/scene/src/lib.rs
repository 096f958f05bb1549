//! What the picture means, below the window: the settings (modes, metrics, colormaps), the display
//! pass's push constants and inputs (`scene`), the player on the shared frame driver and its
//! playhead, the arrows drawn over the picture (and the field they are made from), the worst-N
//! lists' order, and the inputs' checks. Shared by the window app (`vidscope_view`) and headless
//! `vidscope record`, so both draw the same pixels. No window, no command line.
#![forbid(unsafe_code)]

use vidscope_core::{formats, reference};
use vidscope_gpu as gpu;
use vidscope_passes as passes;
use vidscope_video as video;

pub mod arrow_field;
pub mod codec_arrows;
pub mod colormap;
pub mod display;
pub mod flow_legend;
pub mod inputs;
pub mod motion_sources;
pub mod overlay;
pub mod player;
pub mod playhead;
pub mod scene;
pub mod settings;
pub mod worst;

/// The display pass's SPIR-V and push-constant size, for `Compositor::new` / `Presenter::new`.
pub const DISPLAY_SPIRV: &[u8] = passes::DISPLAY_SPIRV;
