//! A process-wide stop request raised by SIGINT (Ctrl-C) or SIGTERM, for loops that poll it and then
//! finish cleanly (e.g. `Mp4Recorder::finish`, so the recording gets its trailer).
//!
//! The first signal only sets the flag. A second one, arriving while the flag is still set, ends the
//! process at once with the shell's status for that signal (130 for SIGINT, 143 for SIGTERM), so a
//! program that never polls can still be stopped; a fragmented recording keeps what it had written.
//! Uses `signal_hook::flag` (its handlers only store to an atomic, which is async-signal-safe).
//!
//! A run that cannot finish cleanly (`analyze`: a half-written output is worth nothing) returns
//! [`Interrupted`] instead, after removing what it wrote; `main` exits with the same 130 / 143.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use signal_hook::consts::{SIGINT, SIGTERM};

/// The flag shared by every [`Shutdown`] of this process, and the number of the last signal that
/// set it; `None` until the first `install`.
static FLAG: Mutex<Option<(Arc<AtomicBool>, Arc<AtomicUsize>)>> = Mutex::new(None);

/// A handle on the process's stop request; see the module documentation.
#[derive(Clone, Debug)]
pub struct Shutdown {
    flag: Arc<AtomicBool>,
    signal: Arc<AtomicUsize>,
}

/// A run stopped by SIGINT or SIGTERM before it finished: one line, and the shell's exit status.
#[derive(Debug, thiserror::Error)]
#[error("{what}: interrupted by {}; {cleanup}", signal_name(*.signal))]
pub struct Interrupted {
    pub signal: i32,
    /// What was running, e.g. the output folder.
    pub what: String,
    /// What was done about it, e.g. "the unfinished output was removed".
    pub cleanup: String,
}

impl Interrupted {
    /// 128 + the signal, as a shell reports a process killed by it (130 for SIGINT, 143 for SIGTERM).
    pub fn exit_status(&self) -> u8 {
        u8::try_from(128 + self.signal).unwrap_or(130)
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}

impl Shutdown {
    /// Installs the SIGINT and SIGTERM handlers the first time it is called; later calls return a
    /// handle on the same flag without installing anything again.
    pub fn install() -> std::io::Result<Shutdown> {
        let mut installed = FLAG.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((flag, signal)) = installed.as_ref() {
            return Ok(Shutdown { flag: Arc::clone(flag), signal: Arc::clone(signal) });
        }
        let flag = Arc::new(AtomicBool::new(false));
        let last = Arc::new(AtomicUsize::new(0));
        for (signal, status) in [(SIGINT, 130), (SIGTERM, 143)] {
            // Registered first, so it sees the flag as the previous signal left it.
            signal_hook::flag::register_conditional_shutdown(signal, status, Arc::clone(&flag))?;
            signal_hook::flag::register_usize(signal, Arc::clone(&last), signal as usize)?;
            signal_hook::flag::register(signal, Arc::clone(&flag))?;
        }
        *installed = Some((Arc::clone(&flag), Arc::clone(&last)));
        Ok(Shutdown { flag, signal: last })
    }

    /// `Err(Interrupted)` once a signal has arrived, for a run that stops there.
    pub fn check(&self, what: &str, cleanup: &str) -> Result<(), Interrupted> {
        if !self.requested() {
            return Ok(());
        }
        let (what, cleanup) = (what.to_string(), cleanup.to_string());
        let signal = i32::try_from(self.signal.load(Ordering::SeqCst)).unwrap_or(SIGINT);
        Err(Interrupted { signal: if signal == 0 { SIGINT } else { signal }, what, cleanup })
    }

    /// Whether SIGINT or SIGTERM has arrived since `install`.
    pub fn requested(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// The underlying flag, e.g. to hand to a thread.
    pub fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.flag)
    }
}
