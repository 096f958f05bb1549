//! The shown frame's Cb and Cr planes on the GPU, for colour display (raw and heatmap-over-raw).
//! The analysis passes never read them: they work on luma only, as DESIGN.md promises.

use crate::gpu::{BufferKind, GpuBuffer, GpuContext, GpuError, LumaImage, Recorder};
use crate::video::ChromaPlanes;
use std::sync::Arc;

/// Two r8ui images at the chroma resolution plus their upload buffer; remade when the size changes.
struct Planes {
    cb: LumaImage,
    cr: LumaImage,
    staging: GpuBuffer,
}

pub struct ChromaUpload {
    ctx: Arc<GpuContext>,
    rec: Recorder,
    planes: Option<Planes>,
    /// (shift_x, shift_y) of the uploaded frame; `None` when the last frame had no chroma.
    shifts: Option<(u32, u32)>,
}

impl ChromaUpload {
    pub fn new(ctx: &Arc<GpuContext>) -> Result<Self, GpuError> {
        Ok(Self { ctx: ctx.clone(), rec: Recorder::new(ctx, "chroma upload")?, planes: None, shifts: None })
    }

    /// Uploads `chroma` (or forgets the last planes for a gray frame) and waits for the copy. The
    /// caller must make sure no submitted work still reads the images.
    pub fn upload(&mut self, chroma: Option<&ChromaPlanes>) -> Result<(), GpuError> {
        let Some(chroma) = chroma else {
            self.shifts = None;
            return Ok(());
        };
        let (w, h) = (chroma.width, chroma.height);
        let len = w as usize * h as usize;
        if chroma.cb.len() != len || chroma.cr.len() != len {
            return Err(GpuError::Other(format!("chroma planes do not match their size {w}x{h}")));
        }
        let fits = self.planes.as_ref().is_some_and(|p| (p.cb.width, p.cb.height) == (w, h));
        self.rec.begin()?;
        if !fits {
            let planes = Planes {
                cb: LumaImage::new(&self.ctx, "chroma cb", w, h)?,
                cr: LumaImage::new(&self.ctx, "chroma cr", w, h)?,
                staging: GpuBuffer::new(&self.ctx, "chroma staging", 2 * len as u64, BufferKind::Upload)?,
            };
            self.rec.init_image(&planes.cb)?;
            self.rec.init_image(&planes.cr)?;
            self.planes = Some(planes);
        }
        let planes = self.planes.as_mut().ok_or_else(|| GpuError::Other("chroma planes missing".into()))?;
        let bytes = planes.staging.bytes_mut();
        bytes[..len].copy_from_slice(&chroma.cb);
        bytes[len..2 * len].copy_from_slice(&chroma.cr);
        self.rec.upload(&planes.staging, 0, &planes.cb)?;
        self.rec.upload(&planes.staging, len as u64, &planes.cr)?;
        self.rec.barrier()?;
        self.rec.submit_and_wait()?;
        self.shifts = Some((chroma.shift_x, chroma.shift_y));
        Ok(())
    }

    /// The uploaded (Cb, Cr) images and subsampling shifts, when the last frame had chroma.
    pub fn planes(&self) -> Option<(&LumaImage, &LumaImage, (u32, u32))> {
        match (&self.planes, self.shifts) {
            (Some(p), Some(shifts)) => Some((&p.cb, &p.cr, shifts)),
            _ => None,
        }
    }
}
