//! Presenting to a window: the swapchain (recreated on resize / out-of-date / suboptimal, skipped while
//! the window has zero size), two frames in flight, the composite (see `compositor.rs`) blitted into
//! the swapchain image, and captures of the composite read back without stalling: each is copied into
//! its frame slot's buffer and handed over once that slot's fence has signalled.

use super::buffer::GpuBuffer;
use super::commands::command_buffer;
use super::compositor::{
    color_layers, image_barrier, pipeline_barrier, Compositor, DisplayInputs, EguiFrame, Screenshot,
};
use super::context::GpuContext;
use super::error::{GpuError, VkContext};
use ash::vk;
use std::sync::Arc;

/// Frames the CPU may record ahead of the GPU.
pub const FRAMES_IN_FLIGHT: usize = 2;

/// `--present`: the swapchain present mode (FIFO is always supported and the default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
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

pub enum DrawOutcome {
    /// Nothing was presented (minimized, or the swapchain had to be recreated first); draw again.
    Skipped,
    Presented,
}

/// A capture asked for with `draw(.., Some(tag))`, once its pixels are on the host.
pub struct Captured {
    pub tag: u64,
    pub shot: Screenshot,
}

struct FrameSlot {
    pool: vk::CommandPool,
    cmd: vk::CommandBuffer,
    fence: vk::Fence,
    acquired: vk::Semaphore,
    free_after: Vec<egui::TextureId>,
    /// This slot's capture buffer (composite size), made on its first capture.
    capture: Option<GpuBuffer>,
    /// The capture recorded in this slot's last submission: (tag, frame number, size).
    pending: Option<(u64, usize, (u32, u32))>,
}

struct Swapchain {
    handle: vk::SwapchainKHR,
    images: Vec<vk::Image>,
    /// One per swapchain image: a present may still wait on it until that image is acquired again.
    rendered: Vec<vk::Semaphore>,
    extent: vk::Extent2D,
}

pub struct Presenter {
    compositor: Compositor,
    swapchain_loader: ash::khr::swapchain::Device,
    frames: Vec<FrameSlot>,
    swapchain: Option<Swapchain>,
    /// Captures whose pixels are on the host, in the order they were drawn.
    ready: Vec<Captured>,
    dirty: bool,
    window_size: (u32, u32),
    present_mode: PresentMode,
    present_mode_used: vk::PresentModeKHR,
    frame: usize,
    warned_srgb: bool,
    ctx: Arc<GpuContext>,
}

const PREFERRED_FORMATS: [vk::Format; 2] = [vk::Format::B8G8R8A8_UNORM, vk::Format::R8G8B8A8_UNORM];

fn is_srgb(f: vk::Format) -> bool {
    matches!(f, vk::Format::B8G8R8A8_SRGB | vk::Format::R8G8B8A8_SRGB | vk::Format::A8B8G8R8_SRGB_PACK32)
}

impl Presenter {
    pub fn new(
        ctx: &Arc<GpuContext>,
        present_mode: PresentMode,
        window_size: (u32, u32),
        display_spirv: &[u8],
        display_push_size: u32,
    ) -> Result<Self, GpuError> {
        if ctx.surface.is_none() {
            return Err(GpuError::Other("Presenter needs a context made by GpuContext::with_window".into()));
        }
        let mut frames = Vec::new();
        for i in 0..FRAMES_IN_FLIGHT {
            frames.push(FrameSlot::new(ctx, i)?);
        }
        Ok(Self {
            compositor: Compositor::new(ctx, FRAMES_IN_FLIGHT, display_spirv, display_push_size)?,
            swapchain_loader: ash::khr::swapchain::Device::new(&ctx.instance, &ctx.device),
            frames,
            swapchain: None,
            ready: Vec::new(),
            dirty: true,
            window_size,
            present_mode,
            present_mode_used: vk::PresentModeKHR::FIFO,
            frame: 0,
            warned_srgb: false,
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
                for &s in &sc.rendered {
                    device.destroy_semaphore(s, None);
                }
                self.swapchain_loader.destroy_swapchain(sc.handle, None);
            }
        }
    }

    /// Moves finished captures of every slot to `ready`, in drawing order; the device must be idle
    /// (or every slot's fence waited).
    fn collect_all_captures(&mut self) {
        let mut done: Vec<_> =
            self.frames.iter_mut().filter_map(|f| Self::take_capture(f).map(|c| (c.0, c.1))).collect();
        done.sort_by_key(|(frame, _)| *frame);
        self.ready.extend(done.into_iter().map(|(_, c)| c));
    }

    /// The slot's finished capture with its frame number; its submission must have completed.
    fn take_capture(slot: &mut FrameSlot) -> Option<(usize, Captured)> {
        let (tag, frame, size) = slot.pending.take()?;
        let buffer = slot.capture.as_ref()?;
        Some((frame, Captured { tag, shot: Compositor::read_capture(buffer, size) }))
    }

    /// Captures whose pixels have arrived since the last call, in drawing order.
    pub fn take_captures(&mut self) -> Vec<Captured> {
        std::mem::take(&mut self.ready)
    }

    /// Waits for every frame in flight and returns all captures not yet handed over.
    pub fn flush_captures(&mut self) -> Result<Vec<Captured>, GpuError> {
        self.wait_frames()?;
        self.collect_all_captures();
        Ok(self.take_captures())
    }

    /// Rebuilds the swapchain (and the composite) for the current window size. `Ok(false)` when the
    /// window has no area.
    /// `--present` when the surface offers it, else FIFO (said once).
    fn choose_present_mode(&self, modes: &[vk::PresentModeKHR]) -> vk::PresentModeKHR {
        let wanted = self.present_mode.vk();
        if modes.contains(&wanted) {
            return wanted;
        }
        if self.swapchain.is_none() && self.frame == 0 {
            eprintln!("vidscope: present mode {wanted:?} is not supported here; using FIFO");
        }
        vk::PresentModeKHR::FIFO
    }

    /// The swapchain's images and a "rendered" semaphore for each, named for the validation layer.
    fn swapchain_images(&self, handle: vk::SwapchainKHR) -> Result<(Vec<vk::Image>, Vec<vk::Semaphore>), GpuError> {
        let device = &self.ctx.device;
        // SAFETY: the swapchain is live.
        let images = unsafe { self.swapchain_loader.get_swapchain_images(handle) }.vk("vkGetSwapchainImagesKHR")?;
        let mut rendered = Vec::new();
        for (i, &image) in images.iter().enumerate() {
            // SAFETY: valid create info; destroyed in destroy_swapchain.
            let sem = unsafe { device.create_semaphore(&vk::SemaphoreCreateInfo::default(), None) }
                .vk("vkCreateSemaphore")?;
            self.ctx.set_name(image, &format!("swapchain image {i}"));
            self.ctx.set_name(sem, &format!("rendered (swapchain image {i})"));
            rendered.push(sem);
        }
        Ok((images, rendered))
    }

    fn recreate(&mut self) -> Result<bool, GpuError> {
        self.ctx.wait_idle();
        // Every submission is done: hand over pending captures before their buffers may change size.
        self.collect_all_captures();
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
        // The swapchain images, like every other, are held to the device's limit before creation.
        self.ctx.check_image_size("the window", extent.width, extent.height)?;
        let format = Self::pick_format(&self.ctx)?;
        let mode = self.choose_present_mode(&modes);
        let mut count = caps.min_image_count + 1;
        if caps.max_image_count > 0 {
            count = count.min(caps.max_image_count);
        }
        // The composite is blitted in; nothing renders into swapchain images directly.
        let usage = vk::ImageUsageFlags::TRANSFER_DST;
        if !caps.supported_usage_flags.contains(usage) {
            return Err(GpuError::Other(format!(
                "the window surface does not support swapchain usage {usage:?} (supported: {:?})",
                caps.supported_usage_flags
            )));
        }
        let alpha = composite_alpha(&caps);
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
        let loader_lists = super::context::loader_lookup();
        // SAFETY: valid create info; the old swapchain is retired here and destroyed just below.
        let handle = unsafe { self.swapchain_loader.create_swapchain(&info, None) }.vk("vkCreateSwapchainKHR")?;
        drop(loader_lists);
        self.destroy_swapchain();
        self.present_mode_used = mode;
        let (images, rendered) = self.swapchain_images(handle)?;
        self.ctx.set_name(handle, "swapchain");
        if is_srgb(format.format) && !self.warned_srgb {
            self.warned_srgb = true;
            tracing::warn!(
                "the window offers only sRGB swapchain formats ({:?}): the picture is shown brighter than it is \
                 (captures and screenshots are unaffected)",
                format.format
            );
        }
        self.swapchain = Some(Swapchain { handle, images, rendered, extent });
        self.compositor.resize(extent.width, extent.height)?;
        for slot in &mut self.frames {
            slot.capture = None;
        }
        Ok(true)
    }

    /// Draws one frame: the composite (see `Compositor::record`), blitted into the swapchain image,
    /// presented. With `capture = Some(tag)` the composite (without the overlay) is also copied to the
    /// host; it comes back from `take_captures` once this slot is next waited for, or from
    /// `flush_captures`.
    /// Waits for the frame that last used `slot`, then takes its capture, frees the egui textures
    /// it outlived, and applies this frame's texture changes (even when nothing is presented, so
    /// none is lost).
    fn reuse_slot(&mut self, slot: usize, egui_frame: &mut EguiFrame) -> Result<(), GpuError> {
        let fence = self.frames[slot].fence;
        // SAFETY: the fence belongs to this device.
        unsafe { self.ctx.device.wait_for_fences(&[fence], true, u64::MAX) }.vk("vkWaitForFences")?;
        if let Some((_, captured)) = Self::take_capture(&mut self.frames[slot]) {
            self.ready.push(captured);
        }
        let free: Vec<_> = self.frames[slot].free_after.drain(..).collect();
        self.compositor.free_textures(&free)?;
        // A whole-image delta of an existing texture (egui regrowing its font atlas) makes the
        // renderer destroy the old image at once, which the other frame in flight may still sample.
        if egui_frame.textures_delta.set.values().flatten().any(|d| d.pos.is_none()) {
            self.wait_frames()?;
        }
        self.compositor.set_textures(&egui_frame.textures_delta)?;
        self.frames[slot].free_after.extend(egui_frame.textures_delta.free.iter().copied());
        egui_frame.textures_delta.clear();
        Ok(())
    }

    pub fn draw(
        &mut self,
        inputs: DisplayInputs,
        mut egui_frame: EguiFrame,
        capture: Option<u64>,
    ) -> Result<DrawOutcome, GpuError> {
        let slot = self.frame % FRAMES_IN_FLIGHT;
        let device = self.ctx.device.clone();
        let fence = self.frames[slot].fence;
        self.reuse_slot(slot, &mut egui_frame)?;

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
        if capture.is_some() && self.frames[slot].capture.is_none() {
            self.frames[slot].capture = Some(self.compositor.new_capture_buffer(&format!("capture (frame {slot})"))?);
        }
        let sc = self.swapchain.as_ref().expect("made above");
        let image = sc.images[image_index as usize];
        let rendered = sc.rendered[image_index as usize];
        let extent = sc.extent;
        let cmd = self.frames[slot].cmd;
        let composite = self.compositor.image().ok_or_else(|| GpuError::Other("composite missing".into()))?;

        // SAFETY: the command buffer's previous submission completed (fence waited above).
        unsafe {
            device.reset_fences(&[fence]).vk("vkResetFences")?;
            device.reset_command_buffer(cmd, vk::CommandBufferResetFlags::empty()).vk("vkResetCommandBuffer")?;
            device
                .begin_command_buffer(
                    cmd,
                    &vk::CommandBufferBeginInfo::default().flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT),
                )
                .vk("vkBeginCommandBuffer")?;
        }
        let capture_buffer = capture.and(self.frames[slot].capture.as_ref());
        self.compositor.record(cmd, &inputs, &egui_frame, capture_buffer)?;
        record_blit_to_swapchain(&device, cmd, composite, image, extent);
        let waits = [acquired];
        let wait_stages = [vk::PipelineStageFlags::TRANSFER];
        let cmds = [cmd];
        let signals = [rendered];
        let submit = [vk::SubmitInfo::default()
            .wait_semaphores(&waits)
            .wait_dst_stage_mask(&wait_stages)
            .command_buffers(&cmds)
            .signal_semaphores(&signals)];
        let swapchains = [handle];
        let indices = [image_index];
        let present =
            vk::PresentInfoKHR::default().wait_semaphores(&signals).swapchains(&swapchains).image_indices(&indices);
        // SAFETY: recorded above; every handle is live until the submission completes (destruction
        // waits for idle); the fence was reset above.
        unsafe {
            device.end_command_buffer(cmd).vk("vkEndCommandBuffer")?;
            let _queue = self.ctx.lock_queue();
            device.queue_submit(self.ctx.queue, &submit, fence).vk("vkQueueSubmit")?;
            match self.swapchain_loader.queue_present(self.ctx.queue, &present) {
                Ok(suboptimal) => self.dirty |= suboptimal,
                Err(vk::Result::ERROR_OUT_OF_DATE_KHR) => self.dirty = true,
                Err(result) => return Err(GpuError::Vk { what: "vkQueuePresentKHR", result }),
            }
        }
        if let Some(tag) = capture {
            self.frames[slot].pending = Some((tag, self.frame, (extent.width, extent.height)));
        }
        self.frame += 1;
        Ok(DrawOutcome::Presented)
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
        }
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
            Ok(Self { pool, cmd, fence, acquired, free_after: Vec::new(), capture: None, pending: None })
        }
    }
}

/// Records the copy of the composite (TRANSFER_SRC_OPTIMAL) into the swapchain `image`, left ready
/// to present.
fn record_blit_to_swapchain(
    device: &ash::Device,
    cmd: vk::CommandBuffer,
    composite: vk::Image,
    image: vk::Image,
    extent: vk::Extent2D,
) {
    use vk::AccessFlags as A;
    use vk::ImageLayout as L;
    use vk::PipelineStageFlags as S;
    let to_dst = image_barrier(image, L::UNDEFINED, L::TRANSFER_DST_OPTIMAL, A::empty(), A::TRANSFER_WRITE);
    pipeline_barrier(device, cmd, S::TRANSFER, S::TRANSFER, &[], &[to_dst]);
    let corner = vk::Offset3D { x: extent.width as i32, y: extent.height as i32, z: 1 };
    let blit = vk::ImageBlit {
        src_subresource: color_layers(),
        src_offsets: [vk::Offset3D::default(), corner],
        dst_subresource: color_layers(),
        dst_offsets: [vk::Offset3D::default(), corner],
    };
    // SAFETY: `cmd` is recording; both images are live and in the layouts named (the barrier above
    // and Compositor::record); same size, so the blit is a copy with format conversion.
    unsafe {
        device.cmd_blit_image(
            cmd,
            composite,
            L::TRANSFER_SRC_OPTIMAL,
            image,
            L::TRANSFER_DST_OPTIMAL,
            &[blit],
            vk::Filter::NEAREST,
        )
    };
    let to_present = image_barrier(image, L::TRANSFER_DST_OPTIMAL, L::PRESENT_SRC_KHR, A::TRANSFER_WRITE, A::empty());
    pipeline_barrier(device, cmd, S::TRANSFER, S::BOTTOM_OF_PIPE, &[], &[to_present]);
}

/// The first composite-alpha mode the surface supports, opaque first.
fn composite_alpha(caps: &vk::SurfaceCapabilitiesKHR) -> vk::CompositeAlphaFlagsKHR {
    [
        vk::CompositeAlphaFlagsKHR::OPAQUE,
        vk::CompositeAlphaFlagsKHR::INHERIT,
        vk::CompositeAlphaFlagsKHR::PRE_MULTIPLIED,
        vk::CompositeAlphaFlagsKHR::POST_MULTIPLIED,
    ]
    .into_iter()
    .find(|a| caps.supported_composite_alpha.contains(*a))
    .unwrap_or(vk::CompositeAlphaFlagsKHR::OPAQUE)
}
