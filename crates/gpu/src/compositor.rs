//! The composite: the picture the viewer shows, and what recordings and snapshots contain. The display
//! compute pass writes an RGBA8 image (video planes, heatmap, grid lines), egui draws its panels and
//! the vector arrows on top (egui-ash-renderer, dynamic rendering), the result may be copied to a host
//! buffer (a capture), and a last egui layer (the REC indicator) is drawn after that copy, so it shows
//! on screen but never in a recording. The window's `Presenter` and headless `vidscope record` share
//! this code; the image is plain R8G8B8A8_UNORM holding display-ready (sRGB-encoded) bytes.

use super::buffer::{BufferKind, GpuBuffer};
use super::commands::command_buffer;
use super::context::GpuContext;
use super::error::{GpuError, VkContext};
use super::image::{color_range, create_image_2d, destroy_image_2d, LumaImage};
use super::pipeline::{Binding, ComputePipeline};
use ash::vk;
use egui_ash_renderer::{DynamicRendering, Options as EguiOptions, RenderMode, Renderer};
use gpu_allocator::vulkan::{Allocation, Allocator, AllocatorCreateDesc};
use std::sync::{Arc, Mutex};

/// Format of the composite image (storage-capable everywhere, unlike swapchain formats).
pub const COMPOSITE_FORMAT: vk::Format = vk::Format::R8G8B8A8_UNORM;

/// What the display pass reads this frame: its bindings, and its push constants as bytes, whose
/// meaning belongs to the caller (`vidscope_scene::display`). `luma` is `None` before the first
/// frame arrived.
pub struct DisplayInputs<'a> {
    pub luma: Option<&'a LumaImage>,
    pub diff: &'a LumaImage,
    /// The right pane's plane in the split view (`FLAG_SPLIT`); bound always, read only then.
    pub right: &'a LumaImage,
    pub stats: &'a GpuBuffer,
    /// (Cb, Cr) for colour; `None` binds luma there (the push constants then ask for gray).
    pub chroma: Option<(&'a LumaImage, &'a LumaImage)>,
    /// The symbol stream for the trit view (`FLAG_SYMBOLS`); `None` binds `stats` there, unread.
    pub symbols: Option<&'a GpuBuffer>,
    /// Input 1 (B) and the A/B plane (|A − B| or A − B + 128) with a reference; `None` binds luma
    /// there, unread (the caller shows the A/B modes and the wipe only with a reference).
    pub b: Option<&'a LumaImage>,
    pub ab: Option<&'a LumaImage>,
    /// The push constants; the compositor writes the output's width and height into the first two
    /// 32-bit words.
    pub push: Vec<u8>,
}

/// egui's output for one frame: `primitives` go into the composite, `overlay` on top of it after
/// any capture (screen only).
pub struct EguiFrame {
    pub primitives: Vec<egui::ClippedPrimitive>,
    pub overlay: Vec<egui::ClippedPrimitive>,
    pub textures_delta: egui::TexturesDelta,
    pub pixels_per_point: f32,
}

/// An RGBA8 picture, row-major, 4 bytes per pixel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Screenshot {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

struct Target {
    image: vk::Image,
    view: vk::ImageView,
    allocation: Option<Allocation>,
    extent: vk::Extent2D,
}

/// Command buffer, fence and capture buffer for `render_offscreen`, made on first use.
struct Offscreen {
    pool: vk::CommandPool,
    cmd: vk::CommandBuffer,
    fence: vk::Fence,
    capture: Option<GpuBuffer>,
}

/// `cmd_draw` calls per composite at most: the UI, and the overlay drawn after the capture.
const EGUI_DRAWS_PER_FRAME: usize = 2;

pub struct Compositor {
    // Dropped first: the renderer frees its memory through egui_allocator.
    egui: Renderer<egui_ash_renderer::allocator::GpuAllocator>,
    egui_allocator: Arc<Mutex<Allocator>>,
    dynamic_rendering: ash::khr::dynamic_rendering::Device,
    display: ComputePipeline,
    upload_pool: vk::CommandPool,
    target: Option<Target>,
    offscreen: Option<Offscreen>,
    ctx: Arc<GpuContext>,
}

impl Compositor {
    /// `in_flight`: how many frames may use egui's buffers at once. `display_spirv`: the display pass
    /// (shaders/display.comp, compiled with the other shaders by vidscope-passes).
    pub fn new(
        ctx: &Arc<GpuContext>,
        in_flight: usize,
        display_spirv: &[u8],
        push_size: u32,
    ) -> Result<Self, GpuError> {
        if !ctx.dynamic_rendering {
            return Err(GpuError::Other("compositing needs VK_KHR_dynamic_rendering, which this GPU lacks".into()));
        }
        let device = &ctx.device;
        let (image, buffer) = (vk::DescriptorType::STORAGE_IMAGE, vk::DescriptorType::STORAGE_BUFFER);
        let display = ComputePipeline::new(
            ctx,
            "display",
            display_spirv,
            // luma, diff (or predicted/residual), block stats, composite out, right pane, Cb, Cr, symbols,
            // B, |A − B| or A − B + 128
            &[image, image, buffer, image, image, image, image, buffer, image, image],
            push_size,
        )?;
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
        let egui = Renderer::with_gpu_allocator(
            egui_allocator.clone(),
            device.clone(),
            RenderMode::DynamicRendering(DynamicRendering {
                color_attachment_format: COMPOSITE_FORMAT,
                depth_attachment_format: None,
                stencil_attachment_format: None,
            }),
            EguiOptions {
                // The renderer keeps one vertex/index buffer pair per `cmd_draw` call, in a ring of this
                // length, and destroys one to grow it. A frame draws egui up to twice (the UI, then
                // the overlay after the capture), so the ring must cover both draws of every frame in
                // flight; a ring of `in_flight` alone reused (and grew, e.g. when the plots open while
                // recording) buffers the previous frame was still drawing with.
                in_flight_frames: in_flight * EGUI_DRAWS_PER_FRAME,
                enable_depth_test: false,
                enable_depth_write: false,
                // A UNORM target: egui writes sRGB-encoded bytes itself.
                srgb_framebuffer: false,
            },
        )
        .map_err(|e| GpuError::Other(format!("egui renderer: {e}")))?;
        Ok(Self {
            egui,
            egui_allocator,
            dynamic_rendering: ash::khr::dynamic_rendering::Device::new(&ctx.instance, device),
            display,
            upload_pool,
            target: None,
            offscreen: None,
            ctx: ctx.clone(),
        })
    }

    /// Applies egui's new and changed textures (before recording the frame that uses them).
    pub fn set_textures(&mut self, delta: &egui::TexturesDelta) -> Result<(), GpuError> {
        for (id, deltas) in &delta.set {
            for d in deltas {
                let _queue = self.ctx.lock_queue();
                self.egui
                    .set_texture(self.ctx.queue, self.upload_pool, *id, d)
                    .map_err(|e| GpuError::Other(format!("egui set_texture: {e}")))?;
            }
        }
        Ok(())
    }

    /// Frees egui textures; the caller makes sure no submitted frame still uses them.
    pub fn free_textures(&mut self, ids: &[egui::TextureId]) -> Result<(), GpuError> {
        for id in ids {
            self.egui.free_texture(*id).map_err(|e| GpuError::Other(format!("egui free_texture: {e}")))?;
        }
        Ok(())
    }

    /// The composite's size (0x0 before the first `resize`).
    pub fn extent(&self) -> (u32, u32) {
        self.target.as_ref().map_or((0, 0), |t| (t.extent.width, t.extent.height))
    }

    /// Makes the composite `width x height` (waiting for the GPU when it has to be remade).
    pub fn resize(&mut self, width: u32, height: u32) -> Result<(), GpuError> {
        if self.extent() == (width, height) {
            return Ok(());
        }
        self.ctx.wait_idle();
        self.destroy_target();
        if let Some(o) = &mut self.offscreen {
            o.capture = None;
        }
        if width > 0 && height > 0 {
            self.target = Some(self.create_target(vk::Extent2D { width, height })?);
        }
        Ok(())
    }

    /// Bytes a capture of the current size needs.
    pub fn capture_len(&self) -> u64 {
        let (w, h) = self.extent();
        w as u64 * h as u64 * 4
    }

    /// A host-readable buffer for captures of the current size.
    pub fn new_capture_buffer(&self, name: &str) -> Result<GpuBuffer, GpuError> {
        GpuBuffer::new(&self.ctx, name, self.capture_len().max(4), BufferKind::Readback)
    }

    /// Reads a finished capture (its submission has completed) as RGBA.
    pub fn read_capture(buffer: &GpuBuffer, (width, height): (u32, u32)) -> Screenshot {
        let len = width as usize * height as usize * 4;
        let mut rgba = buffer.bytes()[..len].to_vec();
        // The composite is opaque; egui may leave other alpha values behind.
        for px in rgba.chunks_exact_mut(4) {
            px[3] = 255;
        }
        Screenshot { width, height, rgba }
    }

    pub(crate) fn image(&self) -> Option<vk::Image> {
        self.target.as_ref().map(|t| t.image)
    }

    /// Records the whole composite into `cmd`: display pass, egui, the optional copy into `capture`,
    /// then egui's overlay. The image ends in TRANSFER_SRC_OPTIMAL (ready to blit to a window).
    pub(crate) fn record(
        &mut self,
        cmd: vk::CommandBuffer,
        inputs: &DisplayInputs,
        egui_frame: &EguiFrame,
        capture: Option<&GpuBuffer>,
    ) -> Result<(), GpuError> {
        let target = self.target.as_ref().ok_or_else(|| GpuError::Other("composite has no size yet".into()))?;
        let (extent, image, view) = (target.extent, target.image, target.view);
        if let Some(buffer) = capture {
            if buffer.size() < self.capture_len() {
                return Err(GpuError::Other("capture buffer is smaller than the composite".into()));
            }
        }
        let mut push = inputs.push.clone();
        if push.len() < 8 {
            return Err(GpuError::Other("display push constants: fewer than 8 bytes".into()));
        }
        push[0..4].copy_from_slice(&extent.width.to_ne_bytes());
        push[4..8].copy_from_slice(&extent.height.to_ne_bytes());
        // Unbound inputs bind another image of the frame; the push constants say not to read them.
        let luma = inputs.luma.unwrap_or(inputs.diff);
        let (cb, cr) = inputs.chroma.unwrap_or((luma, luma));
        let (b, ab) = inputs.b.zip(inputs.ab).unwrap_or((luma, luma));
        let ctx = self.ctx.clone();
        let device = &ctx.device;
        use vk::AccessFlags as A;
        use vk::ImageLayout as L;
        use vk::PipelineStageFlags as S;
        // The frame graph wrote the inputs; the previous frame's blit read the composite, whose
        // contents are discarded (UNDEFINED) since the display pass rewrites every pixel.
        let inputs_ready = vk::MemoryBarrier::default()
            .src_access_mask(A::MEMORY_WRITE)
            .dst_access_mask(A::SHADER_READ | A::SHADER_WRITE);
        let to_general = image_barrier(image, L::UNDEFINED, L::GENERAL, A::empty(), A::SHADER_WRITE);
        pipeline_barrier(device, cmd, S::ALL_COMMANDS, S::COMPUTE_SHADER, &[inputs_ready], &[to_general]);
        let bindings = [
            Binding::Image(luma),
            Binding::Image(inputs.diff),
            Binding::Buffer(inputs.stats),
            Binding::View(view),
            Binding::Image(inputs.right),
            Binding::Image(cb),
            Binding::Image(cr),
            Binding::Buffer(inputs.symbols.unwrap_or(inputs.stats)),
            Binding::Image(b),
            Binding::Image(ab),
        ];
        let groups = [extent.width.div_ceil(16), extent.height.div_ceil(16), 1];
        // SAFETY: `cmd` is recording (callers begin it); the bindings are live until it completes.
        unsafe { self.display.record_dispatch(cmd, &bindings, &push, groups)? };
        let attachment_access = A::COLOR_ATTACHMENT_READ | A::COLOR_ATTACHMENT_WRITE;
        let to_attachment =
            image_barrier(image, L::GENERAL, L::COLOR_ATTACHMENT_OPTIMAL, A::SHADER_WRITE, attachment_access);
        pipeline_barrier(device, cmd, S::COMPUTE_SHADER, S::COLOR_ATTACHMENT_OUTPUT, &[], &[to_attachment]);
        self.draw_egui(cmd, view, extent, egui_frame.pixels_per_point, &egui_frame.primitives)?;
        if let Some(buffer) = capture {
            attachment_to_transfer_src(device, cmd, image);
            let region = vk::BufferImageCopy {
                buffer_offset: 0,
                buffer_row_length: 0,
                buffer_image_height: 0,
                image_subresource: color_layers(),
                image_offset: vk::Offset3D::default(),
                image_extent: vk::Extent3D { width: extent.width, height: extent.height, depth: 1 },
            };
            // SAFETY: recording; the buffer holds the whole image (checked above); the image is in
            // TRANSFER_SRC_OPTIMAL.
            unsafe { device.cmd_copy_image_to_buffer(cmd, image, L::TRANSFER_SRC_OPTIMAL, buffer.buffer, &[region]) };
            let to_host = vk::MemoryBarrier::default().src_access_mask(A::TRANSFER_WRITE).dst_access_mask(A::HOST_READ);
            let back = image_barrier(
                image,
                L::TRANSFER_SRC_OPTIMAL,
                L::COLOR_ATTACHMENT_OPTIMAL,
                A::TRANSFER_READ,
                attachment_access,
            );
            pipeline_barrier(device, cmd, S::TRANSFER, S::HOST | S::COLOR_ATTACHMENT_OUTPUT, &[to_host], &[back]);
        }
        if !egui_frame.overlay.is_empty() {
            self.draw_egui(cmd, view, extent, egui_frame.pixels_per_point, &egui_frame.overlay)?;
        }
        attachment_to_transfer_src(device, cmd, image);
        Ok(())
    }

    fn draw_egui(
        &mut self,
        cmd: vk::CommandBuffer,
        view: vk::ImageView,
        extent: vk::Extent2D,
        pixels_per_point: f32,
        primitives: &[egui::ClippedPrimitive],
    ) -> Result<(), GpuError> {
        let attachments = [vk::RenderingAttachmentInfo::default()
            .image_view(view)
            .image_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL)
            .load_op(vk::AttachmentLoadOp::LOAD)
            .store_op(vk::AttachmentStoreOp::STORE)];
        let rendering = vk::RenderingInfo::default()
            .render_area(vk::Rect2D { offset: vk::Offset2D::default(), extent })
            .layer_count(1)
            .color_attachments(&attachments);
        // SAFETY: recording; the view is live and in COLOR_ATTACHMENT_OPTIMAL (barrier above).
        unsafe { self.dynamic_rendering.cmd_begin_rendering(cmd, &rendering) };
        let drawn = self.egui.cmd_draw(cmd, extent, pixels_per_point, primitives);
        // SAFETY: rendering was begun just above.
        unsafe { self.dynamic_rendering.cmd_end_rendering(cmd) };
        drawn.map_err(|e| GpuError::Other(format!("egui cmd_draw: {e}")))
    }

    /// Renders one composite without a window (`vidscope record`) and returns its pixels: applies
    /// and frees egui's textures, records, submits and waits.
    pub fn render_offscreen(
        &mut self,
        inputs: &DisplayInputs,
        egui_frame: &mut EguiFrame,
    ) -> Result<Screenshot, GpuError> {
        let delta = std::mem::take(&mut egui_frame.textures_delta);
        let free: Vec<_> = delta.free.iter().copied().collect();
        let applied = self.set_textures(&delta);
        let mut delta = delta;
        // Handled (or failed): egui insists a delta is cleared before it is dropped.
        delta.clear();
        applied?;
        if self.offscreen.is_none() {
            let (pool, cmd) = command_buffer(&self.ctx, "offscreen composite")?;
            // SAFETY: valid create info; destroyed in Drop.
            let fence = unsafe { self.ctx.device.create_fence(&vk::FenceCreateInfo::default(), None) };
            let fence = match fence {
                Ok(f) => f,
                Err(result) => {
                    // SAFETY: the pool's buffer was never submitted.
                    unsafe { self.ctx.device.destroy_command_pool(pool, None) };
                    return Err(GpuError::Vk { what: "vkCreateFence", result });
                }
            };
            self.offscreen = Some(Offscreen { pool, cmd, fence, capture: None });
        }
        if self.offscreen.as_ref().is_some_and(|o| o.capture.is_none()) {
            let buffer = self.new_capture_buffer("offscreen capture")?;
            if let Some(o) = &mut self.offscreen {
                o.capture = Some(buffer);
            }
        }
        let mut offscreen = self.offscreen.take().expect("made above");
        let result = self.submit_offscreen(&mut offscreen, inputs, egui_frame);
        self.offscreen = Some(offscreen);
        result?;
        self.free_textures(&free)?;
        let buffer = self.offscreen.as_ref().and_then(|o| o.capture.as_ref()).expect("made above");
        Ok(Self::read_capture(buffer, self.extent()))
    }

    fn submit_offscreen(
        &mut self,
        o: &mut Offscreen,
        inputs: &DisplayInputs,
        egui_frame: &EguiFrame,
    ) -> Result<(), GpuError> {
        let device = self.ctx.device.clone();
        // SAFETY: the command buffer is idle (every submission is waited for below).
        unsafe {
            device.reset_command_buffer(o.cmd, vk::CommandBufferResetFlags::empty()).vk("vkResetCommandBuffer")?;
            device
                .begin_command_buffer(
                    o.cmd,
                    &vk::CommandBufferBeginInfo::default().flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT),
                )
                .vk("vkBeginCommandBuffer")?;
        }
        self.record(o.cmd, inputs, egui_frame, o.capture.as_ref())?;
        let cmds = [o.cmd];
        let submit = [vk::SubmitInfo::default().command_buffers(&cmds)];
        // SAFETY: recorded above; the fence is unsignalled (reset after each wait).
        unsafe {
            device.end_command_buffer(o.cmd).vk("vkEndCommandBuffer")?;
            {
                let _queue = self.ctx.lock_queue();
                device.queue_submit(self.ctx.queue, &submit, o.fence).vk("vkQueueSubmit")?;
            }
            device.wait_for_fences(&[o.fence], true, u64::MAX).vk("vkWaitForFences")?;
            device.reset_fences(&[o.fence]).vk("vkResetFences")?;
        }
        Ok(())
    }

    fn destroy_target(&mut self) {
        if let Some(mut t) = self.target.take() {
            // Callers waited for the device to be idle, so nothing uses the image any more.
            destroy_image_2d(&self.ctx, t.image, t.view, t.allocation.take());
        }
    }

    fn create_target(&self, extent: vk::Extent2D) -> Result<Target, GpuError> {
        let usage =
            vk::ImageUsageFlags::STORAGE | vk::ImageUsageFlags::COLOR_ATTACHMENT | vk::ImageUsageFlags::TRANSFER_SRC;
        let size = (extent.width, extent.height);
        let (image, view, allocation) = create_image_2d(&self.ctx, "composite", COMPOSITE_FORMAT, size, usage)?;
        Ok(Target { image, view, allocation: Some(allocation), extent })
    }
}

impl Drop for Compositor {
    fn drop(&mut self) {
        self.ctx.wait_idle();
        self.destroy_target();
        // SAFETY: the device is idle; these objects belong to it and are destroyed once.
        unsafe {
            if let Some(o) = self.offscreen.take() {
                self.ctx.device.destroy_fence(o.fence, None);
                self.ctx.device.destroy_command_pool(o.pool, None);
            }
            self.ctx.device.destroy_command_pool(self.upload_pool, None);
        }
        // egui's renderer (and its memory, through egui_allocator) goes when the fields drop; the
        // allocator itself is dropped after it, still before the context's device.
        let _ = &self.egui_allocator;
    }
}

/// One colour layer of mip 0.
pub(crate) fn color_layers() -> vk::ImageSubresourceLayers {
    vk::ImageSubresourceLayers {
        aspect_mask: vk::ImageAspectFlags::COLOR,
        mip_level: 0,
        base_array_layer: 0,
        layer_count: 1,
    }
}

/// A layout transition (and memory dependency) of a whole colour image.
pub(crate) fn image_barrier(
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

/// Moves the composite from egui's drawing to a copy source (capture or blit).
fn attachment_to_transfer_src(device: &ash::Device, cmd: vk::CommandBuffer, image: vk::Image) {
    use vk::AccessFlags as A;
    use vk::ImageLayout as L;
    let to_src = image_barrier(
        image,
        L::COLOR_ATTACHMENT_OPTIMAL,
        L::TRANSFER_SRC_OPTIMAL,
        A::COLOR_ATTACHMENT_WRITE,
        A::TRANSFER_READ,
    );
    let (from, to) = (vk::PipelineStageFlags::COLOR_ATTACHMENT_OUTPUT, vk::PipelineStageFlags::TRANSFER);
    pipeline_barrier(device, cmd, from, to, &[], &[to_src]);
}

/// Records one pipeline barrier with memory and image barriers.
pub(crate) fn pipeline_barrier(
    device: &ash::Device,
    cmd: vk::CommandBuffer,
    src: vk::PipelineStageFlags,
    dst: vk::PipelineStageFlags,
    memory: &[vk::MemoryBarrier],
    images: &[vk::ImageMemoryBarrier],
) {
    // SAFETY: callers pass a command buffer in the recording state and live images.
    unsafe { device.cmd_pipeline_barrier(cmd, src, dst, vk::DependencyFlags::empty(), memory, &[], images) };
}
