//! Which motion drives the viewer's prediction (`--motion`, and the N key): the exact search, a
//! learner's dense flow (`--flow`) or warp parameters (`--warp-params`), or the codec's own vectors. The inputs are kept here, so a
//! new grid (block size) re-attaches them, and so are the shown frame's flow block medians, which the
//! arrows and the flow view draw when the flow drives.

use crate::formats::WarpParamsFile;
use crate::gpu::{BufferKind, GpuBuffer, GpuContext, GpuError};
use crate::passes::{FlowSource, FrameDriver, MotionInputs, MotionSource};
use crate::reference::BlockGrid;
use std::sync::Arc;

pub struct MotionSources {
    inputs: MotionInputs,
    /// The input's decoder can export motion vectors (`video::without_codec_vectors` says no reason not).
    codec_possible: bool,
    source: MotionSource,
    warp: Option<WarpParamsFile>,
    /// The shown frame's flow block medians (1/16 px), empty when it had no flow.
    pub flow_medians: Vec<(i32, i32)>,
    /// The same on the GPU, (u, v, 0, 0) per block: what the flow view reads.
    flow_buffer: GpuBuffer,
}

impl MotionSources {
    pub fn new(ctx: &Arc<GpuContext>, grid: &BlockGrid) -> Result<Self, GpuError> {
        Ok(Self {
            inputs: MotionInputs::default(),
            codec_possible: false,
            source: MotionSource::Search,
            warp: None,
            flow_medians: Vec::new(),
            flow_buffer: Self::new_flow_buffer(ctx, grid)?,
        })
    }

    fn new_flow_buffer(ctx: &Arc<GpuContext>, grid: &BlockGrid) -> Result<GpuBuffer, GpuError> {
        GpuBuffer::new(ctx, "flow block medians", grid.len() as u64 * 16, BufferKind::Upload)
    }

    /// A new grid: the medians' buffer is remade, and the warp parameters (per grid) wait for the
    /// caller to reload them (`set_warp`); the source stays.
    pub fn regrid(&mut self, ctx: &Arc<GpuContext>, grid: &BlockGrid) -> Result<(), GpuError> {
        self.flow_medians.clear();
        self.warp = None;
        self.flow_buffer = Self::new_flow_buffer(ctx, grid)?;
        Ok(())
    }

    /// The motion inputs (`--flow`, `--motion`) of `input`; the source follows `--motion`, else the file
    /// given.
    pub fn set_inputs(&mut self, input: &str, inputs: MotionInputs) -> anyhow::Result<()> {
        let source = inputs.source(self.warp.is_some()).map_err(anyhow::Error::msg)?;
        let not_codec = crate::video::without_codec_vectors(input);
        if let (MotionSource::Codec, Some(what)) = (source, not_codec) {
            anyhow::bail!("--motion codec: {input} is {what}, whose decoder has no motion vectors");
        }
        (self.source, self.inputs, self.codec_possible) = (source, inputs, not_codec.is_none());
        Ok(())
    }

    /// The learner's warp parameters for the current grid (or none). Loaded before any `--motion`
    /// choice, they drive the prediction (today's `--warp-params`).
    pub fn set_warp(&mut self, warp: Option<WarpParamsFile>) {
        match (&warp, self.inputs.choice) {
            (None, _) if self.source == MotionSource::Params => self.source = MotionSource::Search,
            (Some(_), None) if self.inputs.flow.is_none() => self.source = MotionSource::Params,
            _ => {}
        }
        self.warp = warp;
    }

    pub fn source(&self) -> MotionSource {
        self.source
    }

    /// The warp parameters, when they drive the prediction.
    pub fn driving_warp(&self) -> Option<&WarpParamsFile> {
        self.warp.as_ref().filter(|_| self.source == MotionSource::Params)
    }

    /// The `--flow` file or pattern, when one was given.
    pub fn flow_name(&self) -> Option<&str> {
        self.inputs.flow.as_deref()
    }

    /// The sources there is something for: the search always, the flow and the params when given, the
    /// codec's vectors when the input's decoder has them.
    pub fn available(&self) -> Vec<MotionSource> {
        let has = |s: MotionSource| match s {
            MotionSource::Search => true,
            MotionSource::Flow => self.inputs.flow.is_some(),
            MotionSource::Params => self.warp.is_some(),
            MotionSource::Codec => self.codec_possible,
        };
        MotionSource::ALL.into_iter().filter(|&s| has(s)).collect()
    }

    /// Drives the prediction from `source`, when it is available.
    pub fn choose(&mut self, source: MotionSource) -> anyhow::Result<()> {
        anyhow::ensure!(self.available().contains(&source), "motion source {source}: not given (see --motion)");
        self.source = source;
        Ok(())
    }

    /// The next available source after the current one (the O key).
    pub fn next(&self) -> MotionSource {
        let available = self.available();
        let at = available.iter().position(|&s| s == self.source).unwrap_or(0);
        available[(at + 1) % available.len()]
    }

    /// Hands the driver what the source needs: the warp parameters when they drive, and the flow
    /// (attached once per driver, with its block medians, frames past its pairs going without;
    /// driving when it is the source).
    pub fn apply(&self, driver: &mut FrameDriver) -> anyhow::Result<()> {
        driver.set_warp(self.driving_warp().cloned());
        driver.set_codec_drives(self.source == MotionSource::Codec);
        if let (None, Some(spec)) = (driver.flow(), &self.inputs.flow) {
            let flow = FlowSource::open(spec, driver.info(), Some(driver.pipeline().grid()), false, true)?;
            driver.set_flow(Some(flow))?;
        }
        if let Some(flow) = driver.flow_mut() {
            flow.drives = self.source == MotionSource::Flow;
        }
        Ok(())
    }

    /// Keeps the shown frame's flow medians, on the host and in the flow view's buffer.
    pub fn take(&mut self, medians: &[(i32, i32)]) {
        self.flow_medians = medians.to_vec();
        let bytes = self.flow_buffer.bytes_mut();
        for (record, &(u, v)) in bytes.chunks_exact_mut(16).zip(medians) {
            record[..4].copy_from_slice(&u.to_le_bytes());
            record[4..8].copy_from_slice(&v.to_le_bytes());
        }
    }

    /// The flow view's vectors when the flow drives and the shown frame has them: (buffer, 16 units per px).
    pub fn flow_view_vectors(&self) -> Option<&GpuBuffer> {
        (self.source == MotionSource::Flow && !self.flow_medians.is_empty()).then_some(&self.flow_buffer)
    }
}
