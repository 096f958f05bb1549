//! Compute pipelines built from SPIR-V (compiled by build.rs from `shaders/*.comp`), with a
//! push-descriptor set layout so passes bind resources at record time without descriptor pools.

use super::buffer::GpuBuffer;
use super::context::GpuContext;
use super::error::{GpuError, VkContext};
use super::image::LumaImage;
use ash::vk;
use std::sync::Arc;

/// One resource bound at the binding of the same index in set 0.
pub enum Binding<'a> {
    Image(&'a LumaImage),
    Buffer(&'a GpuBuffer),
    /// A storage image in GENERAL layout known only by its view (e.g. the presenter's RGBA composite).
    View(vk::ImageView),
}

impl Binding<'_> {
    fn descriptor_type(&self) -> vk::DescriptorType {
        match self {
            Binding::Image(_) | Binding::View(_) => vk::DescriptorType::STORAGE_IMAGE,
            Binding::Buffer(_) => vk::DescriptorType::STORAGE_BUFFER,
        }
    }
}

pub struct ComputePipeline {
    ctx: Arc<GpuContext>,
    pub(crate) pipeline: vk::Pipeline,
    pub(crate) layout: vk::PipelineLayout,
    set_layout: vk::DescriptorSetLayout,
    pub(crate) bindings: Vec<vk::DescriptorType>,
    pub(crate) push_size: u32,
    pub name: String,
}

impl ComputePipeline {
    /// `bindings[i]` is the descriptor type at binding i of set 0; `push_size` the push-constant bytes.
    pub fn new(
        ctx: &Arc<GpuContext>,
        name: &str,
        spirv: &[u8],
        bindings: &[vk::DescriptorType],
        push_size: u32,
    ) -> Result<Self, GpuError> {
        Self::new_specialized(ctx, name, spirv, bindings, push_size, &[])
    }

    /// Like `new`, with the shader's specialization constants `constant_id = i` set to
    /// `specialization[i]` (32-bit values; a shader may size its workgroup, arrays and unrolled loops
    /// by them).
    pub fn new_specialized(
        ctx: &Arc<GpuContext>,
        name: &str,
        spirv: &[u8],
        bindings: &[vk::DescriptorType],
        push_size: u32,
        specialization: &[u32],
    ) -> Result<Self, GpuError> {
        let device = &ctx.device;
        let code = ash::util::read_spv(&mut std::io::Cursor::new(spirv))
            .map_err(|e| GpuError::Other(format!("shader {name}: bad SPIR-V: {e}")))?;
        let layout_bindings: Vec<_> = bindings
            .iter()
            .enumerate()
            .map(|(i, &t)| {
                vk::DescriptorSetLayoutBinding::default()
                    .binding(i as u32)
                    .descriptor_type(t)
                    .descriptor_count(1)
                    .stage_flags(vk::ShaderStageFlags::COMPUTE)
            })
            .collect();
        let set_info = vk::DescriptorSetLayoutCreateInfo::default()
            .flags(vk::DescriptorSetLayoutCreateFlags::PUSH_DESCRIPTOR_KHR)
            .bindings(&layout_bindings);
        // SAFETY: valid create infos referencing locals; every object is destroyed in Drop.
        unsafe {
            let set_layout = device.create_descriptor_set_layout(&set_info, None).vk("vkCreateDescriptorSetLayout")?;
            let ranges =
                [vk::PushConstantRange { stage_flags: vk::ShaderStageFlags::COMPUTE, offset: 0, size: push_size }];
            let set_layouts = [set_layout];
            let mut layout_info = vk::PipelineLayoutCreateInfo::default().set_layouts(&set_layouts);
            if push_size > 0 {
                layout_info = layout_info.push_constant_ranges(&ranges);
            }
            let layout = device.create_pipeline_layout(&layout_info, None).vk("vkCreatePipelineLayout")?;
            let module = device
                .create_shader_module(&vk::ShaderModuleCreateInfo::default().code(&code), None)
                .vk("vkCreateShaderModule")?;
            let entries: Vec<vk::SpecializationMapEntry> = (0..specialization.len() as u32)
                .map(|i| vk::SpecializationMapEntry { constant_id: i, offset: 4 * i, size: 4 })
                .collect();
            let spec_info =
                vk::SpecializationInfo::default().map_entries(&entries).data(bytemuck::cast_slice(specialization));
            let mut stage = vk::PipelineShaderStageCreateInfo::default()
                .stage(vk::ShaderStageFlags::COMPUTE)
                .module(module)
                .name(c"main");
            if !specialization.is_empty() {
                stage = stage.specialization_info(&spec_info);
            }
            let info = [vk::ComputePipelineCreateInfo::default().stage(stage).layout(layout)];
            let created = device.create_compute_pipelines(vk::PipelineCache::null(), &info, None);
            device.destroy_shader_module(module, None);
            let pipeline = created.map_err(|(_, r)| GpuError::Vk { what: "vkCreateComputePipelines", result: r })?[0];
            ctx.set_name(pipeline, name);
            Ok(Self {
                ctx: ctx.clone(),
                pipeline,
                layout,
                set_layout,
                bindings: bindings.to_vec(),
                push_size,
                name: name.to_string(),
            })
        }
    }

    /// Records bind, push descriptors, push constants and dispatch into `cmd`, after checking the
    /// bindings and push size against the layout.
    ///
    /// # Safety
    /// `cmd` is recording, and every bound resource lives until the submission completes.
    pub(crate) unsafe fn record_dispatch(
        &self,
        cmd: vk::CommandBuffer,
        bindings: &[Binding],
        push: &[u8],
        groups: [u32; 3],
    ) -> Result<(), GpuError> {
        self.check_bindings(bindings)?;
        if push.len() as u32 != self.push_size {
            return Err(GpuError::Other(format!(
                "pipeline {}: {} push-constant bytes given, {} expected",
                self.name,
                push.len(),
                self.push_size
            )));
        }
        if groups.contains(&0) {
            return Ok(());
        }
        let image_info =
            |view| [vk::DescriptorImageInfo::default().image_view(view).image_layout(vk::ImageLayout::GENERAL)];
        let image_infos: Vec<[vk::DescriptorImageInfo; 1]> = bindings
            .iter()
            .map(|b| match b {
                Binding::Image(i) => image_info(i.view),
                Binding::View(v) => image_info(*v),
                Binding::Buffer(_) => [vk::DescriptorImageInfo::default()],
            })
            .collect();
        let buffer_infos: Vec<[vk::DescriptorBufferInfo; 1]> = bindings
            .iter()
            .map(|b| match b {
                Binding::Buffer(buf) => [vk::DescriptorBufferInfo::default().buffer(buf.buffer).range(vk::WHOLE_SIZE)],
                Binding::Image(_) | Binding::View(_) => [vk::DescriptorBufferInfo::default()],
            })
            .collect();
        let writes: Vec<vk::WriteDescriptorSet> = bindings
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let w = vk::WriteDescriptorSet::default().dst_binding(i as u32).descriptor_type(b.descriptor_type());
                match b {
                    Binding::Image(_) | Binding::View(_) => w.image_info(&image_infos[i]),
                    Binding::Buffer(_) => w.buffer_info(&buffer_infos[i]),
                }
            })
            .collect();
        let d = &self.ctx.device;
        // SAFETY: the caller guarantees cmd is recording and the resources live; the writes match the
        // push-descriptor layout and the push size its range (both checked above).
        unsafe {
            d.cmd_bind_pipeline(cmd, vk::PipelineBindPoint::COMPUTE, self.pipeline);
            self.ctx.push_descriptor.cmd_push_descriptor_set(
                cmd,
                vk::PipelineBindPoint::COMPUTE,
                self.layout,
                0,
                &writes,
            );
            if !push.is_empty() {
                d.cmd_push_constants(cmd, self.layout, vk::ShaderStageFlags::COMPUTE, 0, push);
            }
            d.cmd_dispatch(cmd, groups[0], groups[1], groups[2]);
        }
        Ok(())
    }

    /// Checks that `bindings` match the layout this pipeline was built with.
    fn check_bindings(&self, bindings: &[Binding]) -> Result<(), GpuError> {
        let given: Vec<_> = bindings.iter().map(Binding::descriptor_type).collect();
        if given != self.bindings {
            return Err(GpuError::Other(format!(
                "pipeline {}: bindings {given:?} do not match its layout {:?}",
                self.name, self.bindings
            )));
        }
        Ok(())
    }
}

impl Drop for ComputePipeline {
    fn drop(&mut self) {
        // SAFETY: no command buffer using the pipeline is pending (Recorder waits after submit).
        unsafe {
            self.ctx.device.destroy_pipeline(self.pipeline, None);
            self.ctx.device.destroy_pipeline_layout(self.layout, None);
            self.ctx.device.destroy_descriptor_set_layout(self.set_layout, None);
        }
    }
}
