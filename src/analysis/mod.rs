//! The headless drivers (`analyze`, `bench`, `record`) on the shared frame driver, and (re-exported)
//! the file formats they write.

mod analyze;
mod bench;
mod notices;
mod progress;
mod record;

pub use analyze::{run_analyze, AnalyzeOptions, AnalyzeSummary, DumpKinds};
pub use bench::{run_bench, BenchOptions, BenchReport, TimingStats};
pub use progress::frame_progress;
pub use record::{record, RecordOptions};
pub use vidscope_core::formats::*;
