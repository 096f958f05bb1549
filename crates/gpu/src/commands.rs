//! A reusable command buffer with its fence: record copies, dispatches, barriers and timestamps,
//! then submit and wait. Passes record through this safe API and never touch raw Vulkan.

use super::buffer::GpuBuffer;
use super::context::{GpuContext, QueueRole};
use super::error::{GpuError, VkContext};
use super::image::{color_range, LumaImage};
use super::pipeline::{Binding, ComputePipeline};
use super::timestamps::TimestampQueries;
use ash::vk;
use std::sync::Arc;

/// A resettable command pool of the context's queue family with one primary command buffer, both
/// named `name`. The caller destroys the pool (which frees the buffer).
pub(crate) fn command_buffer(ctx: &GpuContext, name: &str) -> Result<(vk::CommandPool, vk::CommandBuffer), GpuError> {
    command_buffer_of(ctx, name, ctx.queue_family)
}

/// Like [`command_buffer`], for queue family `family`.
fn command_buffer_of(
    ctx: &GpuContext,
    name: &str,
    family: u32,
) -> Result<(vk::CommandPool, vk::CommandBuffer), GpuError> {
    let pool_info = vk::CommandPoolCreateInfo::default()
        .queue_family_index(family)
        .flags(vk::CommandPoolCreateFlags::RESET_COMMAND_BUFFER);
    // SAFETY: valid create infos on a live device.
    let pool = unsafe { ctx.device.create_command_pool(&pool_info, None) }.vk("vkCreateCommandPool")?;
    let alloc = vk::CommandBufferAllocateInfo::default()
        .command_pool(pool)
        .level(vk::CommandBufferLevel::PRIMARY)
        .command_buffer_count(1);
    // SAFETY: pool was just made from this device.
    let cmd = match unsafe { ctx.device.allocate_command_buffers(&alloc) } {
        Ok(buffers) => buffers[0],
        Err(result) => {
            // SAFETY: the pool has no buffers in use.
            unsafe { ctx.device.destroy_command_pool(pool, None) };
            return Err(GpuError::Vk { what: "vkAllocateCommandBuffers", result });
        }
    };
    ctx.set_name(pool, name);
    ctx.set_name(cmd, name);
    Ok((pool, cmd))
}

/// A binary semaphore: one submission signals it, a later one (on any queue) waits for it.
pub struct Semaphore {
    ctx: Arc<GpuContext>,
    raw: vk::Semaphore,
}

impl Semaphore {
    pub fn new(ctx: &Arc<GpuContext>, name: &str) -> Result<Self, GpuError> {
        // SAFETY: a valid create info; destroyed in Drop.
        let raw = unsafe { ctx.device.create_semaphore(&vk::SemaphoreCreateInfo::default(), None) }
            .vk("vkCreateSemaphore")?;
        ctx.set_name(raw, name);
        Ok(Self { ctx: ctx.clone(), raw })
    }
}

impl Drop for Semaphore {
    fn drop(&mut self) {
        // SAFETY: callers wait for the submissions that use it (their recorders' fences) first.
        unsafe { self.ctx.device.destroy_semaphore(self.raw, None) };
    }
}

pub struct Recorder {
    ctx: Arc<GpuContext>,
    pool: vk::CommandPool,
    cmd: vk::CommandBuffer,
    fence: vk::Fence,
    role: QueueRole,
    recording: bool,
    /// Submitted and not yet waited for: the fence will signal when the GPU is done.
    pending: bool,
}

impl Recorder {
    pub fn new(ctx: &Arc<GpuContext>, name: &str) -> Result<Self, GpuError> {
        Self::on_queue(ctx, name, QueueRole::Main)
    }

    /// A recorder that submits to the queue of `role`.
    pub fn on_queue(ctx: &Arc<GpuContext>, name: &str, role: QueueRole) -> Result<Self, GpuError> {
        let (_, _, family) = ctx.queue_for(role);
        let (pool, cmd) = command_buffer_of(ctx, name, family)?;
        // SAFETY: a valid create info; the fence is destroyed in Drop (the pool and its buffer too).
        let fence = unsafe { ctx.device.create_fence(&vk::FenceCreateInfo::default(), None) }.vk("vkCreateFence")?;
        ctx.set_name(fence, name);
        Ok(Self { ctx: ctx.clone(), pool, cmd, fence, role, recording: false, pending: false })
    }

    pub fn context(&self) -> &Arc<GpuContext> {
        &self.ctx
    }

    pub fn begin(&mut self) -> Result<(), GpuError> {
        // A buffer still executing may not be reset.
        self.wait()?;
        let info = vk::CommandBufferBeginInfo::default().flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT);
        // SAFETY: the buffer is not pending (waited for above), so it may be reset.
        unsafe {
            self.ctx
                .device
                .reset_command_buffer(self.cmd, vk::CommandBufferResetFlags::empty())
                .vk("vkResetCommandBuffer")?;
            self.ctx.device.begin_command_buffer(self.cmd, &info).vk("vkBeginCommandBuffer")?;
        }
        self.recording = true;
        Ok(())
    }

    fn ensure_recording(&self) -> Result<(), GpuError> {
        if self.recording {
            Ok(())
        } else {
            Err(GpuError::Other("Recorder used before begin()".into()))
        }
    }

    /// Moves a new image from UNDEFINED to GENERAL, where it stays between copies.
    pub fn init_image(&mut self, image: &LumaImage) -> Result<(), GpuError> {
        self.ensure_recording()?;
        self.transition(image, vk::ImageLayout::UNDEFINED, vk::ImageLayout::GENERAL);
        Ok(())
    }

    /// A full-pipeline layout transition that also orders all memory accesses around it.
    fn transition(&mut self, image: &LumaImage, old: vk::ImageLayout, new: vk::ImageLayout) {
        let barrier = vk::ImageMemoryBarrier::default()
            .old_layout(old)
            .new_layout(new)
            .src_queue_family_index(vk::QUEUE_FAMILY_IGNORED)
            .dst_queue_family_index(vk::QUEUE_FAMILY_IGNORED)
            .image(image.image)
            .subresource_range(color_range())
            .src_access_mask(vk::AccessFlags::MEMORY_WRITE)
            .dst_access_mask(vk::AccessFlags::MEMORY_READ | vk::AccessFlags::MEMORY_WRITE);
        self.full_barrier(&[], &[barrier]);
    }

    /// An all-commands to all-commands pipeline barrier with the given memory and image barriers.
    fn full_barrier(&mut self, memory: &[vk::MemoryBarrier], images: &[vk::ImageMemoryBarrier]) {
        // SAFETY: called only while recording; the barriers reference live images of this device.
        unsafe {
            self.ctx.device.cmd_pipeline_barrier(
                self.cmd,
                vk::PipelineStageFlags::ALL_COMMANDS,
                vk::PipelineStageFlags::ALL_COMMANDS,
                vk::DependencyFlags::empty(),
                memory,
                &[],
                images,
            )
        };
    }

    /// Makes all earlier writes visible to all later reads and writes (copies, shaders).
    pub fn barrier(&mut self) -> Result<(), GpuError> {
        self.ensure_recording()?;
        let barrier = vk::MemoryBarrier::default()
            .src_access_mask(vk::AccessFlags::MEMORY_WRITE)
            .dst_access_mask(vk::AccessFlags::MEMORY_READ | vk::AccessFlags::MEMORY_WRITE);
        self.full_barrier(&[barrier], &[]);
        Ok(())
    }

    fn image_copy(image: &LumaImage, offset: u64) -> vk::BufferImageCopy {
        Self::image_copy_rows(image, offset, 0)
    }

    /// A copy of the whole image from/to buffer rows `row_length` texels apart (0: tightly packed).
    fn image_copy_rows(image: &LumaImage, offset: u64, row_length: u32) -> vk::BufferImageCopy {
        vk::BufferImageCopy {
            buffer_offset: offset,
            buffer_row_length: row_length,
            buffer_image_height: 0,
            image_subresource: vk::ImageSubresourceLayers {
                aspect_mask: vk::ImageAspectFlags::COLOR,
                mip_level: 0,
                base_array_layer: 0,
                layer_count: 1,
            },
            image_offset: vk::Offset3D::default(),
            image_extent: vk::Extent3D { width: image.width, height: image.height, depth: 1 },
        }
    }

    fn check_range(what: &str, buffer: &GpuBuffer, offset: u64, len: u64) -> Result<(), GpuError> {
        if offset + len > buffer.size() {
            return Err(GpuError::Other(format!(
                "{what}: {len} bytes at offset {offset} exceed the buffer's {} bytes",
                buffer.size()
            )));
        }
        Ok(())
    }

    /// Copies a tightly packed luma plane at `offset` in `src` into `dst`.
    pub fn upload(&mut self, src: &GpuBuffer, offset: u64, dst: &LumaImage) -> Result<(), GpuError> {
        self.upload_rows(src, offset, dst.width, dst)
    }

    /// Copies a luma plane whose rows lie `row_length` (>= the image width) bytes apart at `offset`
    /// in `src` into `dst`.
    pub fn upload_rows(
        &mut self,
        src: &GpuBuffer,
        offset: u64,
        row_length: u32,
        dst: &LumaImage,
    ) -> Result<(), GpuError> {
        self.ensure_recording()?;
        if row_length < dst.width {
            return Err(GpuError::Other(format!("upload: rows of {row_length} bytes for width {}", dst.width)));
        }
        let len = if dst.height == 0 { 0 } else { row_length as u64 * (dst.height as u64 - 1) + dst.width as u64 };
        Self::check_range("upload", src, offset, len)?;
        // The whole image is overwritten, so its old contents may be discarded (UNDEFINED).
        self.transition(dst, vk::ImageLayout::UNDEFINED, vk::ImageLayout::TRANSFER_DST_OPTIMAL);
        // SAFETY: recording; range checked above; the image was just moved to TRANSFER_DST_OPTIMAL.
        unsafe {
            self.ctx.device.cmd_copy_buffer_to_image(
                self.cmd,
                src.buffer,
                dst.image,
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                &[Self::image_copy_rows(dst, offset, row_length)],
            )
        };
        self.transition(dst, vk::ImageLayout::TRANSFER_DST_OPTIMAL, vk::ImageLayout::GENERAL);
        Ok(())
    }

    /// Copies `src` into `dst` at `offset`, tightly packed.
    pub fn download(&mut self, src: &LumaImage, dst: &GpuBuffer, offset: u64) -> Result<(), GpuError> {
        self.ensure_recording()?;
        Self::check_range("download", dst, offset, src.byte_len())?;
        self.transition(src, vk::ImageLayout::GENERAL, vk::ImageLayout::TRANSFER_SRC_OPTIMAL);
        // SAFETY: recording; range checked above; the image was just moved to TRANSFER_SRC_OPTIMAL.
        unsafe {
            self.ctx.device.cmd_copy_image_to_buffer(
                self.cmd,
                src.image,
                vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
                dst.buffer,
                &[Self::image_copy(src, offset)],
            )
        };
        self.transition(src, vk::ImageLayout::TRANSFER_SRC_OPTIMAL, vk::ImageLayout::GENERAL);
        Ok(())
    }

    /// Binds `pipeline` with `bindings` (set 0, in order) and `push` constants, then dispatches.
    pub fn dispatch(
        &mut self,
        pipeline: &ComputePipeline,
        bindings: &[Binding],
        push: &[u8],
        groups: [u32; 3],
    ) -> Result<(), GpuError> {
        self.ensure_recording()?;
        // SAFETY: the command buffer is recording (checked above).
        unsafe { pipeline.record_dispatch(self.cmd, bindings, push, groups) }
    }

    pub fn reset_queries(&mut self, queries: &TimestampQueries) -> Result<(), GpuError> {
        self.ensure_recording()?;
        // SAFETY: recording; the range is the whole pool.
        unsafe { self.ctx.device.cmd_reset_query_pool(self.cmd, queries.pool, 0, queries.count) };
        Ok(())
    }

    /// Writes timestamp `index` once all earlier commands have completed.
    pub fn timestamp(&mut self, queries: &TimestampQueries, index: u32) -> Result<(), GpuError> {
        self.ensure_recording()?;
        if index >= queries.count {
            return Err(GpuError::Other(format!("timestamp index {index} out of {}", queries.count)));
        }
        // SAFETY: recording; index in range; the query was reset in this command buffer.
        unsafe {
            self.ctx.device.cmd_write_timestamp(self.cmd, vk::PipelineStageFlags::BOTTOM_OF_PIPE, queries.pool, index)
        };
        Ok(())
    }

    /// Ends recording, submits, and waits until the GPU is done; host-visible buffers may then be read.
    pub fn submit_and_wait(&mut self) -> Result<(), GpuError> {
        self.submit()?;
        self.wait()
    }

    /// Ends recording and submits without waiting: `wait` or `is_done` tell when the GPU has finished
    /// (and host-visible buffers written by this work may be read).
    pub fn submit(&mut self) -> Result<(), GpuError> {
        self.submit_sync(None, None)
    }

    /// Like `submit`; the GPU starts this work only after `wait` was signalled (by an earlier
    /// submission, on any queue), and signals `signal` when it is done.
    pub fn submit_sync(&mut self, wait: Option<&Semaphore>, signal: Option<&Semaphore>) -> Result<(), GpuError> {
        self.ensure_recording()?;
        self.recording = false;
        let to_host = vk::MemoryBarrier::default()
            .src_access_mask(vk::AccessFlags::MEMORY_WRITE)
            .dst_access_mask(vk::AccessFlags::HOST_READ);
        let cmds = [self.cmd];
        let waits: Vec<vk::Semaphore> = wait.map(|s| s.raw).into_iter().collect();
        let stages = vec![vk::PipelineStageFlags::ALL_COMMANDS; waits.len()];
        let signals: Vec<vk::Semaphore> = signal.map(|s| s.raw).into_iter().collect();
        let submit = [vk::SubmitInfo::default()
            .command_buffers(&cmds)
            .wait_semaphores(&waits)
            .wait_dst_stage_mask(&stages)
            .signal_semaphores(&signals)];
        let (queue, lock, _) = self.ctx.queue_for(self.role);
        // SAFETY: the buffer was begun by begin(); the fence is unsignalled (reset after each wait);
        // the semaphores are live, a waited one was signalled by an earlier submission.
        unsafe {
            let d = &self.ctx.device;
            d.cmd_pipeline_barrier(
                self.cmd,
                vk::PipelineStageFlags::ALL_COMMANDS,
                vk::PipelineStageFlags::HOST,
                vk::DependencyFlags::empty(),
                &[to_host],
                &[],
                &[],
            );
            d.end_command_buffer(self.cmd).vk("vkEndCommandBuffer")?;
            let _queue = lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            d.queue_submit(queue, &submit, self.fence).vk("vkQueueSubmit")?;
        }
        self.pending = true;
        Ok(())
    }

    /// Waits until the last submitted work is done (returns at once when nothing is pending).
    pub fn wait(&mut self) -> Result<(), GpuError> {
        if !self.pending {
            return Ok(());
        }
        // SAFETY: the fence belongs to this device and was submitted with the pending work.
        unsafe {
            let d = &self.ctx.device;
            d.wait_for_fences(&[self.fence], true, u64::MAX).vk("vkWaitForFences")?;
            d.reset_fences(&[self.fence]).vk("vkResetFences")?;
        }
        self.pending = false;
        Ok(())
    }

    /// Whether the last submitted work has finished (true when nothing is pending); never blocks.
    pub fn is_done(&mut self) -> Result<bool, GpuError> {
        if !self.pending {
            return Ok(true);
        }
        // SAFETY: the fence belongs to this device.
        let signalled = unsafe { self.ctx.device.get_fence_status(self.fence) }.vk("vkGetFenceStatus")?;
        if signalled {
            self.wait()?;
        }
        Ok(signalled)
    }

    /// Fills the first `size` bytes of `buffer` (a multiple of 4) with the 32-bit word `word`.
    pub fn fill_buffer(&mut self, buffer: &GpuBuffer, size: u64, word: u32) -> Result<(), GpuError> {
        self.ensure_recording()?;
        if size > buffer.size() || !size.is_multiple_of(4) {
            return Err(GpuError::Other(format!("fill_buffer: {size} bytes of a {}-byte buffer", buffer.size())));
        }
        // SAFETY: recording; the buffer is live and the range was checked above.
        unsafe { self.ctx.device.cmd_fill_buffer(self.cmd, buffer.buffer, 0, size, word) };
        Ok(())
    }

    /// Copies the first `size` bytes of `src` into `dst`.
    pub fn copy_buffer(&mut self, src: &GpuBuffer, dst: &GpuBuffer, size: u64) -> Result<(), GpuError> {
        self.ensure_recording()?;
        if size > src.size() || size > dst.size() {
            return Err(GpuError::Other(format!(
                "copy_buffer: {size} bytes from a {}-byte buffer into a {}-byte one",
                src.size(),
                dst.size()
            )));
        }
        let region = vk::BufferCopy { src_offset: 0, dst_offset: 0, size };
        // SAFETY: recording; both buffers are live and the range was checked above.
        unsafe { self.ctx.device.cmd_copy_buffer(self.cmd, src.buffer, dst.buffer, &[region]) };
        Ok(())
    }

    /// Copies all of `src` into `dst` (same size), both in GENERAL layout.
    pub fn copy_image(&mut self, src: &LumaImage, dst: &LumaImage) -> Result<(), GpuError> {
        self.ensure_recording()?;
        if (src.width, src.height) != (dst.width, dst.height) {
            return Err(GpuError::Other(format!(
                "copy_image: {}x{} into {}x{}",
                src.width, src.height, dst.width, dst.height
            )));
        }
        let layers = vk::ImageSubresourceLayers {
            aspect_mask: vk::ImageAspectFlags::COLOR,
            mip_level: 0,
            base_array_layer: 0,
            layer_count: 1,
        };
        let region = vk::ImageCopy {
            src_subresource: layers,
            src_offset: vk::Offset3D::default(),
            dst_subresource: layers,
            dst_offset: vk::Offset3D::default(),
            extent: vk::Extent3D { width: src.width, height: src.height, depth: 1 },
        };
        // SAFETY: recording; both images are live, of equal size, and kept in GENERAL layout.
        unsafe {
            self.ctx.device.cmd_copy_image(
                self.cmd,
                src.image,
                vk::ImageLayout::GENERAL,
                dst.image,
                vk::ImageLayout::GENERAL,
                &[region],
            )
        };
        Ok(())
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if let Err(e) = self.wait() {
            tracing::error!("dropping a command buffer whose work could not be waited for: {e}");
        }
        // SAFETY: nothing is pending any more (waited for above).
        unsafe {
            self.ctx.device.destroy_fence(self.fence, None);
            self.ctx.device.destroy_command_pool(self.pool, None);
        }
    }
}
