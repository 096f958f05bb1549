//! The headless drivers (`analyze`, `bench`, `record`) on the shared frame driver, and (re-exported)
//! the file formats they write.

mod analyze;
mod batch;
mod bench;
mod notices;
mod progress;
mod record;
mod writer;

pub use analyze::{own_names, run_analyze, AnalyzeOptions, AnalyzeSummary, DumpKinds, ExportSet};
pub use batch::{output_name, read_input_list, run_batch, BatchOptions, BatchSummary};
pub use bench::{run_bench, BenchOptions, BenchReport, TimingStats};
pub use progress::frame_progress;
pub use record::{record, RecordOptions};
pub use vidscope_core::formats::*;
