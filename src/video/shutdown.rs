//! A process-wide stop request raised by SIGINT (Ctrl-C) or SIGTERM, for loops that poll it and then
//! finish cleanly (e.g. `Mp4Recorder::finish`, so the recording gets its trailer).
//!
//! The first signal only sets the flag. A second one, arriving while the flag is still set, ends the
//! process at once with the shell's status for that signal (130 for SIGINT, 143 for SIGTERM), so a
//! program that never polls can still be stopped; a fragmented recording keeps what it had written.
//! Uses `signal_hook::flag` (its handlers only store to an atomic, which is async-signal-safe).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use signal_hook::consts::{SIGINT, SIGTERM};

/// The flag shared by every [`Shutdown`] of this process; `None` until the first `install`.
static FLAG: Mutex<Option<Arc<AtomicBool>>> = Mutex::new(None);

/// A handle on the process's stop request; see the module documentation.
#[derive(Clone, Debug)]
pub struct Shutdown {
    flag: Arc<AtomicBool>,
}

impl Shutdown {
    /// Installs the SIGINT and SIGTERM handlers the first time it is called; later calls return a
    /// handle on the same flag without installing anything again.
    pub fn install() -> std::io::Result<Shutdown> {
        let mut installed = FLAG.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(flag) = installed.as_ref() {
            return Ok(Shutdown { flag: Arc::clone(flag) });
        }
        let flag = Arc::new(AtomicBool::new(false));
        for (signal, status) in [(SIGINT, 130), (SIGTERM, 143)] {
            // Registered first, so it sees the flag as the previous signal left it.
            signal_hook::flag::register_conditional_shutdown(signal, status, Arc::clone(&flag))?;
            signal_hook::flag::register(signal, Arc::clone(&flag))?;
        }
        *installed = Some(Arc::clone(&flag));
        Ok(Shutdown { flag })
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
