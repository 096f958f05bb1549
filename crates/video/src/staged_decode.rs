//! A decode thread that writes each frame's luma into a buffer it is lent, not into a new one: the
//! frame pipeline lends it mapped staging memory (a ring of upload buffers), so a `.y4m` frame goes
//! from the file to the memory the GPU upload reads with no copy on the way (`FrameSource::next_frame_into`).
//!
//! The thread (`vidscope-decode`) takes a free buffer from `free`, decodes into it and hands over
//! (frame, buffer). It decodes ahead only as far as free buffers allow, so the ring's size bounds
//! both memory and read-ahead; buffers come back to `free` when the consumer is done with them. It
//! stops at the end of the stream, on the first error (delivered after the frames before it), after
//! `max_frames`, when `free` is closed, or when this handle is dropped (which joins it).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{FrameSource, LumaFrame, StreamInfo, VideoError};

type Item<B> = Result<(LumaFrame, B), VideoError>;

/// How often a thread waiting for a free buffer checks whether it should stop.
const STOP_POLL: Duration = Duration::from_millis(20);

/// A [`FrameSource`] decoding into lent buffers on its own thread; see the module documentation.
pub struct StagedDecodeThread<B> {
    info: StreamInfo,
    rx: Option<Receiver<Item<B>>>,
    handle: Option<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
    decode_nanos: Arc<AtomicU64>,
    done: bool,
}

impl<B: AsMut<[u8]> + Send + 'static> StagedDecodeThread<B> {
    /// Starts decoding `source` into the buffers that arrive on `free` (each exactly one luma plane,
    /// `width * height` bytes), stopping after `max_frames` frames when given.
    pub fn spawn(
        mut source: Box<dyn FrameSource>,
        free: Receiver<B>,
        max_frames: Option<usize>,
    ) -> Result<Self, VideoError> {
        let info = source.info().clone();
        let (tx, rx) = mpsc::channel::<Item<B>>();
        let stop = Arc::new(AtomicBool::new(false));
        let decode_nanos = Arc::new(AtomicU64::new(0));
        let (nanos, stopping) = (Arc::clone(&decode_nanos), Arc::clone(&stop));
        let handle = std::thread::Builder::new()
            .name("vidscope-decode".into())
            .spawn(move || run(source.as_mut(), &free, &tx, max_frames, &nanos, &stopping))
            .map_err(|e| VideoError::Open {
                path: info.input.clone(),
                reason: format!("cannot start a thread: {e}"),
            })?;
        Ok(Self { info, rx: Some(rx), handle: Some(handle), stop, decode_nanos, done: false })
    }

    /// The stream description (taken before the thread started).
    pub fn info(&self) -> &StreamInfo {
        &self.info
    }

    /// The next frame and the buffer holding its luma, blocking until it is decoded; `Ok(None)` at the
    /// end of the stream (or after `max_frames`). An error is returned once, after which it has ended.
    pub fn recv(&mut self) -> Result<Option<(LumaFrame, B)>, VideoError> {
        if self.done {
            return Ok(None);
        }
        let received = match &self.rx {
            Some(rx) => rx.recv().ok(),
            None => None,
        };
        self.deliver(received)
    }

    /// Like `recv` without blocking: `Ok(None)` when no frame is ready yet; the end is `Ok(Some(None))`.
    pub fn try_recv(&mut self) -> Result<Option<Option<(LumaFrame, B)>>, VideoError> {
        if self.done {
            return Ok(Some(None));
        }
        let polled = match &self.rx {
            Some(rx) => rx.try_recv(),
            None => Err(mpsc::TryRecvError::Disconnected),
        };
        match polled {
            Ok(item) => self.deliver(Some(item)).map(Some),
            Err(mpsc::TryRecvError::Empty) => Ok(None),
            Err(mpsc::TryRecvError::Disconnected) => self.deliver(None).map(Some),
        }
    }

    /// `None`: the sender is gone, so the thread has finished (normally, or by panicking).
    fn deliver(&mut self, item: Option<Item<B>>) -> Result<Option<(LumaFrame, B)>, VideoError> {
        match item {
            Some(Ok(staged)) => Ok(Some(staged)),
            Some(Err(e)) => {
                self.done = true;
                Err(e)
            }
            None => {
                self.done = true;
                let panicked = self.handle.take().is_some_and(|h| h.join().is_err());
                if panicked {
                    return Err(VideoError::ThreadDied { path: self.info.input.clone() });
                }
                Ok(None)
            }
        }
    }

    /// Seconds the thread has spent inside `next_frame_into` so far (not waiting for a free buffer).
    pub fn decode_seconds(&self) -> f64 {
        self.decode_nanos.load(Ordering::Relaxed) as f64 * 1e-9
    }
}

impl<B> Drop for StagedDecodeThread<B> {
    fn drop(&mut self) {
        // A thread waiting for a free buffer sees the flag within STOP_POLL; one decoding sees the
        // closed channel when it hands its frame over.
        self.stop.store(true, Ordering::SeqCst);
        self.rx = None;
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

/// The thread body.
fn run<B: AsMut<[u8]>>(
    source: &mut dyn FrameSource,
    free: &Receiver<B>,
    tx: &Sender<Item<B>>,
    max_frames: Option<usize>,
    nanos: &AtomicU64,
    stop: &AtomicBool,
) {
    let mut sent = 0usize;
    while max_frames.is_none_or(|max| sent < max) {
        let mut buffer = loop {
            if stop.load(Ordering::SeqCst) {
                return;
            }
            match free.recv_timeout(STOP_POLL) {
                Ok(buffer) => break buffer,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
        };
        let start = Instant::now();
        let result = source.next_frame_into(buffer.as_mut());
        nanos.fetch_add(u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX), Ordering::Relaxed);
        match result {
            Ok(Some(frame)) => {
                if tx.send(Ok((frame, buffer))).is_err() {
                    return; // receiver dropped
                }
                sent += 1;
            }
            Ok(None) => return,
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SyntheticSource;

    /// A ring of `n` plain buffers of `len` bytes: the sender returns them, the receiver lends them.
    fn ring(n: usize, len: usize) -> (Sender<Vec<u8>>, Receiver<Vec<u8>>) {
        let (tx, rx) = mpsc::channel();
        for _ in 0..n {
            tx.send(vec![0u8; len]).unwrap();
        }
        (tx, rx)
    }

    #[test]
    fn frames_in_lent_buffers_equal_next_frame() {
        let (back, free) = ring(3, 8 * 4);
        let mut staged =
            StagedDecodeThread::spawn(Box::new(SyntheticSource::parse("8x4/10").unwrap()), free, None).unwrap();
        let mut direct = SyntheticSource::parse("8x4/10").unwrap();
        let mut n = 0;
        while let Some((frame, buffer)) = staged.recv().unwrap() {
            let want = direct.next_frame().unwrap().unwrap();
            assert_eq!((frame.index, frame.width, frame.height), (want.index, want.width, want.height));
            assert!(frame.data.is_empty(), "the pixels are in the lent buffer");
            assert_eq!(buffer, want.data, "frame {n}");
            let _ = back.send(buffer); // fails once the thread has ended
            n += 1;
        }
        assert_eq!(n, 10);
        assert_eq!(staged.recv().unwrap(), None);
    }

    #[test]
    fn read_ahead_is_bounded_by_the_ring_and_drop_stops_a_waiting_thread() {
        let (_back, free) = ring(2, 8 * 4);
        let mut staged =
            StagedDecodeThread::spawn(Box::new(SyntheticSource::parse("8x4/1000").unwrap()), free, None).unwrap();
        // Two buffers, none returned: exactly two frames, then the thread waits for a free buffer.
        assert!(staged.recv().unwrap().is_some());
        assert!(staged.recv().unwrap().is_some());
        std::thread::sleep(Duration::from_millis(50));
        assert!(matches!(staged.try_recv(), Ok(None)), "no third frame without a free buffer");
        drop(staged); // joins; would hang if the waiting thread did not stop
    }

    #[test]
    fn max_frames_and_a_wrong_buffer_size() {
        let (back, free) = ring(2, 8 * 4);
        let mut staged =
            StagedDecodeThread::spawn(Box::new(SyntheticSource::parse("8x4").unwrap()), free, Some(3)).unwrap();
        let mut n = 0;
        while let Some((_, buffer)) = staged.recv().unwrap() {
            let _ = back.send(buffer); // fails once the thread has ended
            n += 1;
        }
        assert_eq!(n, 3);
        let (_back, free) = ring(1, 5);
        let mut staged =
            StagedDecodeThread::spawn(Box::new(SyntheticSource::parse("8x4").unwrap()), free, None).unwrap();
        let err = staged.recv().unwrap_err();
        assert!(err.to_string().contains("luma"), "{err}");
        assert_eq!(staged.recv().unwrap(), None);
    }
}
