//! The viewer's UI: its panel model (actions, hover, HUD; `Settings` and the rest of what the picture
//! shows are `vidscope_scene::settings`, re-exported here), its key map and its egui widgets. Pure
//! UI: it edits [`Settings`] and returns [`Action`]s for the viewer to carry out.

pub mod cost_surface;
mod keys;
mod model;
pub mod plots;
mod widgets;
pub mod worst_lists;

pub use keys::{on_key, KEYS};
pub use model::*;
pub use vidscope_scene::colormap;
pub use vidscope_scene::overlay::{draw_arrows, draw_codec_arrows, Arrow};
pub use widgets::{draw, format_db};
