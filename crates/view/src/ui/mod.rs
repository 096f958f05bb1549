//! The viewer's UI: its model (what is shown and how it is set), its key map and its egui widgets.
//! Pure UI: it edits [`Settings`] and returns [`Action`]s for the viewer to carry out.

pub mod colormap;
mod keys;
mod model;
pub mod plots;
mod widgets;

pub use keys::{on_key, KEYS};
pub use model::*;
pub use widgets::{draw, draw_arrows, Arrow};
