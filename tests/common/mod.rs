//! Shared test helpers: a GPU context with validation required, deterministic frames.
#![allow(dead_code)]

use std::sync::Arc;
use vidscope::gpu::{GpuContext, GpuOptions, ValidationMode};

/// A context on the default device with the validation layer on (fails if it is not installed).
/// Prints the device so a failure names the driver.
pub fn gpu() -> Arc<GpuContext> {
    let ctx = GpuContext::new(&GpuOptions { validation: ValidationMode::On, gpu: None })
        .unwrap_or_else(|e| panic!("no GPU context for tests: {e}"));
    eprintln!("GPU tests on: {}", ctx.describe());
    Arc::new(ctx)
}

/// Fails the test if the validation layer reported any warning or error.
pub fn assert_no_validation_messages(ctx: &GpuContext) {
    let messages = ctx.validation_log().messages();
    assert!(messages.is_empty(), "validation messages on {}:\n{}", ctx.describe(), messages.join("\n"));
}

/// xorshift64*: deterministic pseudo-random bytes without a dependency.
pub fn random_plane(len: usize, seed: u64) -> Vec<u8> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            (s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}
