//! GPU timestamp queries for per-pass timings, honouring the queue's timestampValidBits and the
//! device's timestampPeriod.

use super::context::GpuContext;
use super::error::{GpuError, VkContext};
use ash::vk;
use std::sync::Arc;

pub struct TimestampQueries {
    ctx: Arc<GpuContext>,
    pub(crate) pool: vk::QueryPool,
    pub(crate) count: u32,
}

impl TimestampQueries {
    /// `None` when the queue does not support timestamps.
    pub fn new(ctx: &Arc<GpuContext>, count: u32) -> Result<Option<Self>, GpuError> {
        if ctx.timestamp_valid_bits == 0 {
            return Ok(None);
        }
        let info = vk::QueryPoolCreateInfo::default().query_type(vk::QueryType::TIMESTAMP).query_count(count);
        // SAFETY: valid create info; destroyed in Drop.
        let pool = unsafe { ctx.device.create_query_pool(&info, None) }.vk("vkCreateQueryPool")?;
        ctx.set_name(pool, "timestamps");
        Ok(Some(Self { ctx: ctx.clone(), pool, count }))
    }

    /// Raw ticks of the first `written` queries, masked to the valid bits. Call after the recorded
    /// work that wrote them completed.
    /// Resets every query from the host (`hostQueryReset`), for timestamps written on a queue that
    /// cannot reset them (a transfer queue). The caller makes sure no GPU work uses them.
    pub fn reset_on_host(&self) -> Result<(), GpuError> {
        if !self.ctx.host_query_reset {
            return Err(GpuError::Other("host query reset is not enabled on this device".into()));
        }
        // SAFETY: hostQueryReset is enabled; the pool is live and not in use (the caller's promise).
        unsafe { self.ctx.device.reset_query_pool(self.pool, 0, self.count) };
        Ok(())
    }

    pub fn ticks(&self, written: u32) -> Result<Vec<u64>, GpuError> {
        let written = written.min(self.count);
        let mut out = vec![0u64; written as usize];
        // SAFETY: the pool has at least `written` queries, all written by completed work (the caller waited).
        unsafe { self.ctx.device.get_query_pool_results(self.pool, 0, &mut out, vk::QueryResultFlags::TYPE_64) }
            .vk("vkGetQueryPoolResults")?;
        let bits = self.ctx.timestamp_valid_bits;
        let mask = if bits >= 64 { u64::MAX } else { (1u64 << bits) - 1 };
        Ok(out.into_iter().map(|t| t & mask).collect())
    }

    /// Milliseconds between two query indices' timestamps.
    pub fn elapsed_ms(&self, ticks: &[u64], start: u32, end: u32) -> f64 {
        let bits = self.ctx.timestamp_valid_bits;
        let mask = if bits >= 64 { u64::MAX } else { (1u64 << bits) - 1 };
        let delta = ticks[end as usize].wrapping_sub(ticks[start as usize]) & mask;
        delta as f64 * self.ctx.timestamp_period / 1.0e6
    }
}

impl Drop for TimestampQueries {
    fn drop(&mut self) {
        // SAFETY: no pending work uses the pool.
        unsafe { self.ctx.device.destroy_query_pool(self.pool, None) };
    }
}
