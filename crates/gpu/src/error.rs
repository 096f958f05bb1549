//! GPU errors: one line each, naming the setting or object at fault.

#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    #[error("no Vulkan loader found (install libvulkan1): {0}")]
    NoLoader(String),
    #[error("no Vulkan device found (install mesa-vulkan-drivers for the CPU device lavapipe)")]
    NoDevice,
    #[error("--gpu {wanted:?}: no Vulkan device name contains it (devices: {available})")]
    NoMatchingDevice { wanted: String, available: String },
    #[error("Vulkan device {device}: {reason}")]
    Unsupported { device: String, reason: String },
    #[error("validation layer VK_LAYER_KHRONOS_validation was required but is not installed (install vulkan-validationlayers)")]
    NoValidationLayer,
    #[error("Vulkan call failed in {what}: {result}")]
    Vk { what: &'static str, result: ash::vk::Result },
    #[error("GPU memory allocation for {what} failed: {reason}")]
    Alloc { what: String, reason: String },
    #[error(
        "{what}: {width}x{height} is larger than the Vulkan device {device} supports (maxImageDimension2D = {max})"
    )]
    TooLarge { what: String, width: u32, height: u32, max: u32, device: String },
    #[error("{0}")]
    Other(String),
}

/// Attaches a description of the failing call to a raw Vulkan result.
pub(crate) trait VkContext<T> {
    fn vk(self, what: &'static str) -> Result<T, GpuError>;
}

impl<T> VkContext<T> for Result<T, ash::vk::Result> {
    fn vk(self, what: &'static str) -> Result<T, GpuError> {
        self.map_err(|result| GpuError::Vk { what, result })
    }
}
