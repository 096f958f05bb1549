//! Vulkan plumbing: instance and device, validation, memory, buffers and images, compute pipelines,
//! command submission and timestamp queries. Knows nothing of video or UI; all `unsafe` lives here.

mod buffer;
mod commands;
mod context;
mod error;
mod image;
mod pipeline;
mod timestamps;
mod validation;

pub use buffer::{BufferKind, GpuBuffer};
pub use commands::Recorder;
pub use context::{GpuContext, GpuOptions, ValidationMode};
pub use error::GpuError;
pub use image::LumaImage;
pub use pipeline::{Binding, ComputePipeline};
pub use timestamps::TimestampQueries;
pub use validation::ValidationLog;

pub use ash::vk;
