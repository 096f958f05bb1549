//! Reads a `--flow` file's pairs on a thread of its own, one pair ahead: the frame driver asks for
//! pair p, gets it (read, quantised to 1/16 px and, for the viewer, its block medians), and the thread
//! starts on p + 1 meanwhile. A 1080p pair is 16 MB of float32, too slow to read in the driver's loop.

use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread::JoinHandle;
use vidscope_core::formats::{FlowFile, FlowFileError};
use vidscope_core::reference::dense_flow::{block_medians, FlowField};
use vidscope_core::reference::BlockGrid;

/// A pair's field and, when asked for, its block medians (1/16 px).
pub type FlowPair = (FlowField, Vec<(i32, i32)>);

pub struct FlowReader {
    name: String,
    pairs: u64,
    requests: Option<Sender<u64>>,
    replies: Receiver<(u64, Result<FlowPair, FlowFileError>)>,
    /// The pair the thread is reading now, if any.
    ahead: Option<u64>,
    thread: Option<JoinHandle<()>>,
}

impl FlowReader {
    /// Starts the thread on `file`; `medians` is the grid to take block medians on (`None`: none).
    pub fn spawn(file: FlowFile, medians: Option<BlockGrid>) -> Self {
        let (name, pairs) = (file.name().to_string(), file.pairs());
        let (requests, asked) = channel::<u64>();
        let (reply, replies) = channel();
        let thread = std::thread::Builder::new()
            .name("flow reader".into())
            .spawn(move || {
                for p in asked {
                    let pair = file.read_pair(p).map(|field| {
                        let m = medians.as_ref().map(|grid| block_medians(&field, grid)).unwrap_or_default();
                        (field, m)
                    });
                    if reply.send((p, pair)).is_err() {
                        break;
                    }
                }
            })
            .ok();
        Self { name, pairs, requests: Some(requests), replies, ahead: None, thread }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn pairs(&self) -> u64 {
        self.pairs
    }

    /// Pair `p`, waiting for the thread if it is still reading it (or something else first); then
    /// starts reading p + 1.
    pub fn pair(&mut self, p: u64) -> Result<FlowPair, FlowFileError> {
        let lost = || FlowFileError { path: self.name.clone(), problem: "the flow reader stopped".into() };
        if self.ahead != Some(p) {
            if self.ahead.take().is_some() {
                drop(self.replies.recv().map_err(|_| lost())?);
            }
            self.ask(p).ok_or_else(lost)?;
        }
        let (got, pair) = self.replies.recv().map_err(|_| lost())?;
        debug_assert_eq!(got, p, "replies come in the order asked");
        self.ahead = None;
        if p + 1 < self.pairs && self.ask(p + 1).is_some() {
            self.ahead = Some(p + 1);
        }
        pair
    }

    fn ask(&self, p: u64) -> Option<()> {
        self.requests.as_ref()?.send(p).ok()
    }
}

impl Drop for FlowReader {
    fn drop(&mut self) {
        // Closing the request channel ends the thread's loop.
        self.requests = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_come_back_in_any_order_asked() {
        let dir = tempfile::tempdir().unwrap();
        for p in 0..4 {
            let mut bytes = b"PIEH".to_vec();
            bytes.extend(2i32.to_le_bytes());
            bytes.extend(1i32.to_le_bytes());
            [p as f32, 0.0, 0.0, -(p as f32)].iter().for_each(|v| bytes.extend(v.to_le_bytes()));
            std::fs::write(dir.path().join(format!("f{p}.flo")), bytes).unwrap();
        }
        let spec = dir.path().join("f%d.flo").display().to_string();
        let mut reader = FlowReader::spawn(FlowFile::open(&spec).unwrap(), Some(BlockGrid::new(2, 1, 4)));
        for p in [0u64, 1, 3, 2, 2, 0] {
            let (field, medians) = reader.pair(p).unwrap();
            assert_eq!((field.at(0, 0), field.at(1, 0)), ((16 * p as i32, 0), (0, -16 * p as i32)), "pair {p}");
            assert_eq!(medians, vec![(0, -16 * p as i32)], "pair {p}: lower medians");
        }
        let err = reader.pair(4).unwrap_err().to_string();
        assert!(err.contains("holds 4 pairs"), "{err}");
    }
}
