//! The staging ring: host-visible upload buffers, each one frame's luma plane, lent to a decode
//! thread ([`crate::video::StagedDecodeThread`]) so the decoder (the `.y4m` reader: the file itself)
//! writes straight into the memory the GPU upload reads. A buffer travels decoder → driver →
//! pipeline slot and comes back to the ring when the frame's GPU work is done (its [`StagingBuffer`]
//! is dropped), so the ring's size bounds how far decoding runs ahead.

use crate::gpu::{BufferKind, GpuBuffer, GpuContext, GpuError};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;

/// One lent staging buffer; dropping it hands it back to its ring.
pub struct StagingBuffer {
    buffer: Option<GpuBuffer>,
    /// Bytes of the plane (the GPU buffer may be larger).
    len: usize,
    home: Sender<StagingBuffer>,
}

impl StagingBuffer {
    /// The GPU buffer the upload reads.
    pub fn buffer(&self) -> &GpuBuffer {
        self.buffer.as_ref().expect("a staging buffer holds its GPU buffer until it is dropped")
    }

    /// Bytes of the luma plane it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl AsMut<[u8]> for StagingBuffer {
    /// The mapped plane, for the decoder to write (never read: the memory may be write-combined).
    fn as_mut(&mut self) -> &mut [u8] {
        let len = self.len;
        match self.buffer.as_mut() {
            Some(b) => &mut b.bytes_mut()[..len],
            None => &mut [],
        }
    }
}

impl Drop for StagingBuffer {
    fn drop(&mut self) {
        let Some(buffer) = self.buffer.take() else {
            return;
        };
        let back = StagingBuffer { buffer: Some(buffer), len: self.len, home: self.home.clone() };
        if let Err(mpsc::SendError(mut back)) = self.home.send(back) {
            // The ring's decoder has stopped: free the buffer here (without sending it again).
            drop(back.buffer.take());
        }
    }
}

/// Makes `count` staging buffers of `len` bytes and returns the receiving end of the ring (what a
/// decode thread takes free buffers from). The buffers live until the receiver and every lent
/// buffer are gone.
pub fn staging_ring(
    ctx: &Arc<GpuContext>,
    label: &str,
    count: usize,
    len: usize,
) -> Result<Receiver<StagingBuffer>, GpuError> {
    // Unbounded: the channel never holds more than `count` buffers, and dropping the receiver
    // drops the buffers waiting in it (they hold senders to it, so a bounded channel would leak).
    let (home, free) = mpsc::channel();
    for i in 0..count {
        let buffer = GpuBuffer::new(ctx, &format!("{label} staging {i}"), len as u64, BufferKind::Upload)?;
        let staged = StagingBuffer { buffer: Some(buffer), len, home: home.clone() };
        if home.send(staged).is_err() {
            return Err(GpuError::Other("staging ring: cannot fill the ring".into()));
        }
    }
    Ok(free)
}
