//! 8-bit single-channel storage images (`r8ui`) holding luma planes, diff and residual planes.
//! They live in `GENERAL` layout for their whole life, so passes never transition them.

use super::context::GpuContext;
use super::error::{GpuError, VkContext};
use ash::vk;
use gpu_allocator::vulkan::{Allocation, AllocationCreateDesc, AllocationScheme};
use gpu_allocator::MemoryLocation;
use std::sync::Arc;

pub struct LumaImage {
    ctx: Arc<GpuContext>,
    pub(crate) image: vk::Image,
    pub(crate) view: vk::ImageView,
    allocation: Option<Allocation>,
    pub width: u32,
    pub height: u32,
}

impl LumaImage {
    /// Creates the image; the caller must record [`super::Recorder::init_image`] before first use.
    pub fn new(ctx: &Arc<GpuContext>, name: &str, width: u32, height: u32) -> Result<Self, GpuError> {
        let device = &ctx.device;
        let info = vk::ImageCreateInfo::default()
            .image_type(vk::ImageType::TYPE_2D)
            .format(vk::Format::R8_UINT)
            .extent(vk::Extent3D { width, height, depth: 1 })
            .mip_levels(1)
            .array_layers(1)
            .samples(vk::SampleCountFlags::TYPE_1)
            .tiling(vk::ImageTiling::OPTIMAL)
            .usage(vk::ImageUsageFlags::STORAGE | vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::TRANSFER_DST)
            .initial_layout(vk::ImageLayout::UNDEFINED);
        // SAFETY: valid create info; destroyed in Drop.
        let image = unsafe { device.create_image(&info, None) }.vk("vkCreateImage")?;
        // SAFETY: image is live.
        let requirements = unsafe { device.get_image_memory_requirements(image) };
        let allocation = ctx.allocator.lock().map_err(|_| GpuError::Other("allocator lock poisoned".into()))?.allocate(
            &AllocationCreateDesc {
                name,
                requirements,
                location: MemoryLocation::GpuOnly,
                linear: false,
                allocation_scheme: AllocationScheme::GpuAllocatorManaged,
            },
        );
        let allocation = match allocation {
            Ok(a) => a,
            Err(e) => {
                // SAFETY: never bound or used.
                unsafe { device.destroy_image(image, None) };
                return Err(GpuError::Alloc { what: name.to_string(), reason: e.to_string() });
            }
        };
        // SAFETY: the allocation meets the image's requirements.
        unsafe { device.bind_image_memory(image, allocation.memory(), allocation.offset()) }.vk("vkBindImageMemory")?;
        let view_info = vk::ImageViewCreateInfo::default()
            .image(image)
            .view_type(vk::ImageViewType::TYPE_2D)
            .format(vk::Format::R8_UINT)
            .subresource_range(color_range());
        // SAFETY: image is live and bound.
        let view = unsafe { device.create_image_view(&view_info, None) }.vk("vkCreateImageView")?;
        ctx.set_name(image, name);
        ctx.set_name(view, &format!("{name} view"));
        Ok(Self { ctx: ctx.clone(), image, view, allocation: Some(allocation), width, height })
    }

    pub fn byte_len(&self) -> u64 {
        self.width as u64 * self.height as u64
    }
}

pub(crate) fn color_range() -> vk::ImageSubresourceRange {
    vk::ImageSubresourceRange {
        aspect_mask: vk::ImageAspectFlags::COLOR,
        base_mip_level: 0,
        level_count: 1,
        base_array_layer: 0,
        layer_count: 1,
    }
}

impl Drop for LumaImage {
    fn drop(&mut self) {
        // SAFETY: GPU work using the image has completed (Recorder waits after each submit).
        unsafe {
            self.ctx.device.destroy_image_view(self.view, None);
            self.ctx.device.destroy_image(self.image, None);
        }
        if let (Some(a), Ok(mut alloc)) = (self.allocation.take(), self.ctx.allocator.lock()) {
            let _ = alloc.free(a);
        }
    }
}
