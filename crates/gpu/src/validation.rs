//! The debug messenger's sink: counts and keeps validation messages of warning or error severity,
//! so tests can fail on any of them and the CLI can print them.

use ash::vk;
use std::ffi::{c_void, CStr};
use std::sync::Mutex;

/// Messages of warning or error severity reported by the validation layer.
#[derive(Default)]
pub struct ValidationLog {
    messages: Mutex<Vec<String>>,
}

impl ValidationLog {
    pub fn messages(&self) -> Vec<String> {
        self.messages.lock().map(|m| m.clone()).unwrap_or_default()
    }

    pub fn count(&self) -> usize {
        self.messages.lock().map(|m| m.len()).unwrap_or(0)
    }

    fn push(&self, message: String) {
        tracing::warn!(target: "vidscope::validation", "{message}");
        if let Ok(mut m) = self.messages.lock() {
            m.push(message);
        }
    }
}

/// Called by the validation layer on any thread. `user_data` is the `ValidationLog` owned by the
/// `GpuContext`, which outlives the messenger.
pub(crate) unsafe extern "system" fn debug_callback(
    severity: vk::DebugUtilsMessageSeverityFlagsEXT,
    types: vk::DebugUtilsMessageTypeFlagsEXT,
    data: *const vk::DebugUtilsMessengerCallbackDataEXT<'_>,
    user_data: *mut c_void,
) -> vk::Bool32 {
    let serious = vk::DebugUtilsMessageSeverityFlagsEXT::WARNING | vk::DebugUtilsMessageSeverityFlagsEXT::ERROR;
    if !severity.intersects(serious) || data.is_null() || user_data.is_null() {
        return vk::FALSE;
    }
    // SAFETY: the layer passes a valid callback-data struct whose p_message is null or a
    // NUL-terminated string valid for this call; user_data is the &ValidationLog we registered.
    let (text, log) = unsafe {
        let p = (*data).p_message;
        let text =
            if p.is_null() { "<no message>".to_string() } else { CStr::from_ptr(p).to_string_lossy().into_owned() };
        (text, &*(user_data as *const ValidationLog))
    };
    log.push(format!("[{severity:?} {types:?}] {text}"));
    vk::FALSE
}
