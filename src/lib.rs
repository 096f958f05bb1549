//! vidscope: GPU video diagnostics (diff, block stats, motion search, residuals) with an exact CPU
//! reference. `gpu` is Vulkan plumbing, `passes` the GPU passes, `reference` their CPU oracle,
//! `video` the inputs, `analysis` the headless drivers and exporters.

pub mod analysis;
pub mod gpu;
pub mod passes;
pub mod reference;
pub mod video;
