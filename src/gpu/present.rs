//! Presenting to a window: the swapchain (recreated on resize / out-of-date / suboptimal, skipped while
//! the window has zero size), two frames in flight, the display compute pass into an RGBA8 composite
//! image, the blit into the swapchain image, egui on top (egui-ash-renderer, dynamic rendering), and
//! optional readback of exactly what is presented (screenshots).

use super::buffer::{BufferKind, GpuBuffer};
use super::commands::command_buffer;
use super::context::GpuContext;
use super::error::{GpuError, VkContext};
use super::image::{color_range, LumaImage};
use super::pipeline::{Binding, ComputePipeline};
use ash::vk;
use egui_ash_renderer::{DynamicRendering, Options as EguiOptions, RenderMode, Renderer};
use gpu_allocator::vulkan::{Allocation, AllocationCreateDesc, AllocationScheme, Allocator, AllocatorCreateDesc};
use gpu_allocator::MemoryLocation;
use std::sync::{Arc, Mutex};

/// Frames the CPU may record ahead of the GPU.
pub const FRAMES_IN_FLIGHT: usize = 2;

/// `--present`: the swapchain present mode (FIFO is always supported and the default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum PresentMode {
    #[default]
    Fifo,
    Mailbox,
    Immediate,
}

impl PresentMode {
    fn vk(self) -> vk::PresentModeKHR {
        match self {
            PresentMode::Fifo => vk::PresentModeKHR::FIFO,
            PresentMode::Mailbox => vk::PresentModeKHR::MAILBOX,
            PresentMode::Immediate => vk::PresentModeKHR::IMMEDIATE,
        }
    }
}

/// Push constants of `shaders/display.comp` (the order and types mirror its `Push` block).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct DisplayPush {
    pub out_w: u32,
    pub out_h: u32,
    pub src_w: u32,
    pub src_h: u32,
    /// 0 raw, 1 diff, 2 heatmap over raw, 3 heatmap over diff.
    pub mode: u32,
    /// 0 viridis, 1 inferno, 2 turbo.
    pub colormap: u32,
    /// 0 SAD, 1 SSE, 2 mean.
    pub metric: u32,
    pub block: u32,
    pub blocks_x: u32,
    pub flags: u32,
    pub opacity: f32,
    pub scale_max: f32,
    pub zoom: f32,
    pub origin_x: f32,
    pub origin_y: f32,
    /// 0 gray (no chroma bound), 1 BT.601, 2 BT.709, 3 BT.2020.
    pub colour: u32,
    pub full_range: u32,
    pub chroma_shift_x: u32,
    pub chroma_shift_y: u32,
}

impl DisplayPush {
    pub const FLAG_HAS_FRAME: u32 = 1;
    pub const FLAG_GRID: u32 = 2;
    /// Two panes side by side: binding 1 on the left, binding 4 on the right, same view in each.
    pub const FLAG_SPLIT: u32 = 8;
    const FLAG_SRGB_TARGET: u32 = 4;
}

/// What the display pass reads this frame. `luma` is `None` before the first frame arrived.
pub struct DisplayInputs<'a> {
    pub luma: Option<&'a LumaImage>,
    pub diff: &'a LumaImage,
    /// The right pane's plane in the split view (`FLAG_SPLIT`); bound always, read only then.
    pub right: &'a LumaImage,
    pub stats: &'a GpuBuffer,
    /// (Cb, Cr) for colour in raw mode (`push.colour` != 0); `None` binds luma there, unread.
    pub chroma: Option<(&'a LumaImage, &'a LumaImage)>,
    /// `out_w`/`out_h` and the sRGB flag are filled in by the presenter.
    pub push: DisplayPush,
}

/// egui's output for one frame.
pub struct EguiFrame {
    pub primitives: Vec<egui::ClippedPrimitive>,
    pub textures_delta: egui::TexturesDelta,
    pub pixels_per_point: f32,
}

/// An RGBA8 picture, row-major, 4 bytes per pixel.
pub struct Screenshot {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

pub enum DrawOutcome {
    /// Nothing was presented (minimized, or the swapchain had to be recreated first); draw again.
    Skipped,
    Presented(Option<Screenshot>),
}

struct FrameSlot {
    pool: vk::CommandPool,
    cmd: vk::CommandBuffer,
    fence: vk::Fence,
    acquired: vk::Semaphore,
    free_after: Vec<egui::TextureId>,
}

struct Swapchain {
    handle: vk::SwapchainKHR,
    images: Vec<vk::Image>,
    views: Vec<vk::ImageView>,
    /// One per swapchain image: a present may still wait on it until that image is acquired again.
    rendered: Vec<vk::Semaphore>,
    extent: vk::Extent2D,
    format: vk::SurfaceFormatKHR,
    can_read_back: bool,
}

/// The composite the display pass writes (RGBA8): GENERAL while written, TRANSFER_SRC_OPTIMAL for the blit.
struct Composite {
    image: vk::Image,
    view: vk::ImageView,
    allocation: Option<Allocation>,
}

pub struct Presenter {
    // Dropped first: the renderer frees its memory through egui_allocator.
    egui: Renderer<egui_ash_renderer::allocator::GpuAllocator>,
    egui_allocator: Arc<Mutex<Allocator>>,
    swapchain_loader: ash::khr::swapchain::Device,
    dynamic_rendering: ash::khr::dynamic_rendering::Device,
    display: ComputePipeline,
    frames: Vec<FrameSlot>,
    upload_pool: vk::CommandPool,
    swapchain: Option<Swapchain>,
    composite: Option<Composite>,
    readback: Option<GpuBuffer>,
    screenshots: bool,
    dirty: bool,
    window_size: (u32, u32),
    present_mode: PresentMode,
    present_mode_used: vk::PresentModeKHR,
    frame: usize,
    ctx: Arc<GpuContext>,
}

const PREFERRED_FORMATS: [vk::Format; 2] = [vk::Format::B8G8R8A8_UNORM, vk::Format::R8G8B8A8_UNORM];

fn is_srgb(f: vk::Format) -> bool {
    matches!(f, vk::Format::B8G8R8A8_SRGB | vk::Format::R8G8B8A8_SRGB | vk::Format::A8B8G8R8_SRGB_PACK32)
}

impl Presenter {
    /// `screenshots`: keep a readback buffer the size of the window so any frame can be saved.
    pub fn new(
        ctx: &Arc<GpuContext>,
        present_mode: PresentMode,
        window_size: (u32, u32),
        screenshots: bool,
    ) -> Result<Self, GpuError> {
        if ctx.surface.is_none() {
            return Err(GpuError::Other("Presenter needs a context made by GpuContext::with_window".into()));
        }
        let device = &ctx.device;
        let swapchain_loader = ash::khr::swapchain::Device::new(&ctx.instance, device);
        let dynamic_rendering = ash::khr::dynamic_rendering::Device::new(&ctx.instance, device);
        let image = vk::DescriptorType::STORAGE_IMAGE;
        let display = ComputePipeline::new(
            ctx,
            "display",
            include_bytes!(concat!(env!("OUT_DIR"), "/display.spv")),
            // luma, diff (or predicted/residual), block stats, composite out, right pane, Cb, Cr
            &[image, image, vk::DescriptorType::STORAGE_BUFFER, image, image, image, image],
            std::mem::size_of::<DisplayPush>() as u32,
        )?;
        let mut frames = Vec::new();
        for i in 0..FRAMES_IN_FLIGHT {
            frames.push(FrameSlot::new(ctx, i)?);
        }
        let pool_info = vk::CommandPoolCreateInfo::default()
            .queue_family_index(ctx.queue_family)
            .flags(vk::CommandPoolCreateFlags::TRANSIENT | vk::CommandPoolCreateFlags::RESET_COMMAND_BUFFER);
        // SAFETY: valid create info; destroyed in Drop.
        let upload_pool = unsafe { device.create_command_pool(&pool_info, None) }.vk("vkCreateCommandPool")?;
        ctx.set_name(upload_pool, "egui texture uploads");
        let egui_allocator = Allocator::new(&AllocatorCreateDesc {
            instance: ctx.instance.clone(),
            device: device.clone(),
            physical_device: ctx.physical,
            debug_settings: Default::default(),
            buffer_device_address: false,
            allocation_sizes: Default::default(),
        })
        .map_err(|e| GpuError::Alloc { what: "egui allocator".into(), reason: e.to_string() })?;
        let egui_allocator = Arc::new(Mutex::new(egui_allocator));
        let format = Self::pick_format(ctx)?;
        let egui = Renderer::with_gpu_allocator(
            egui_allocator.clone(),
            device.clone(),
            RenderMode::DynamicRendering(DynamicRendering {
                color_attachment_format: format.format,
                depth_attachment_format: None,
                stencil_attachment_format: None,
            }),
            EguiOptions {
                in_flight_frames: FRAMES_IN_FLIGHT,
                enable_depth_test: false,
                enable_depth_write: false,
                srgb_framebuffer: is_srgb(format.format),
            },
        )
        .map_err(|e| GpuError::Other(format!("egui renderer: {e}")))?;
        Ok(Self {
            egui,
            egui_allocator,
            swapchain_loader,
            dynamic_rendering,
            display,
            frames,
            upload_pool,
            swapchain: None,
            composite: None,
            readback: None,
            screenshots,
            dirty: true,
            window_size,
            present_mode,
            present_mode_used: vk::PresentModeKHR::FIFO,
            frame: 0,
            ctx: ctx.clone(),
        })
    }

    fn surface(&self) -> (&ash::khr::surface::Instance, vk::SurfaceKHR) {
        let (loader, surface) = self.ctx.surface.as_ref().expect("checked in new");
        (loader, *surface)
    }

    fn pick_format(ctx: &GpuContext) -> Result<vk::SurfaceFormatKHR, GpuError> {
        let (loader, surface) = ctx.surface.as_ref().expect("checked by callers");
        // SAFETY: plain query; the surface belongs to this instance.
        let formats = unsafe { loader.get_physical_device_surface_formats(ctx.physical, *surface) }
            .vk("vkGetPhysicalDeviceSurfaceFormatsKHR")?;
        PREFERRED_FORMATS
            .iter()
            .find_map(|want| formats.iter().find(|f| f.format == *want))
            .or_else(|| formats.first())
            .copied()
            .ok_or_else(|| GpuError::Other("the window surface offers no formats".into()))
    }

    /// The window's new size in physical pixels; the swapchain is rebuilt before the next frame.
    pub fn resize(&mut self, width: u32, height: u32) {
        if (width, height) != self.window_size {
            self.window_size = (width, height);
            self.dirty = true;
        }
    }

    /// The size frames are drawn at (0x0 while minimized).
    pub fn extent(&self) -> (u32, u32) {
        self.swapchain.as_ref().map(|s| (s.extent.width, s.extent.height)).unwrap_or((0, 0))
    }

    /// The present mode in use, e.g. `FIFO` (the requested one when supported).
    pub fn present_mode_used(&self) -> String {
        format!("{:?}", self.present_mode_used)
    }

    /// Waits until the GPU finished every submitted frame (before the display inputs are rewritten).
    pub fn wait_frames(&self) -> Result<(), GpuError> {
        let fences: Vec<_> = self.frames.iter().map(|f| f.fence).collect();
        // SAFETY: the fences belong to this device.
        unsafe { self.ctx.device.wait_for_fences(&fences, true, u64::MAX) }.vk("vkWaitForFences")
    }

    fn destroy_swapchain(&mut self) {
        let device = &self.ctx.device;
        // SAFETY: callers waited for the device to be idle, so nothing uses these objects any more.
        unsafe {
            if let Some(sc) = self.swapchain.take() {
                for &v in &sc.views {
                    device.destroy_image_view(v, None);
                }
                for &s in &sc.rendered {
                    device.destroy_semaphore(s, None);
                }
                self.swapchain_loader.destroy_swapchain(sc.handle, None);
            }
            if let Some(mut c) = self.composite.take() {
                device.destroy_image_view(c.view, None);
                device.destroy_image(c.image, None);
                if let (Some(a), Ok(mut alloc)) = (c.allocation.take(), self.ctx.allocator.lock()) {
                    let _ = alloc.free(a);
                }
            }
        }
        self.readback = None;
    }

    /// Rebuilds the swapchain for the current window size. `Ok(false)` when the window has no area.
    fn recreate(&mut self) -> Result<bool, GpuError> {
        self.ctx.wait_idle();
        let (loader, surface) = self.surface();
        let physical = self.ctx.physical;
        // SAFETY: plain queries of the surface.
        let (caps, modes) = unsafe {
            (
                loader
                    .get_physical_device_surface_capabilities(physical, surface)
                    .vk("vkGetPhysicalDeviceSurfaceCapabilitiesKHR")?,
                loader
                    .get_physical_device_surface_present_modes(physical, surface)
                    .vk("vkGetPhysicalDeviceSurfacePresentModesKHR")?,
            )
        };
        let extent = if caps.current_extent.width != u32::MAX {
            caps.current_extent
        } else {
            vk::Extent2D {
                width: self.window_size.0.clamp(caps.min_image_extent.width, caps.max_image_extent.width),
                height: self.window_size.1.clamp(caps.min_image_extent.height, caps.max_image_extent.height),
            }
        };
        if extent.width == 0 || extent.height == 0 || self.window_size.0 == 0 || self.window_size.1 == 0 {
            return Ok(false);
        }
        let format = Self::pick_format(&self.ctx)?;
        let wanted = self.present_mode.vk();
        let mode = if modes.contains(&wanted) {
            wanted
        } else {
            if self.swapchain.is_none() && self.frame == 0 {
                eprintln!("vidscope: present mode {wanted:?} is not supported here; using FIFO");
            }
            vk::PresentModeKHR::FIFO
        };
        let mut count = caps.min_image_count + 1;
        if caps.max_image_count > 0 {
            count = count.min(caps.max_image_count);
        }
        let can_read_back = caps.supported_usage_flags.contains(vk::ImageUsageFlags::TRANSFER_SRC);
        let mut usage = vk::ImageUsageFlags::COLOR_ATTACHMENT | vk::ImageUsageFlags::TRANSFER_DST;
        if can_read_back {
            usage |= vk::ImageUsageFlags::TRANSFER_SRC;
        }
        if !caps.supported_usage_flags.contains(usage) {
            return Err(GpuError::Other(format!(
                "the window surface does not support swapchain usage {usage:?} (supported: {:?})",
                caps.supported_usage_flags
            )));
        }
        let alpha = [
            vk::CompositeAlphaFlagsKHR::OPAQUE,
            vk::CompositeAlphaFlagsKHR::INHERIT,
            vk::CompositeAlphaFlagsKHR::PRE_MULTIPLIED,
            vk::CompositeAlphaFlagsKHR::POST_MULTIPLIED,
        ]
        .into_iter()
        .find(|a| caps.supported_composite_alpha.contains(*a))
        .unwrap_or(vk::CompositeAlphaFlagsKHR::OPAQUE);
        let old_format = self.swapchain.as_ref().map(|s| s.format.format);
        let old = self.swapchain.as_ref().map(|s| s.handle).unwrap_or_default();
        let info = vk::SwapchainCreateInfoKHR::default()
            .surface(surface)
            .min_image_count(count)
            .image_format(format.format)
            .image_color_space(format.color_space)
            .image_extent(extent)
            .image_array_layers(1)
            .image_usage(usage)
            .image_sharing_mode(vk::SharingMode::EXCLUSIVE)
            .pre_transform(caps.current_transform)
            .composite_alpha(alpha)
            .present_mode(mode)
            .clipped(true)
            .old_swapchain(old);
        // SAFETY: valid create info; the old swapchain is retired here and destroyed just below.
        let handle = unsafe { self.swapchain_loader.create_swapchain(&info, None) }.vk("vkCreateSwapchainKHR")?;
        self.destroy_swapchain();
        self.present_mode_used = mode;
        let device = &self.ctx.device;
        // SAFETY: the swapchain is live.
        let images = unsafe { self.swapchain_loader.get_swapchain_images(handle) }.vk("vkGetSwapchainImagesKHR")?;
        let mut views = Vec::new();
        let mut rendered = Vec::new();
        for (i, &image) in images.iter().enumerate() {
            let view_info = vk::ImageViewCreateInfo::default()
                .image(image)
                .view_type(vk::ImageViewType::TYPE_2D)
                .format(format.format)
                .subresource_range(color_range());
            // SAFETY: the image belongs to the live swapchain; both objects are destroyed in destroy_swapchain.
            unsafe {
                let view = device.create_image_view(&view_info, None).vk("vkCreateImageView")?;
                let sem = device.create_semaphore(&vk::SemaphoreCreateInfo::default(), None).vk("vkCreateSemaphore")?;
                self.ctx.set_name(image, &format!("swapchain image {i}"));
                self.ctx.set_name(view, &format!("swapchain image {i} view"));
                self.ctx.set_name(sem, &format!("rendered (swapchain image {i})"));
                views.push(view);
                rendered.push(sem);
            }
        }
        self.ctx.set_name(handle, "swapchain");
        self.swapchain = Some(Swapchain { handle, images, views, rendered, extent, format, can_read_back });
        self.composite = Some(self.create_composite(extent)?);
        if self.screenshots && can_read_back {
            self.readback = Some(GpuBuffer::new(
                &self.ctx,
                "screenshot readback",
                extent.width as u64 * extent.height as u64 * 4,
                BufferKind::Readback,
            )?);
        }
        if old_format.is_some_and(|f| f != format.format) {
            self.egui
                .set_render_mode(RenderMode::DynamicRendering(DynamicRendering {
                    color_attachment_format: format.format,
                    depth_attachment_format: None,
                    stencil_attachment_format: None,
                }))
                .map_err(|e| GpuError::Other(format!("egui renderer: {e}")))?;
        }
        Ok(true)
    }

    fn create_composite(&self, extent: vk::Extent2D) -> Result<Composite, GpuError> {
        let device = &self.ctx.device;
        let info = vk::ImageCreateInfo::default()
            .image_type(vk::ImageType::TYPE_2D)
            .format(vk::Format::R8G8B8A8_UNORM)
            .extent(vk::Extent3D { width: extent.width, height: extent.height, depth: 1 })
            .mip_levels(1)
            .array_layers(1)
            .samples(vk::SampleCountFlags::TYPE_1)
            .tiling(vk::ImageTiling::OPTIMAL)
            .usage(vk::ImageUsageFlags::STORAGE | vk::ImageUsageFlags::TRANSFER_SRC)
            .initial_layout(vk::ImageLayout::UNDEFINED);
        // SAFETY: valid create info; destroyed in destroy_swapchain.
        let image = unsafe { device.create_image(&info, None) }.vk("vkCreateImage")?;
        // SAFETY: image is live.
        let requirements = unsafe { device.get_image_memory_requirements(image) };
        let allocation = self
            .ctx
            .allocator
            .lock()
            .map_err(|_| GpuError::Other("allocator lock poisoned".into()))?
            .allocate(&AllocationCreateDesc {
                name: "composite",
                requirements,
                location: MemoryLocation::GpuOnly,
                linear: false,
                allocation_scheme: AllocationScheme::GpuAllocatorManaged,
            })
            .map_err(|e| GpuError::Alloc { what: "composite".into(), reason: e.to_string() })?;
        // SAFETY: the allocation meets the image's requirements.
        unsafe { device.bind_image_memory(image, allocation.memory(), allocation.offset()) }.vk("vkBindImageMemory")?;
        let view_info = vk::ImageViewCreateInfo::default()
            .image(image)
            .view_type(vk::ImageViewType::TYPE_2D)
            .format(vk::Format::R8G8B8A8_UNORM)
            .subresource_range(color_range());
        // SAFETY: image is live and bound.
        let view = unsafe { device.create_image_view(&view_info, None) }.vk("vkCreateImageView")?;
        self.ctx.set_name(image, "composite");
        self.ctx.set_name(view, "composite view");
        // Move it to GENERAL once, with a one-off command buffer.
        let alloc_info = vk::CommandBufferAllocateInfo::default()
            .command_pool(self.upload_pool)
            .level(vk::CommandBufferLevel::PRIMARY)
            .command_buffer_count(1);
        // SAFETY: the pool is only used on this thread; the queue is idle (recreate waited), and we
        // wait for this submission before freeing the command buffer.
        unsafe {
            let cmd = device.allocate_command_buffers(&alloc_info).vk("vkAllocateCommandBuffers")?[0];
            self.ctx.set_name(cmd, "composite init");
            device
                .begin_command_buffer(
                    cmd,
                    &vk::CommandBufferBeginInfo::default().flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT),
                )
                .vk("vkBeginCommandBuffer")?;
            let barrier = image_barrier(
                image,
                vk::ImageLayout::UNDEFINED,
                vk::ImageLayout::GENERAL,
                vk::AccessFlags::empty(),
                vk::AccessFlags::SHADER_WRITE,
            );
            device.cmd_pipeline_barrier(
                cmd,
                vk::PipelineStageFlags::TOP_OF_PIPE,
                vk::PipelineStageFlags::COMPUTE_SHADER,
                vk::DependencyFlags::empty(),
                &[],
                &[],
                &[barrier],
            );
            device.end_command_buffer(cmd).vk("vkEndCommandBuffer")?;
            let cmds = [cmd];
            let submit = [vk::SubmitInfo::default().command_buffers(&cmds)];
            device.queue_submit(self.ctx.queue, &submit, vk::Fence::null()).vk("vkQueueSubmit")?;
            device.queue_wait_idle(self.ctx.queue).vk("vkQueueWaitIdle")?;
            device.free_command_buffers(self.upload_pool, &cmds);
        }
        Ok(Composite { image, view, allocation: Some(allocation) })
    }

    /// Draws one frame: display pass → composite → swapchain image, egui on top, present; with
    /// `screenshot`, also reads back the presented image (waiting for it).
    pub fn draw(
        &mut self,
        inputs: DisplayInputs,
        mut egui_frame: EguiFrame,
        screenshot: bool,
    ) -> Result<DrawOutcome, GpuError> {
        let slot = self.frame % FRAMES_IN_FLIGHT;
        let device = self.ctx.device.clone();
        let fence = self.frames[slot].fence;
        // SAFETY: the fence belongs to this device.
        unsafe { device.wait_for_fences(&[fence], true, u64::MAX) }.vk("vkWaitForFences")?;
        // The frame that last used this slot is done: its freed egui textures may go now.
        let free: Vec<_> = self.frames[slot].free_after.drain(..).collect();
        for id in free {
            self.egui.free_texture(id).map_err(|e| GpuError::Other(format!("egui free_texture: {e}")))?;
        }
        // egui's texture changes are applied even when nothing is presented, so none is lost.
        for (id, deltas) in &egui_frame.textures_delta.set {
            for delta in deltas {
                self.egui
                    .set_texture(self.ctx.queue, self.upload_pool, *id, delta)
                    .map_err(|e| GpuError::Other(format!("egui set_texture: {e}")))?;
            }
        }
        self.frames[slot].free_after.extend(egui_frame.textures_delta.free.iter().copied());
        egui_frame.textures_delta.clear();

        if self.dirty || self.swapchain.is_none() {
            if !self.recreate()? {
                // recreate waited for the device, so this slot's frees are safe at its next use.
                return Ok(DrawOutcome::Skipped);
            }
            self.dirty = false;
        }
        let acquired = self.frames[slot].acquired;
        let handle = self.swapchain.as_ref().map(|s| s.handle).unwrap_or_default();
        // SAFETY: the semaphore is unsignalled (its last acquire was waited on by a completed submit).
        let acquire =
            unsafe { self.swapchain_loader.acquire_next_image(handle, u64::MAX, acquired, vk::Fence::null()) };
        let image_index = match acquire {
            Ok((index, suboptimal)) => {
                self.dirty |= suboptimal;
                index
            }
            Err(vk::Result::ERROR_OUT_OF_DATE_KHR) => {
                self.dirty = true;
                // Textures queued for freeing on this slot may still be used by the other frame in
                // flight; this slot is drawn again next, so let both finish first.
                self.wait_frames()?;
                return Ok(DrawOutcome::Skipped);
            }
            Err(result) => return Err(GpuError::Vk { what: "vkAcquireNextImageKHR", result }),
        };
        let sc = self.swapchain.as_ref().expect("made above");
        let composite = self.composite.as_ref().expect("made with the swapchain");
        let image = sc.images[image_index as usize];
        let view = sc.views[image_index as usize];
        let rendered = sc.rendered[image_index as usize];
        let extent = sc.extent;
        let read_back = screenshot && sc.can_read_back && self.readback.is_some();
        let cmd = self.frames[slot].cmd;

        let mut push = inputs.push;
        push.out_w = extent.width;
        push.out_h = extent.height;
        if is_srgb(sc.format.format) {
            push.flags |= DisplayPush::FLAG_SRGB_TARGET;
        }
        if inputs.luma.is_none() {
            push.flags &= !DisplayPush::FLAG_HAS_FRAME;
        }
        let luma = inputs.luma.unwrap_or(inputs.diff);
        let (cb, cr) = inputs.chroma.unwrap_or((luma, luma));
        if inputs.chroma.is_none() {
            push.colour = 0;
        }

        // SAFETY: the command buffer's previous submission completed (fence waited above); every
        // handle recorded is live until that submission completes (destruction waits for idle).
        unsafe {
            device.reset_fences(&[fence]).vk("vkResetFences")?;
            device.reset_command_buffer(cmd, vk::CommandBufferResetFlags::empty()).vk("vkResetCommandBuffer")?;
            device
                .begin_command_buffer(
                    cmd,
                    &vk::CommandBufferBeginInfo::default().flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT),
                )
                .vk("vkBeginCommandBuffer")?;
            // The frame graph wrote the inputs; the previous frame's blit read the composite, whose
            // contents are discarded (UNDEFINED) since the display pass rewrites every pixel.
            let before = vk::MemoryBarrier::default()
                .src_access_mask(vk::AccessFlags::MEMORY_WRITE)
                .dst_access_mask(vk::AccessFlags::SHADER_READ | vk::AccessFlags::SHADER_WRITE);
            let composite_to_general = image_barrier(
                composite.image,
                vk::ImageLayout::UNDEFINED,
                vk::ImageLayout::GENERAL,
                vk::AccessFlags::empty(),
                vk::AccessFlags::SHADER_WRITE,
            );
            device.cmd_pipeline_barrier(
                cmd,
                vk::PipelineStageFlags::ALL_COMMANDS,
                vk::PipelineStageFlags::COMPUTE_SHADER,
                vk::DependencyFlags::empty(),
                &[before],
                &[],
                &[composite_to_general],
            );
            let bindings = [
                Binding::Image(luma),
                Binding::Image(inputs.diff),
                Binding::Buffer(inputs.stats),
                Binding::View(composite.view),
                Binding::Image(inputs.right),
                Binding::Image(cb),
                Binding::Image(cr),
            ];
            let groups = [push.out_w.div_ceil(16), push.out_h.div_ceil(16), 1];
            self.display.record_dispatch(cmd, &bindings, bytemuck::bytes_of(&push), groups)?;
            let composite_to_src = image_barrier(
                composite.image,
                vk::ImageLayout::GENERAL,
                vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
                vk::AccessFlags::SHADER_WRITE,
                vk::AccessFlags::TRANSFER_READ,
            );
            let to_dst = image_barrier(
                image,
                vk::ImageLayout::UNDEFINED,
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                vk::AccessFlags::empty(),
                vk::AccessFlags::TRANSFER_WRITE,
            );
            device.cmd_pipeline_barrier(
                cmd,
                vk::PipelineStageFlags::COMPUTE_SHADER | vk::PipelineStageFlags::TRANSFER,
                vk::PipelineStageFlags::TRANSFER,
                vk::DependencyFlags::empty(),
                &[],
                &[],
                &[composite_to_src, to_dst],
            );
            let layers = vk::ImageSubresourceLayers {
                aspect_mask: vk::ImageAspectFlags::COLOR,
                mip_level: 0,
                base_array_layer: 0,
                layer_count: 1,
            };
            let corner = vk::Offset3D { x: extent.width as i32, y: extent.height as i32, z: 1 };
            let blit = vk::ImageBlit {
                src_subresource: layers,
                src_offsets: [vk::Offset3D::default(), corner],
                dst_subresource: layers,
                dst_offsets: [vk::Offset3D::default(), corner],
            };
            device.cmd_blit_image(
                cmd,
                composite.image,
                vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
                image,
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                &[blit],
                vk::Filter::NEAREST,
            );
            let to_color = image_barrier(
                image,
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL,
                vk::AccessFlags::TRANSFER_WRITE,
                vk::AccessFlags::COLOR_ATTACHMENT_READ | vk::AccessFlags::COLOR_ATTACHMENT_WRITE,
            );
            device.cmd_pipeline_barrier(
                cmd,
                vk::PipelineStageFlags::TRANSFER,
                vk::PipelineStageFlags::COLOR_ATTACHMENT_OUTPUT,
                vk::DependencyFlags::empty(),
                &[],
                &[],
                &[to_color],
            );
            let attachments = [vk::RenderingAttachmentInfo::default()
                .image_view(view)
                .image_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL)
                .load_op(vk::AttachmentLoadOp::LOAD)
                .store_op(vk::AttachmentStoreOp::STORE)];
            let rendering = vk::RenderingInfo::default()
                .render_area(vk::Rect2D { offset: vk::Offset2D::default(), extent })
                .layer_count(1)
                .color_attachments(&attachments);
            self.dynamic_rendering.cmd_begin_rendering(cmd, &rendering);
            self.egui
                .cmd_draw(cmd, extent, egui_frame.pixels_per_point, &egui_frame.primitives)
                .map_err(|e| GpuError::Other(format!("egui cmd_draw: {e}")))?;
            self.dynamic_rendering.cmd_end_rendering(cmd);
            if read_back {
                let readback = self.readback.as_ref().expect("checked in read_back");
                let to_src = image_barrier(
                    image,
                    vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL,
                    vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
                    vk::AccessFlags::COLOR_ATTACHMENT_WRITE,
                    vk::AccessFlags::TRANSFER_READ,
                );
                device.cmd_pipeline_barrier(
                    cmd,
                    vk::PipelineStageFlags::COLOR_ATTACHMENT_OUTPUT,
                    vk::PipelineStageFlags::TRANSFER,
                    vk::DependencyFlags::empty(),
                    &[],
                    &[],
                    &[to_src],
                );
                let region = vk::BufferImageCopy {
                    buffer_offset: 0,
                    buffer_row_length: 0,
                    buffer_image_height: 0,
                    image_subresource: layers,
                    image_offset: vk::Offset3D::default(),
                    image_extent: vk::Extent3D { width: extent.width, height: extent.height, depth: 1 },
                };
                device.cmd_copy_image_to_buffer(
                    cmd,
                    image,
                    vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
                    readback.buffer,
                    &[region],
                );
                let to_host = vk::MemoryBarrier::default()
                    .src_access_mask(vk::AccessFlags::TRANSFER_WRITE)
                    .dst_access_mask(vk::AccessFlags::HOST_READ);
                let to_present = image_barrier(
                    image,
                    vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
                    vk::ImageLayout::PRESENT_SRC_KHR,
                    vk::AccessFlags::TRANSFER_READ,
                    vk::AccessFlags::empty(),
                );
                device.cmd_pipeline_barrier(
                    cmd,
                    vk::PipelineStageFlags::TRANSFER,
                    vk::PipelineStageFlags::HOST | vk::PipelineStageFlags::BOTTOM_OF_PIPE,
                    vk::DependencyFlags::empty(),
                    &[to_host],
                    &[],
                    &[to_present],
                );
            } else {
                let to_present = image_barrier(
                    image,
                    vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL,
                    vk::ImageLayout::PRESENT_SRC_KHR,
                    vk::AccessFlags::COLOR_ATTACHMENT_WRITE,
                    vk::AccessFlags::empty(),
                );
                device.cmd_pipeline_barrier(
                    cmd,
                    vk::PipelineStageFlags::COLOR_ATTACHMENT_OUTPUT,
                    vk::PipelineStageFlags::BOTTOM_OF_PIPE,
                    vk::DependencyFlags::empty(),
                    &[],
                    &[],
                    &[to_present],
                );
            }
            device.end_command_buffer(cmd).vk("vkEndCommandBuffer")?;
            let waits = [acquired];
            let wait_stages = [vk::PipelineStageFlags::TRANSFER];
            let cmds = [cmd];
            let signals = [rendered];
            let submit = [vk::SubmitInfo::default()
                .wait_semaphores(&waits)
                .wait_dst_stage_mask(&wait_stages)
                .command_buffers(&cmds)
                .signal_semaphores(&signals)];
            device.queue_submit(self.ctx.queue, &submit, fence).vk("vkQueueSubmit")?;
            let swapchains = [handle];
            let indices = [image_index];
            let present =
                vk::PresentInfoKHR::default().wait_semaphores(&signals).swapchains(&swapchains).image_indices(&indices);
            match self.swapchain_loader.queue_present(self.ctx.queue, &present) {
                Ok(suboptimal) => self.dirty |= suboptimal,
                Err(vk::Result::ERROR_OUT_OF_DATE_KHR) => self.dirty = true,
                Err(result) => return Err(GpuError::Vk { what: "vkQueuePresentKHR", result }),
            }
        }
        self.frame += 1;
        if !read_back {
            return Ok(DrawOutcome::Presented(None));
        }
        // SAFETY: the fence belongs to this device.
        unsafe { device.wait_for_fences(&[fence], true, u64::MAX) }.vk("vkWaitForFences")?;
        let bgra = matches!(sc.format.format, vk::Format::B8G8R8A8_UNORM | vk::Format::B8G8R8A8_SRGB);
        let len = extent.width as usize * extent.height as usize * 4;
        let mut rgba = self.readback.as_ref().expect("checked in read_back").bytes()[..len].to_vec();
        for px in rgba.chunks_exact_mut(4) {
            if bgra {
                px.swap(0, 2);
            }
            px[3] = 255;
        }
        Ok(DrawOutcome::Presented(Some(Screenshot { width: extent.width, height: extent.height, rgba })))
    }
}

impl Drop for Presenter {
    fn drop(&mut self) {
        self.ctx.wait_idle();
        self.destroy_swapchain();
        let device = &self.ctx.device;
        // SAFETY: the device is idle; every object below belongs to it and is destroyed once.
        unsafe {
            for f in &self.frames {
                device.destroy_fence(f.fence, None);
                device.destroy_semaphore(f.acquired, None);
                device.destroy_command_pool(f.pool, None);
            }
            device.destroy_command_pool(self.upload_pool, None);
        }
        // egui's renderer (and its memory, through egui_allocator) goes when the fields drop; the
        // allocator itself is dropped after it, still before the context's device.
        let _ = &self.egui_allocator;
    }
}

impl FrameSlot {
    fn new(ctx: &GpuContext, i: usize) -> Result<Self, GpuError> {
        let device = &ctx.device;
        let (pool, cmd) = command_buffer(ctx, &format!("frame {i}"))?;
        // SAFETY: valid create infos; destroyed in Presenter::drop.
        unsafe {
            let fence = device
                .create_fence(&vk::FenceCreateInfo::default().flags(vk::FenceCreateFlags::SIGNALED), None)
                .vk("vkCreateFence")?;
            let acquired =
                device.create_semaphore(&vk::SemaphoreCreateInfo::default(), None).vk("vkCreateSemaphore")?;
            ctx.set_name(fence, &format!("frame {i} done"));
            ctx.set_name(acquired, &format!("frame {i} image acquired"));
            Ok(Self { pool, cmd, fence, acquired, free_after: Vec::new() })
        }
    }
}

fn image_barrier(
    image: vk::Image,
    old: vk::ImageLayout,
    new: vk::ImageLayout,
    src: vk::AccessFlags,
    dst: vk::AccessFlags,
) -> vk::ImageMemoryBarrier<'static> {
    vk::ImageMemoryBarrier::default()
        .old_layout(old)
        .new_layout(new)
        .src_queue_family_index(vk::QUEUE_FAMILY_IGNORED)
        .dst_queue_family_index(vk::QUEUE_FAMILY_IGNORED)
        .image(image)
        .subresource_range(color_range())
        .src_access_mask(src)
        .dst_access_mask(dst)
}
