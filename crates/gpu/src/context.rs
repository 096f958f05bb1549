//! The Vulkan instance, the chosen physical device, one compute queue, the memory allocator and the
//! validation messenger. One `GpuContext` serves a whole run; everything else borrows it.

use super::error::{GpuError, VkContext};
use super::validation::{debug_callback, ValidationLog};
use ash::vk;
use gpu_allocator::vulkan::{Allocator, AllocatorCreateDesc};
use std::ffi::{c_void, CStr, CString};
use std::mem::ManuallyDrop;
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

const VALIDATION_LAYER: &CStr = c"VK_LAYER_KHRONOS_validation";

/// The Vulkan loader keeps one list of instances, drivers and devices for the whole process. Some
/// of its entry points look a device up in it (vkSetDebugUtilsObjectNameEXT, vkCreateSwapchainKHR)
/// while others change it without a lock the look-up takes: vkEnumeratePhysicalDevices unloads the
/// drivers that found no device, vkCreateDevice and vkDestroyDevice add and remove devices
/// (KhronosGroup/Vulkan-Loader#2018 describes the same walk). With loader 1.4 (Debian 13), naming a
/// buffer on one thread while another made a context crashed in libvulkan. So contexts are made and
/// destroyed under the write side of this lock and those look-ups happen under the read side; it
/// guards no data, so a poisoned lock is taken anyway.
static LOADER_LISTS: RwLock<()> = RwLock::new(());

/// Held around a loader call that looks a device up in the loader's process-wide lists.
pub(crate) fn loader_lookup() -> RwLockReadGuard<'static, ()> {
    LOADER_LISTS.read().unwrap_or_else(PoisonError::into_inner)
}

/// Held while instances, drivers or devices are made or destroyed.
fn loader_change() -> RwLockWriteGuard<'static, ()> {
    LOADER_LISTS.write().unwrap_or_else(PoisonError::into_inner)
}

/// Whether to load the Khronos validation layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ValidationMode {
    /// On whenever the layer is installed.
    #[default]
    Auto,
    /// On; fail if the layer is not installed (tests use this).
    On,
    Off,
}

#[derive(Clone, Debug, Default)]
pub struct GpuOptions {
    pub validation: ValidationMode,
    /// Pick the first device whose name contains this (case-insensitive).
    pub gpu: Option<String>,
}

pub struct GpuContext {
    pub(crate) device: ash::Device,
    pub(crate) queue: vk::Queue,
    /// Held around every submission to `queue` (Vulkan requires the queue's users to take turns):
    /// several frame pipelines may share one context, e.g. `analyze --out-root` on many inputs.
    pub(crate) queue_lock: Mutex<()>,
    /// Queues of a transfer-only family (a discrete GPU's copy engines; none on lavapipe), one for
    /// uploads and one for read-back copies where it has two: work there runs while the main queue
    /// computes (`QueueRole`). Only where host query reset is supported (their timestamps are reset
    /// from the host: a transfer queue cannot reset queries).
    side_queues: Vec<(vk::Queue, Mutex<()>)>,
    side_family: Option<u32>,
    /// `hostQueryReset` (Vulkan 1.2) is enabled.
    pub(crate) host_query_reset: bool,
    pub(crate) queue_family: u32,
    pub(crate) allocator: ManuallyDrop<Mutex<Allocator>>,
    pub(crate) push_descriptor: ash::khr::push_descriptor::Device,
    pub(crate) debug_device: Option<ash::ext::debug_utils::Device>,
    device_name: String,
    device_type: vk::PhysicalDeviceType,
    /// Nanoseconds per timestamp tick.
    pub(crate) timestamp_period: f64,
    pub(crate) timestamp_valid_bits: u32,
    /// VK_KHR_dynamic_rendering is on (egui compositing, windowed or offscreen, needs it).
    pub(crate) dynamic_rendering: bool,
    /// The largest side of a 2D image this device creates (`maxImageDimension2D`).
    max_image_side: u32,
    debug_messenger: Option<(ash::ext::debug_utils::Instance, vk::DebugUtilsMessengerEXT)>,
    /// The window surface when made by [`GpuContext::with_window`] (destroyed before the instance).
    pub(crate) surface: Option<(ash::khr::surface::Instance, vk::SurfaceKHR)>,
    pub(crate) physical: vk::PhysicalDevice,
    pub(crate) instance: ash::Instance,
    _entry: ash::Entry,
    /// Kept alive for the surface; dropped after Drop::drop destroyed it.
    _window: Option<Arc<dyn WindowTarget>>,
    // Boxed so the pointer handed to the debug messenger stays put when the context moves.
    validation_log: Box<ValidationLog>,
}

/// Which of the context's queues a [`crate::Recorder`] submits to. On a device whose queue family has
/// one queue, every role is the main queue (semaphores between roles then order work on one queue).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum QueueRole {
    #[default]
    Main,
    /// Host-to-GPU copies of a frame.
    Upload,
    /// GPU-to-host copies of a frame's results.
    Readback,
}

/// A window the context can present to (any winit window is one).
pub trait WindowTarget: raw_window_handle::HasDisplayHandle + raw_window_handle::HasWindowHandle + Send + Sync {}
impl<T: raw_window_handle::HasDisplayHandle + raw_window_handle::HasWindowHandle + Send + Sync> WindowTarget for T {}

impl GpuContext {
    pub fn new(options: &GpuOptions) -> Result<Self, GpuError> {
        Self::create(options, None)
    }

    /// A context that can also present to `window`: enables the surface and swapchain extensions,
    /// makes the surface, and picks a queue family that does graphics, compute and present. The
    /// context keeps the window alive until the surface is destroyed.
    pub fn with_window(options: &GpuOptions, window: Arc<dyn WindowTarget>) -> Result<Self, GpuError> {
        Self::create(options, Some(window))
    }

    fn create(options: &GpuOptions, window: Option<Arc<dyn WindowTarget>>) -> Result<Self, GpuError> {
        let handles = window.as_deref().map(raw_handles).transpose()?;
        // SAFETY: loading the system Vulkan loader library; nothing else is loaded under that name.
        let entry = unsafe { ash::Entry::load() }.map_err(|e| GpuError::NoLoader(e.to_string()))?;
        // Until the device is made (error paths included): see LOADER_LISTS.
        let _loader_lists = loader_change();
        let validation = match options.validation {
            ValidationMode::Off => false,
            ValidationMode::Auto => layer_available(&entry),
            ValidationMode::On if layer_available(&entry) => true,
            ValidationMode::On => return Err(GpuError::NoValidationLayer),
        };
        let validation_log = Box::<ValidationLog>::default();

        let display = handles.map(|(display, _)| display);
        let (instance, debug_messenger) = create_instance(&entry, validation, display, &validation_log)?;

        let surface = match handles {
            None => None,
            Some((display, win)) => {
                // SAFETY: the context holds the window (field `_window`), which is dropped only after
                // Drop destroyed the surface; the surface is destroyed before the instance.
                match unsafe { ash_window::create_surface(&entry, &instance, display, win, None) } {
                    Ok(s) => Some((ash::khr::surface::Instance::new(&entry, &instance), s)),
                    Err(result) => {
                        destroy_instance(&instance, &debug_messenger, &None);
                        return Err(GpuError::Vk { what: "vkCreate*SurfaceKHR", result });
                    }
                }
            }
        };
        let picked = pick_device(&instance, options.gpu.as_deref());
        let (physical, props) = match picked {
            Ok(p) => p,
            Err(e) => {
                destroy_instance(&instance, &debug_messenger, &surface);
                return Err(e);
            }
        };
        let device_name = props
            .device_name_as_c_str()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "<unnamed>".into());
        let result = create_device(&instance, physical, &device_name, surface.as_ref());
        let CreatedDevice {
            device,
            family: queue_family,
            side,
            timestamp_bits: timestamp_valid_bits,
            dynamic_rendering,
            host_query_reset,
        } = match result {
            Ok(d) => d,
            Err(e) => {
                destroy_instance(&instance, &debug_messenger, &surface);
                return Err(e);
            }
        };
        let (queue, side_queues) = device_queues(&device, queue_family, side);
        let side_family = side.map(|(family, _)| family);
        let allocator = Allocator::new(&AllocatorCreateDesc {
            instance: instance.clone(),
            device: device.clone(),
            physical_device: physical,
            debug_settings: Default::default(),
            buffer_device_address: false,
            allocation_sizes: Default::default(),
        })
        .map_err(|e| GpuError::Alloc { what: "allocator".into(), reason: e.to_string() })?;
        let push_descriptor = ash::khr::push_descriptor::Device::new(&instance, &device);
        let debug_device = validation.then(|| ash::ext::debug_utils::Device::new(&instance, &device));

        Ok(Self {
            device,
            queue,
            queue_lock: Mutex::new(()),
            side_queues,
            side_family,
            host_query_reset,
            queue_family,
            allocator: ManuallyDrop::new(Mutex::new(allocator)),
            push_descriptor,
            debug_device,
            device_name,
            device_type: props.device_type,
            timestamp_period: props.limits.timestamp_period as f64,
            timestamp_valid_bits,
            dynamic_rendering,
            max_image_side: props.limits.max_image_dimension2_d,
            debug_messenger,
            surface,
            physical,
            instance,
            _entry: entry,
            _window: window,
            validation_log,
        })
    }

    /// Takes the queue for one submission (see `queue_lock`); a poisoned lock is taken anyway, since
    /// it guards no data.
    pub(crate) fn lock_queue(&self) -> std::sync::MutexGuard<'_, ()> {
        self.queue_lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The queue a role submits to, its lock and its family (the main queue without side queues).
    pub(crate) fn queue_for(&self, role: QueueRole) -> (vk::Queue, &Mutex<()>, u32) {
        let side = match role {
            QueueRole::Main => None,
            QueueRole::Upload => self.side_queues.first(),
            QueueRole::Readback => self.side_queues.get(1).or(self.side_queues.first()),
        };
        match (side, self.side_family) {
            (Some((queue, lock)), Some(family)) => (*queue, lock, family),
            _ => (self.queue, &self.queue_lock, self.queue_family),
        }
    }

    /// Whether uploads and read-back copies get queues of their own (`QueueRole`: a transfer-only
    /// family, i.e. a discrete GPU's copy engines), so they run while the main queue computes; false
    /// on devices without one (lavapipe), where every role is the main queue.
    pub fn has_side_queues(&self) -> bool {
        self.side_family.is_some()
    }

    /// The two queue families a resource used by both the main and the side queues is shared by.
    pub(crate) fn shared_families(&self) -> Option<[u32; 2]> {
        self.side_family.map(|f| [self.queue_family, f])
    }

    /// e.g. `llvmpipe (LLVM 15.0.6, 256 bits) (cpu)`.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.device_name, type_name(self.device_type))
    }

    pub fn device_name(&self) -> &str {
        &self.device_name
    }

    /// Checks that images of `width x height` (a frame of `what`, or an output size) fit this device,
    /// so a too-large input is a one-line error before any image is created.
    /// The device's largest 2D image side (`maxImageDimension2D`).
    pub fn max_image_side(&self) -> u32 {
        self.max_image_side
    }

    pub fn check_image_size(&self, what: &str, width: u32, height: u32) -> Result<(), GpuError> {
        let max = self.max_image_side;
        if width > max || height > max {
            return Err(GpuError::TooLarge { what: what.into(), width, height, max, device: self.device_name.clone() });
        }
        Ok(())
    }

    /// Whether the device is a CPU implementation (lavapipe), where kernels prefer other shapes.
    pub fn is_cpu(&self) -> bool {
        self.device_type == vk::PhysicalDeviceType::CPU
    }

    /// Invocations per subgroup (32 on NVIDIA, 8 on lavapipe with AVX2).
    pub fn subgroup_size(&self) -> u32 {
        let mut subgroup = vk::PhysicalDeviceSubgroupProperties::default();
        let mut props2 = vk::PhysicalDeviceProperties2::default().push_next(&mut subgroup);
        // SAFETY: a plain query of the physical device this context was made on; props2 chains only
        // subgroup, which outlives the call.
        unsafe { self.instance.get_physical_device_properties2(self.physical, &mut props2) };
        subgroup.subgroup_size
    }

    /// The device's limits (shared memory, workgroup sizes, ...).
    pub fn limits(&self) -> vk::PhysicalDeviceLimits {
        // SAFETY: a plain query of the physical device this context was made on.
        unsafe { self.instance.get_physical_device_properties(self.physical) }.limits
    }

    pub fn validation_enabled(&self) -> bool {
        self.debug_messenger.is_some()
    }

    /// Warnings and errors the validation layer reported so far.
    pub fn validation_log(&self) -> &ValidationLog {
        &self.validation_log
    }

    /// Names a Vulkan object so validation messages say which one is at fault.
    pub(crate) fn set_name<H: vk::Handle>(&self, handle: H, name: &str) {
        let Some(debug) = &self.debug_device else { return };
        let Ok(name) = CString::new(name) else { return };
        let info = vk::DebugUtilsObjectNameInfoEXT::default().object_handle(handle).object_name(&name);
        let _loader_lists = loader_lookup();
        // SAFETY: handle is a live object of this device; name outlives the call.
        let _ = unsafe { debug.set_debug_utils_object_name(&info) };
    }

    pub fn wait_idle(&self) {
        // SAFETY: the device is alive; waiting has no other preconditions.
        let _ = unsafe { self.device.device_wait_idle() };
    }
}

impl Drop for GpuContext {
    fn drop(&mut self) {
        self.wait_idle();
        let _loader_lists = loader_change();
        // SAFETY: every resource made from this device is dropped before the context (they borrow it);
        // the allocator is dropped before the device it was made from.
        unsafe {
            ManuallyDrop::drop(&mut self.allocator);
            self.device.destroy_device(None);
        }
        destroy_instance(&self.instance, &self.debug_messenger, &self.surface);
    }
}

fn destroy_instance(
    instance: &ash::Instance,
    messenger: &Option<(ash::ext::debug_utils::Instance, vk::DebugUtilsMessengerEXT)>,
    surface: &Option<(ash::khr::surface::Instance, vk::SurfaceKHR)>,
) {
    // SAFETY: no device of this instance is alive any more (so no swapchain of the surface either);
    // the messenger and surface belong to this instance.
    unsafe {
        if let Some((loader, s)) = surface {
            loader.destroy_surface(*s, None);
        }
        if let Some((loader, m)) = messenger {
            loader.destroy_debug_utils_messenger(*m, None);
        }
        instance.destroy_instance(None);
    }
}

fn layer_available(entry: &ash::Entry) -> bool {
    // SAFETY: a plain query of the loader.
    let layers = unsafe { entry.enumerate_instance_layer_properties() }.unwrap_or_default();
    layers.iter().any(|l| l.layer_name_as_c_str().is_ok_and(|n| n == VALIDATION_LAYER))
}

fn type_name(t: vk::PhysicalDeviceType) -> &'static str {
    match t {
        vk::PhysicalDeviceType::DISCRETE_GPU => "discrete",
        vk::PhysicalDeviceType::INTEGRATED_GPU => "integrated",
        vk::PhysicalDeviceType::VIRTUAL_GPU => "virtual",
        vk::PhysicalDeviceType::CPU => "cpu",
        _ => "other",
    }
}

fn type_rank(t: vk::PhysicalDeviceType) -> u32 {
    match t {
        vk::PhysicalDeviceType::DISCRETE_GPU => 0,
        vk::PhysicalDeviceType::INTEGRATED_GPU => 1,
        vk::PhysicalDeviceType::VIRTUAL_GPU => 2,
        vk::PhysicalDeviceType::CPU => 3,
        _ => 4,
    }
}

/// Discrete > integrated > virtual > cpu, unless `wanted` names one.
fn pick_device(
    instance: &ash::Instance,
    wanted: Option<&str>,
) -> Result<(vk::PhysicalDevice, vk::PhysicalDeviceProperties), GpuError> {
    // SAFETY: plain queries of a live instance.
    let devices = unsafe { instance.enumerate_physical_devices() }.vk("vkEnumeratePhysicalDevices")?;
    let mut candidates: Vec<_> = devices
        .into_iter()
        // SAFETY: d comes from this instance.
        .map(|d| (d, unsafe { instance.get_physical_device_properties(d) }))
        .filter(|(_, p)| p.api_version >= vk::API_VERSION_1_2)
        .collect();
    if candidates.is_empty() {
        return Err(GpuError::NoDevice);
    }
    candidates.sort_by_key(|(_, p)| type_rank(p.device_type));
    let name_of = |p: &vk::PhysicalDeviceProperties| {
        p.device_name_as_c_str().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
    };
    match wanted {
        None => Ok(candidates[0]),
        Some(w) => {
            let names: Vec<String> = candidates.iter().map(|(_, p)| name_of(p)).collect();
            pick_by_name(&names, w).map(|i| candidates[i]).ok_or_else(|| GpuError::NoMatchingDevice {
                wanted: w.to_string(),
                available: names.iter().enumerate().map(|(i, n)| format!("#{i} {n}")).collect::<Vec<_>>().join(", "),
            })
        }
    }
}

/// `--gpu`: the first name containing `wanted` (case-insensitive); `SUBSTRING#N` is the N-th such
/// name (0-based), `#N` the N-th device, so one of several identical GPUs can be named.
fn pick_by_name(names: &[String], wanted: &str) -> Option<usize> {
    let (needle, nth) = match wanted.rsplit_once('#') {
        Some((needle, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => (needle, n.parse().ok()?),
        _ => (wanted, 0),
    };
    let needle = needle.to_lowercase();
    names.iter().enumerate().filter(|(_, n)| n.to_lowercase().contains(&needle)).nth(nth).map(|(i, _)| i)
}

fn create_device(
    instance: &ash::Instance,
    physical: vk::PhysicalDevice,
    name: &str,
    surface: Option<&(ash::khr::surface::Instance, vk::SurfaceKHR)>,
) -> Result<CreatedDevice, GpuError> {
    let unsupported = |reason: String| GpuError::Unsupported { device: name.to_string(), reason };
    // SAFETY: plain queries of a physical device of this instance.
    let families = unsafe { instance.get_physical_device_queue_family_properties(physical) };
    let (family, timestamp_bits) = main_queue_family(physical, &families, surface).ok_or_else(|| {
        unsupported(
            if surface.is_some() { "no queue does graphics, compute and present" } else { "no compute queue" }.into(),
        )
    })?;
    check_required_features(instance, physical).map_err(unsupported)?;
    // SAFETY: as above.
    let extensions = unsafe { instance.enumerate_device_extension_properties(physical) }
        .vk("vkEnumerateDeviceExtensionProperties")?;
    let has = |n: &CStr| extensions.iter().any(|e| e.extension_name_as_c_str().is_ok_and(|x| x == n));
    if !has(ash::khr::push_descriptor::NAME) {
        return Err(unsupported("VK_KHR_push_descriptor is not supported".into()));
    }
    let mut device_extensions = vec![ash::khr::push_descriptor::NAME.as_ptr()];
    // Presenting needs swapchains; the egui renderer draws with dynamic rendering (no render passes),
    // also offscreen (`vidscope record`), so that is enabled wherever it exists.
    let mut dynamic_rendering = vk::PhysicalDeviceDynamicRenderingFeatures::default().dynamic_rendering(true);
    let has_dynamic_rendering = has(ash::khr::dynamic_rendering::NAME);
    if surface.is_some() {
        for ext in [ash::khr::swapchain::NAME, ash::khr::dynamic_rendering::NAME] {
            if !has(ext) {
                return Err(unsupported(format!("{} is not supported", ext.to_string_lossy())));
            }
        }
        device_extensions.push(ash::khr::swapchain::NAME.as_ptr());
    }
    if has_dynamic_rendering {
        device_extensions.push(ash::khr::dynamic_rendering::NAME.as_ptr());
    }
    // Host query reset (core in 1.2), which timestamps on a transfer queue need.
    let mut host_reset = vk::PhysicalDeviceHostQueryResetFeatures::default();
    let mut features2 = vk::PhysicalDeviceFeatures2::default().push_next(&mut host_reset);
    // SAFETY: a plain query; features2 chains only host_reset, which outlives the call.
    unsafe { instance.get_physical_device_features2(physical, &mut features2) };
    let host_query_reset = host_reset.host_query_reset == vk::TRUE;
    let side = transfer_family(&families, family).filter(|_| host_query_reset);
    let priorities = [1.0f32; 2];
    let mut queue_info =
        vec![vk::DeviceQueueCreateInfo::default().queue_family_index(family).queue_priorities(&priorities[..1])];
    if let Some((side_family, count)) = side {
        queue_info.push(
            vk::DeviceQueueCreateInfo::default()
                .queue_family_index(side_family)
                .queue_priorities(&priorities[..count as usize]),
        );
    }
    let enabled = vk::PhysicalDeviceFeatures::default().shader_storage_image_extended_formats(true);
    let mut enable_host_reset = vk::PhysicalDeviceHostQueryResetFeatures::default().host_query_reset(true);
    let mut info = vk::DeviceCreateInfo::default()
        .queue_create_infos(&queue_info)
        .enabled_extension_names(&device_extensions)
        .enabled_features(&enabled);
    if has_dynamic_rendering {
        info = info.push_next(&mut dynamic_rendering);
    }
    if host_query_reset {
        info = info.push_next(&mut enable_host_reset);
    }
    // SAFETY: every pointer in info refers to locals alive for the call; features were checked above.
    let device = unsafe { instance.create_device(physical, &info, None) }.vk("vkCreateDevice")?;
    Ok(CreatedDevice {
        device,
        family,
        side,
        timestamp_bits,
        dynamic_rendering: has_dynamic_rendering,
        host_query_reset,
    })
}

/// The queue family for compute (and, with a surface, graphics and present), and its timestamp bits.
fn main_queue_family(
    physical: vk::PhysicalDevice,
    families: &[vk::QueueFamilyProperties],
    surface: Option<&(ash::khr::surface::Instance, vk::SurfaceKHR)>,
) -> Option<(u32, u32)> {
    families
        .iter()
        .enumerate()
        .find(|(i, f)| match surface {
            None => f.queue_flags.contains(vk::QueueFlags::COMPUTE),
            Some((loader, s)) => {
                f.queue_flags.contains(vk::QueueFlags::COMPUTE | vk::QueueFlags::GRAPHICS)
                    // SAFETY: a plain query; the surface belongs to this instance.
                    && unsafe { loader.get_physical_device_surface_support(physical, *i as u32, *s) }.unwrap_or(false)
            }
        })
        .map(|(i, f)| (i as u32, f.timestamp_valid_bits))
}

/// A transfer-only family with timestamps (the copy engines of a discrete GPU) other than `main`,
/// and how many of its queues to use (up to 2).
fn transfer_family(families: &[vk::QueueFamilyProperties], main: u32) -> Option<(u32, u32)> {
    families
        .iter()
        .enumerate()
        .find(|(i, f)| {
            *i as u32 != main
                && f.queue_flags.contains(vk::QueueFlags::TRANSFER)
                && !f.queue_flags.intersects(vk::QueueFlags::GRAPHICS | vk::QueueFlags::COMPUTE)
                && f.timestamp_valid_bits > 0
                && f.queue_count > 0
        })
        .map(|(i, f)| (i as u32, f.queue_count.min(2)))
}

/// What every pass needs of the device: r8ui storage images and subgroup arithmetic in compute
/// shaders; the reason when one is missing.
fn check_required_features(instance: &ash::Instance, physical: vk::PhysicalDevice) -> Result<(), String> {
    // SAFETY: a plain query of a physical device of this instance.
    let features = unsafe { instance.get_physical_device_features(physical) };
    if features.shader_storage_image_extended_formats == vk::FALSE {
        return Err("shaderStorageImageExtendedFormats (r8ui storage images) is not supported".into());
    }
    let mut subgroup = vk::PhysicalDeviceSubgroupProperties::default();
    let mut props2 = vk::PhysicalDeviceProperties2::default().push_next(&mut subgroup);
    // SAFETY: as above; props2 chains only subgroup, which outlives the call.
    unsafe { instance.get_physical_device_properties2(physical, &mut props2) };
    let needed_ops = vk::SubgroupFeatureFlags::BASIC | vk::SubgroupFeatureFlags::ARITHMETIC;
    if !subgroup.supported_operations.contains(needed_ops)
        || !subgroup.supported_stages.contains(vk::ShaderStageFlags::COMPUTE)
    {
        return Err("subgroup arithmetic in compute shaders is not supported".into());
    }
    Ok(())
}

/// What `create_device` made: the device, its main queue family, the transfer-only family and its
/// queue count (when used), and what was enabled.
struct CreatedDevice {
    device: ash::Device,
    family: u32,
    side: Option<(u32, u32)>,
    timestamp_bits: u32,
    dynamic_rendering: bool,
    host_query_reset: bool,
}

/// The debug messenger of a validation run: its loader and handle.
type Messenger = (ash::ext::debug_utils::Instance, vk::DebugUtilsMessengerEXT);

/// The Vulkan instance: with `validation`, the Khronos layer and a messenger writing into `log`;
/// with a window's `display`, the surface extensions it needs.
fn create_instance(
    entry: &ash::Entry,
    validation: bool,
    display: Option<raw_window_handle::RawDisplayHandle>,
    log: &ValidationLog,
) -> Result<(ash::Instance, Option<Messenger>), GpuError> {
    let app_info = vk::ApplicationInfo::default()
        .application_name(c"vidscope")
        .engine_name(c"vidscope")
        .api_version(vk::API_VERSION_1_2);
    let layers: Vec<*const i8> = if validation { vec![VALIDATION_LAYER.as_ptr()] } else { vec![] };
    let mut extensions: Vec<*const i8> = if validation { vec![ash::ext::debug_utils::NAME.as_ptr()] } else { vec![] };
    if let Some(display) = display {
        let needed = ash_window::enumerate_required_extensions(display)
            .map_err(|e| GpuError::Other(format!("this window system cannot present with Vulkan: {e}")))?;
        extensions.extend_from_slice(needed);
    }
    let mut messenger_info = vk::DebugUtilsMessengerCreateInfoEXT::default()
        .message_severity(vk::DebugUtilsMessageSeverityFlagsEXT::WARNING | vk::DebugUtilsMessageSeverityFlagsEXT::ERROR)
        .message_type(
            vk::DebugUtilsMessageTypeFlagsEXT::GENERAL
                | vk::DebugUtilsMessageTypeFlagsEXT::VALIDATION
                | vk::DebugUtilsMessageTypeFlagsEXT::PERFORMANCE,
        )
        .pfn_user_callback(Some(debug_callback))
        .user_data(log as *const ValidationLog as *mut c_void);
    let mut instance_info = vk::InstanceCreateInfo::default()
        .application_info(&app_info)
        .enabled_layer_names(&layers)
        .enabled_extension_names(&extensions);
    if validation {
        // Also report problems in vkCreateInstance/vkDestroyInstance themselves.
        instance_info = instance_info.push_next(&mut messenger_info);
    }
    // SAFETY: all pointers in instance_info point to locals that outlive the call.
    let instance = match unsafe { entry.create_instance(&instance_info, None) } {
        Ok(i) => i,
        // The loader found no driver at all.
        Err(vk::Result::ERROR_INCOMPATIBLE_DRIVER) => return Err(GpuError::NoDevice),
        Err(result) => return Err(GpuError::Vk { what: "vkCreateInstance", result }),
    };

    let debug_messenger = if validation {
        let loader = ash::ext::debug_utils::Instance::new(entry, &instance);
        // SAFETY: the messenger's user_data (validation_log) lives as long as the context.
        let messenger = unsafe { loader.create_debug_utils_messenger(&messenger_info, None) }
            .vk("vkCreateDebugUtilsMessengerEXT")?;
        Some((loader, messenger))
    } else {
        None
    };
    Ok((instance, debug_messenger))
}

/// The window's raw display and window handles.
fn raw_handles(
    w: &dyn WindowTarget,
) -> Result<(raw_window_handle::RawDisplayHandle, raw_window_handle::RawWindowHandle), GpuError> {
    let bad = |e: raw_window_handle::HandleError| GpuError::Other(format!("window handle: {e}"));
    Ok((w.display_handle().map_err(bad)?.as_raw(), w.window_handle().map_err(bad)?.as_raw()))
}

/// The main queue (index 0 of `family`) and the side queues (`count` of their family), each with
/// its lock.
fn device_queues(
    device: &ash::Device,
    family: u32,
    side: Option<(u32, u32)>,
) -> (vk::Queue, Vec<(vk::Queue, Mutex<()>)>) {
    // SAFETY: the queue family and index 0 were requested at device creation.
    let queue = unsafe { device.get_device_queue(family, 0) };
    let side_queues = side
        .map(|(family, count)| {
            // SAFETY: `count` queues of this family were requested at device creation.
            (0..count).map(|i| (unsafe { device.get_device_queue(family, i) }, Mutex::new(()))).collect()
        })
        .unwrap_or_default();
    (queue, side_queues)
}

#[cfg(test)]
mod pick_tests {
    use super::pick_by_name;

    #[test]
    fn gpu_names_a_device_by_substring_and_index() {
        let names: Vec<String> = ["NVIDIA H200", "NVIDIA H200", "llvmpipe (LLVM 15)"].map(String::from).to_vec();
        assert_eq!(pick_by_name(&names, "h200"), Some(0));
        assert_eq!(pick_by_name(&names, "H200#1"), Some(1));
        assert_eq!(pick_by_name(&names, "H200#2"), None);
        assert_eq!(pick_by_name(&names, "#2"), Some(2));
        assert_eq!(pick_by_name(&names, "llvm"), Some(2));
        assert_eq!(pick_by_name(&names, "200"), Some(0), "digits alone are a substring");
        assert_eq!(pick_by_name(&names, "radeon"), None);
    }
}
