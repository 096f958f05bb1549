//! The decode thread: runs a [`FrameSource`] on its own thread and hands frames over a bounded queue.
//!
//! The thread (named `vidscope-decode`) decodes ahead by at most `capacity` frames, stops when the
//! stream ends, on the first error (which is delivered in order, after the frames before it), after
//! `max_frames` frames, or when the [`DecodeThread`] is dropped. Dropping joins the thread.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use super::{FrameSource, LumaFrame, StreamInfo, VideoError};

type Item = Result<LumaFrame, VideoError>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Running,
    /// The stream ended (or an error was delivered): `recv` returns `Ok(None)`.
    Done,
    /// The thread panicked or could not be started: `recv` returns `ThreadDied`.
    Died,
}

/// A [`FrameSource`] decoding on its own thread; see the module documentation.
pub struct DecodeThread {
    info: StreamInfo,
    rx: Option<Receiver<Item>>,
    handle: Option<JoinHandle<()>>,
    decode_nanos: Arc<AtomicU64>,
    state: State,
}

impl DecodeThread {
    /// Starts decoding `source` on a new thread, queueing at most `capacity` frames (0 = hand over
    /// each frame directly), and stopping after `max_frames` frames when given.
    pub fn spawn(mut source: Box<dyn FrameSource>, capacity: usize, max_frames: Option<usize>) -> Self {
        let info = source.info().clone();
        let (tx, rx) = mpsc::sync_channel::<Item>(capacity);
        let decode_nanos = Arc::new(AtomicU64::new(0));
        let nanos = Arc::clone(&decode_nanos);
        let spawned = std::thread::Builder::new()
            .name("vidscope-decode".into())
            .spawn(move || run(source.as_mut(), &tx, max_frames, &nanos));
        let (handle, state) = match spawned {
            Ok(handle) => (Some(handle), State::Running),
            Err(e) => {
                tracing::error!("{}: cannot start the decode thread: {e}", info.input);
                (None, State::Died)
            }
        };
        DecodeThread { info, rx: Some(rx), handle, decode_nanos, state }
    }

    /// The stream description (taken before the thread started).
    pub fn info(&self) -> &StreamInfo {
        &self.info
    }

    /// The next frame, blocking until it is decoded; `Ok(None)` at the end of the stream (or after
    /// `max_frames`). An error from the source is returned once, after which the stream has ended.
    pub fn recv(&mut self) -> Result<Option<LumaFrame>, VideoError> {
        match self.state {
            State::Done => return Ok(None),
            State::Died => return Err(self.died()),
            State::Running => {}
        }
        let received = match &self.rx {
            Some(rx) => rx.recv(),
            None => Err(mpsc::RecvError),
        };
        match received {
            Ok(Ok(frame)) => Ok(Some(frame)),
            Ok(Err(e)) => {
                self.state = State::Done;
                Err(e)
            }
            Err(mpsc::RecvError) => {
                // The sender is gone: the thread has finished, normally or by panicking.
                let panicked = match self.handle.take() {
                    Some(handle) => handle.join().is_err(),
                    None => true,
                };
                if panicked {
                    self.state = State::Died;
                    Err(self.died())
                } else {
                    self.state = State::Done;
                    Ok(None)
                }
            }
        }
    }

    /// Like `recv` without blocking: `Ok(None)` when no frame is ready yet; the end of the stream is
    /// `Ok(Some(None))`.
    pub fn try_recv(&mut self) -> Result<Option<Option<LumaFrame>>, VideoError> {
        if self.state != State::Running {
            return self.recv().map(Some);
        }
        let polled = match &self.rx {
            Some(rx) => rx.try_recv(),
            None => Err(mpsc::TryRecvError::Disconnected),
        };
        match polled {
            Ok(Ok(frame)) => Ok(Some(Some(frame))),
            Ok(Err(e)) => {
                self.state = State::Done;
                Err(e)
            }
            Err(mpsc::TryRecvError::Empty) => Ok(None),
            // The thread finished: `recv` joins it and tells an end from a panic.
            Err(mpsc::TryRecvError::Disconnected) => self.recv().map(Some),
        }
    }

    /// Total seconds the thread has spent inside [`FrameSource::next_frame`] so far (decode-only time,
    /// excluding time blocked on a full queue).
    pub fn decode_seconds(&self) -> f64 {
        self.decode_nanos.load(Ordering::Relaxed) as f64 * 1e-9
    }

    fn died(&self) -> VideoError {
        VideoError::ThreadDied { path: self.info.input.clone() }
    }
}

impl Drop for DecodeThread {
    fn drop(&mut self) {
        // Dropping the receiver makes a pending or future send fail, so the thread stops.
        self.rx = None;
        if let Some(handle) = self.handle.take() {
            // A panic was already reported by the panic hook; nothing more to do with it here.
            let _ = handle.join();
        }
    }
}

/// The thread body.
fn run(source: &mut dyn FrameSource, tx: &SyncSender<Item>, max_frames: Option<usize>, nanos: &AtomicU64) {
    let mut sent = 0usize;
    while max_frames.is_none_or(|max| sent < max) {
        let start = Instant::now();
        let result = source.next_frame();
        let elapsed = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        nanos.fetch_add(elapsed, Ordering::Relaxed);
        match result {
            Ok(Some(frame)) => {
                if tx.send(Ok(frame)).is_err() {
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
    use std::sync::atomic::AtomicUsize;

    /// A source that yields `n` frames, then an optional error or panic, counting frames produced.
    struct Scripted {
        info: StreamInfo,
        n: usize,
        produced: Arc<AtomicUsize>,
        then: Then,
    }

    #[derive(Clone, Copy)]
    enum Then {
        End,
        Error,
        Panic,
    }

    impl Scripted {
        fn boxed(n: usize, then: Then) -> (Box<dyn FrameSource>, Arc<AtomicUsize>) {
            let produced = Arc::new(AtomicUsize::new(0));
            let info = StreamInfo {
                input: "scripted".into(),
                width: 2,
                height: 1,
                frame_count: None,
                fps: 1.0,
                pixel_format: "gray".into(),
                bit_depth: 8,
                codec: "test".into(),
                colour: crate::ColourInfo::guessed(1),
                meta: Default::default(),
            };
            let src = Scripted { info, n, produced: Arc::clone(&produced), then };
            (Box::new(src), produced)
        }
    }

    impl FrameSource for Scripted {
        fn info(&self) -> &StreamInfo {
            &self.info
        }
        fn next_frame(&mut self) -> Result<Option<LumaFrame>, VideoError> {
            let i = self.produced.load(Ordering::SeqCst);
            if i < self.n {
                self.produced.store(i + 1, Ordering::SeqCst);
                return Ok(Some(LumaFrame::gray(i, 2, 1, vec![i as u8, 0])));
            }
            match self.then {
                Then::End => Ok(None),
                Then::Error => Err(VideoError::Corrupt { path: "scripted".into(), frame: i, reason: "test".into() }),
                Then::Panic => panic!("scripted panic (expected in this test)"),
            }
        }
    }

    #[test]
    fn delivers_all_frames_in_order_then_none() {
        let src = Box::new(SyntheticSource::parse("8x4").unwrap());
        let mut direct = SyntheticSource::parse("8x4").unwrap();
        let mut t = DecodeThread::spawn(src, 3, None);
        assert_eq!(t.info().width, 8);
        let mut n = 0;
        while let Some(f) = t.recv().unwrap() {
            assert_eq!(Some(f), direct.next_frame().unwrap());
            n += 1;
        }
        assert_eq!(n, 120);
        assert_eq!(t.recv().unwrap(), None);
        assert!(t.decode_seconds() > 0.0);
    }

    #[test]
    fn max_frames_and_rendezvous_capacity() {
        let (src, produced) = Scripted::boxed(50, Then::End);
        let mut t = DecodeThread::spawn(src, 0, Some(5));
        let mut n = 0;
        while t.recv().unwrap().is_some() {
            n += 1;
        }
        assert_eq!(n, 5);
        assert_eq!(produced.load(Ordering::SeqCst), 5);
    }

    #[test]
    fn queue_is_bounded_and_drop_stops_the_thread() {
        let (src, produced) = Scripted::boxed(1_000_000, Then::End);
        let mut t = DecodeThread::spawn(src, 2, None);
        assert!(t.recv().unwrap().is_some());
        std::thread::sleep(std::time::Duration::from_millis(100));
        // One received, two queued, one blocked in send: at most 4 produced.
        let p = produced.load(Ordering::SeqCst);
        assert!(p <= 4, "decoded {p} frames ahead of a queue of 2");
        drop(t); // joins; would hang if the thread did not stop
        assert!(produced.load(Ordering::SeqCst) <= 5);
    }

    #[test]
    fn error_is_delivered_after_the_frames() {
        let (src, _) = Scripted::boxed(3, Then::Error);
        let mut t = DecodeThread::spawn(src, 8, None);
        for _ in 0..3 {
            assert!(t.recv().unwrap().is_some());
        }
        assert!(matches!(t.recv(), Err(VideoError::Corrupt { frame: 3, .. })));
        assert_eq!(t.recv().unwrap(), None);
    }

    #[test]
    fn panic_becomes_thread_died() {
        let (src, _) = Scripted::boxed(2, Then::Panic);
        let mut t = DecodeThread::spawn(src, 8, None);
        assert!(t.recv().unwrap().is_some());
        assert!(t.recv().unwrap().is_some());
        let err = t.recv().unwrap_err();
        assert!(matches!(err, VideoError::ThreadDied { .. }), "{err:?}");
        assert!(err.to_string().contains("scripted"));
        assert!(matches!(t.recv(), Err(VideoError::ThreadDied { .. })));
    }
}
