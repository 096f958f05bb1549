//! vidscope: GPU video diagnostics (diff, block stats, motion search, residuals) with an exact CPU
//! reference. `gpu` is Vulkan plumbing, `passes` the GPU passes, `reference` their CPU oracle,
//! `video` the inputs, `analysis` the headless drivers and exporters, `safe_fs` the
//! no-overwrite file steps their outputs use, `viewer` the window (`ui` its
//! egui panels and key bindings).

pub mod analysis;
pub mod gpu;
pub mod passes;
pub mod reference;
pub mod safe_fs;
pub mod ui;
pub mod video;
pub mod viewer;
