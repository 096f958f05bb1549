//! 8-bit single-channel storage images (`r8ui`) holding luma planes, diff and residual planes, and
//! their 4-pixels-per-texel form (`rgba8ui` "quads", read by the motion search on CPU devices).
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
    /// Bytes per texel: 1 (`r8ui`) or 4 (quads).
    texel_bytes: u32,
}

impl LumaImage {
    /// Creates the image; the caller must record [`super::Recorder::init_image`] before first use.
    pub fn new(ctx: &Arc<GpuContext>, name: &str, width: u32, height: u32) -> Result<Self, GpuError> {
        Self::create(ctx, name, width, height, None)
    }

    /// An image the main queue and the side queues (`QueueRole`) both use (an input uploaded on the
    /// upload queue, a plane downloaded on the readback queue): shared by their families where they
    /// differ (else as `new`).
    pub fn new_shared(ctx: &Arc<GpuContext>, name: &str, width: u32, height: u32) -> Result<Self, GpuError> {
        Self::create(ctx, name, width, height, ctx.shared_families())
    }

    fn create(
        ctx: &Arc<GpuContext>,
        name: &str,
        width: u32,
        height: u32,
        families: Option<[u32; 2]>,
    ) -> Result<Self, GpuError> {
        let usage =
            vk::ImageUsageFlags::STORAGE | vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::TRANSFER_DST;
        let (image, view, allocation) =
            create_image_2d_shared(ctx, name, vk::Format::R8_UINT, (width, height), usage, families)?;
        Ok(Self { ctx: ctx.clone(), image, view, allocation: Some(allocation), width, height, texel_bytes: 1 })
    }

    /// A `width` x `height` `rgba8ui` image of quads: texel x holds 4 consecutive pixels of a plane.
    /// Record [`super::Recorder::init_image`] before first use.
    pub fn new_quads(ctx: &Arc<GpuContext>, name: &str, width: u32, height: u32) -> Result<Self, GpuError> {
        let usage = vk::ImageUsageFlags::STORAGE;
        let (image, view, allocation) = create_image_2d(ctx, name, vk::Format::R8G8B8A8_UINT, (width, height), usage)?;
        Ok(Self { ctx: ctx.clone(), image, view, allocation: Some(allocation), width, height, texel_bytes: 4 })
    }

    pub fn byte_len(&self) -> u64 {
        self.width as u64 * self.height as u64 * self.texel_bytes as u64
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
        // GPU work using the image has completed (Recorder waits after each submit).
        destroy_image_2d(&self.ctx, self.image, self.view, self.allocation.take());
    }
}

/// A 2D image (one mip, one layer, optimal tiling, starting UNDEFINED) in GPU-only memory with a view
/// over all of it, both named after `name`. Nothing is left behind when a step fails.
pub(crate) fn create_image_2d(
    ctx: &GpuContext,
    name: &str,
    format: vk::Format,
    size: (u32, u32),
    usage: vk::ImageUsageFlags,
) -> Result<(vk::Image, vk::ImageView, Allocation), GpuError> {
    create_image_2d_shared(ctx, name, format, size, usage, None)
}

/// Like [`create_image_2d`]; with `families`, the image is shared (`CONCURRENT`) by those two queue families.
fn create_image_2d_shared(
    ctx: &GpuContext,
    name: &str,
    format: vk::Format,
    (width, height): (u32, u32),
    usage: vk::ImageUsageFlags,
    families: Option<[u32; 2]>,
) -> Result<(vk::Image, vk::ImageView, Allocation), GpuError> {
    // Every image, padded work images included, is held to the device's limit here: past it
    // vkCreateImage is undefined behaviour (drivers crash), so it must never be reached.
    ctx.check_image_size(name, width, height)?;
    let device = &ctx.device;
    let info = vk::ImageCreateInfo::default()
        .image_type(vk::ImageType::TYPE_2D)
        .format(format)
        .extent(vk::Extent3D { width, height, depth: 1 })
        .mip_levels(1)
        .array_layers(1)
        .samples(vk::SampleCountFlags::TYPE_1)
        .tiling(vk::ImageTiling::OPTIMAL)
        .usage(usage)
        .initial_layout(vk::ImageLayout::UNDEFINED);
    let info = match &families {
        Some(families) => info.sharing_mode(vk::SharingMode::CONCURRENT).queue_family_indices(families),
        None => info.sharing_mode(vk::SharingMode::EXCLUSIVE),
    };
    // SAFETY: valid create info; destroyed by destroy_image_2d (or below on failure).
    let image = unsafe { device.create_image(&info, None) }.vk("vkCreateImage")?;
    // SAFETY: image is live.
    let requirements = unsafe { device.get_image_memory_requirements(image) };
    let allocated = match ctx.allocator.lock() {
        Ok(mut alloc) => alloc
            .allocate(&AllocationCreateDesc {
                name,
                requirements,
                location: MemoryLocation::GpuOnly,
                linear: false,
                allocation_scheme: AllocationScheme::GpuAllocatorManaged,
            })
            .map_err(|e| GpuError::Alloc { what: name.to_string(), reason: e.to_string() }),
        Err(_) => Err(GpuError::Other("allocator lock poisoned".into())),
    };
    let allocation = match allocated {
        Ok(a) => a,
        Err(e) => {
            // SAFETY: never bound or used.
            unsafe { device.destroy_image(image, None) };
            return Err(e);
        }
    };
    let view_info = vk::ImageViewCreateInfo::default()
        .image(image)
        .view_type(vk::ImageViewType::TYPE_2D)
        .format(format)
        .subresource_range(color_range());
    // SAFETY: the allocation meets the image's requirements; the view is made once it is bound.
    let view = unsafe {
        device
            .bind_image_memory(image, allocation.memory(), allocation.offset())
            .vk("vkBindImageMemory")
            .and_then(|()| device.create_image_view(&view_info, None).vk("vkCreateImageView"))
    };
    match view {
        Ok(view) => {
            ctx.set_name(image, name);
            ctx.set_name(view, &format!("{name} view"));
            Ok((image, view, allocation))
        }
        Err(e) => {
            destroy_image_2d(ctx, image, vk::ImageView::null(), Some(allocation));
            Err(e)
        }
    }
}

/// Destroys what `create_image_2d` made; the caller makes sure the GPU no longer uses it.
pub(crate) fn destroy_image_2d(
    ctx: &GpuContext,
    image: vk::Image,
    view: vk::ImageView,
    allocation: Option<Allocation>,
) {
    // SAFETY: per the contract above nothing uses the objects; a null view is ignored by Vulkan.
    unsafe {
        ctx.device.destroy_image_view(view, None);
        ctx.device.destroy_image(image, None);
    }
    if let (Some(a), Ok(mut alloc)) = (allocation, ctx.allocator.lock()) {
        let _ = alloc.free(a);
    }
}
