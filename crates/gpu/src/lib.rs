//! Vulkan plumbing: instance and device, validation, memory, buffers and images, compute pipelines,
//! command submission, timestamp queries, and presenting to a window (swapchain, display pass, egui
//! compositing). Knows nothing of video or UI widgets; all `unsafe` lives here.

mod buffer;
mod commands;
mod compositor;
mod context;
mod error;
mod image;
mod pipeline;
mod present;
mod timestamps;
mod validation;

pub use buffer::{BufferKind, GpuBuffer};
pub use commands::{Recorder, Semaphore};
pub use compositor::{Compositor, DisplayInputs, EguiFrame, Screenshot, COMPOSITE_FORMAT};
pub use context::{GpuContext, GpuOptions, QueueRole, ValidationMode, WindowTarget};
pub use error::GpuError;
pub use image::LumaImage;
pub use pipeline::{Binding, ComputePipeline};
pub use present::{Captured, DrawOutcome, PresentMode, Presenter, FRAMES_IN_FLIGHT};
pub use timestamps::TimestampQueries;
pub use validation::ValidationLog;

pub use ash::vk;
