//! The frame pipeline with several frames in flight: every result belongs to its own frame (index,
//! host frame, stats, vectors, planes), whatever the interleaving of submits and collects; the
//! driver's start window gives frame n its real predecessor; timings name the passes that ran.

use crate::common;

use common::{assert_no_validation_messages, gpu, textured};
use vidscope::passes::{DriveOptions, FrameDriver, FrameInput, FramePipeline, PassSelection, PipelineConfig};
use vidscope::reference::{block_stats, diff, motion_search, BlockGrid, BlockSize, SearchRange};
use vidscope::video::LumaFrame;

const W: u32 = 48;
const H: u32 = 40;

/// Frame t: a texture moved by (t, t/2), so consecutive frames differ and have known motion.
fn frame(t: usize) -> Vec<u8> {
    textured(W, H, 100 + t as u64, (t as i64, t as i64 / 2))
}

fn pipeline(k: usize) -> (std::sync::Arc<vidscope::gpu::GpuContext>, FramePipeline) {
    pipeline_with(k, None)
}

/// `device_local`: where the result buffers live (`None`: the device's default; lavapipe keeps
/// them host-visible, so `Some(true)` is how the GPU path with mirror copies is tested here).
fn pipeline_with(k: usize, device_local: Option<bool>) -> (std::sync::Arc<vidscope::gpu::GpuContext>, FramePipeline) {
    let ctx = gpu();
    let config = PipelineConfig {
        frames_in_flight: k,
        planes: vec!["diff", "residual"],
        device_local_outputs: device_local,
        ..PipelineConfig::new(BlockGrid::new(W, H, 8), PassSelection::ALL)
    };
    let mut p = FramePipeline::new(&ctx, config).expect("pipeline");
    p.set_range(SearchRange::new(3).unwrap());
    (ctx, p)
}

/// Checks that `r` holds exactly frame t's results (against frame t − 1, or itself for t = 0).
fn assert_results_of_frame(r: &vidscope::passes::FrameResults, t: usize) {
    let grid = BlockGrid::new(W, H, 8);
    let cur = frame(t);
    let prev = if t == 0 { cur.clone() } else { frame(t - 1) };
    assert_eq!(r.index, t);
    assert_eq!(r.frame(0).map(|f| &f.data), Some(&cur), "frame {t}: the host frame handed back is its own");
    assert_eq!(r.first_of_sequence, t == 0);
    assert_eq!(r.stats().unwrap(), block_stats(&cur, &prev, &grid), "frame {t}: stats");
    let vectors = motion_search(&cur, &prev, &grid, 3);
    let motion = r.motion().unwrap();
    assert_eq!(motion, vectors, "frame {t}: vectors");
    assert_eq!(r.plane("diff").unwrap(), &diff(&cur, &prev)[..], "frame {t}: diff plane");
    assert!(r.plane("residual").is_some());
    let ran: Vec<&str> = r.timings.passes.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        ran,
        ["diff_stats", "motion", "warp", "residual"],
        "timings name each pass that ran, in order (diff and stats fused)"
    );
}

fn submit(p: &mut FramePipeline, t: usize) {
    p.submit(FrameInput::host(LumaFrame::gray(t, W, H, frame(t)))).expect("submit");
}

#[test]
fn results_of_frame_t_are_frame_ts_with_three_frames_in_flight() {
    let (ctx, mut p) = pipeline(3);
    let frames = 12;
    let mut next_submit = 0;
    let mut collected = 0;
    // Fill the pipeline, then alternate: one collect, one submit (the steady state of a driver).
    while collected < frames {
        while p.can_submit() && next_submit < frames {
            submit(&mut p, next_submit);
            next_submit += 1;
        }
        assert!(p.in_flight() <= 3, "never more than K in flight");
        let r = p.collect().unwrap().expect("a frame in flight");
        assert_results_of_frame(&r, collected);
        // The held frame's images stay valid while later frames run.
        assert_eq!(p.held().map(|h| h.index), Some(collected));
        collected += 1;
    }
    assert!(p.collect().unwrap().is_none(), "nothing left in flight");
    assert!(p.submit(FrameInput::host(LumaFrame::gray(0, W, H + 1, vec![0; (W * (H + 1)) as usize]))).is_err());
    assert_no_validation_messages(&ctx);
}

#[test]
fn submitting_beyond_k_is_refused_and_collect_order_is_submit_order() {
    let (ctx, mut p) = pipeline(2);
    submit(&mut p, 0);
    submit(&mut p, 1);
    assert!(!p.can_submit());
    assert!(
        p.submit(FrameInput::host(LumaFrame::gray(2, W, H, frame(2)))).is_err(),
        "a third frame waits for a collect"
    );
    // Poll without blocking until the oldest is done: it must be frame 0, never frame 1.
    let first = loop {
        if let Some(r) = p.try_collect().unwrap() {
            break r;
        }
    };
    assert_results_of_frame(&first, 0);
    submit(&mut p, 2);
    assert_results_of_frame(&p.collect().unwrap().unwrap(), 1);
    assert_results_of_frame(&p.collect().unwrap().unwrap(), 2);
    assert_no_validation_messages(&ctx);
}

#[test]
fn synchronous_and_pipelined_runs_give_identical_results() {
    let (ctx, mut sync) = pipeline(1);
    let (_, mut piped) = pipeline(3);
    let mut a = Vec::new();
    for t in 0..6 {
        submit(&mut sync, t);
        a.push(sync.collect().unwrap().unwrap());
    }
    let mut b = Vec::new();
    for t in 0..6 {
        if !piped.can_submit() {
            b.push(piped.collect().unwrap().unwrap());
        }
        submit(&mut piped, t);
    }
    while let Some(r) = piped.collect().unwrap() {
        b.push(r);
    }
    for (x, y) in a.iter().zip(&b) {
        assert_eq!((x.index, &x.buffers, &x.planes), (y.index, &y.buffers, &y.planes));
    }
    assert_eq!(b.len(), 6);
    assert_no_validation_messages(&ctx);
}

#[test]
fn device_local_result_buffers_are_copied_back_per_frame() {
    let (ctx, mut host) = pipeline_with(2, Some(false));
    let (_, mut device) = pipeline_with(2, Some(true));
    let symbols = PassSelection { symbols: true, ..PassSelection::ALL };
    host.set_selection(symbols).unwrap();
    device.set_selection(symbols).unwrap();
    let mut results = (Vec::new(), Vec::new());
    for t in 0..5 {
        for (p, out) in [(&mut host, &mut results.0), (&mut device, &mut results.1)] {
            if !p.can_submit() {
                out.push(p.collect().unwrap().unwrap());
            }
            submit(p, t);
        }
    }
    for (p, out) in [(&mut host, &mut results.0), (&mut device, &mut results.1)] {
        while let Some(r) = p.collect().unwrap() {
            out.push(r);
        }
    }
    assert_eq!(results.1.len(), 5);
    for (t, (a, b)) in results.0.iter().zip(&results.1).enumerate() {
        let (cur, prev) = (frame(t), frame(t.saturating_sub(1)));
        let grid = BlockGrid::new(W, H, 8);
        assert_eq!(b.index, t);
        assert_eq!(b.stats().unwrap(), block_stats(&cur, &prev, &grid), "frame {t}: stats");
        assert_eq!(b.motion().unwrap(), motion_search(&cur, &prev, &grid, 3), "frame {t}: vectors");
        assert!(b.buffers.contains_key("symbols"), "frame {t}: symbols read back");
        assert_eq!((a.index, &a.buffers, &a.planes), (b.index, &b.buffers, &b.planes), "frame {t}");
    }
    assert_no_validation_messages(&ctx);
}

#[test]
fn driver_start_gives_frame_n_its_real_predecessor_and_seek_restarts_exactly() {
    let ctx = gpu();
    let input = "synthetic:64x48".to_string();
    let opts = |start| DriveOptions {
        start,
        max_frames: Some(10),
        ..DriveOptions::new(BlockSize::new(16).unwrap(), PassSelection::ZERO_MOTION)
    };
    let mut all = FrameDriver::open(&ctx, std::slice::from_ref(&input), opts(0)).unwrap();
    let mut from_zero = Vec::new();
    while let Some(r) = all.next(true).unwrap() {
        from_zero.push((r.index, r.stats().unwrap()));
    }
    assert_eq!(from_zero.iter().map(|(i, _)| *i).collect::<Vec<_>>(), (0..10).collect::<Vec<_>>());
    assert_eq!(all.frames_decoded(), 10);

    let mut from_six = FrameDriver::open(&ctx, std::slice::from_ref(&input), opts(6)).unwrap();
    let first = from_six.next(true).unwrap().expect("frame 6");
    assert_eq!(first.index, 6, "frames before the start are not handed out");
    assert!(!first.first_of_sequence, "frame 6 is compared with frame 5, not with itself");
    assert_eq!(first.stats().unwrap(), from_zero[6].1);

    from_six.seek(3).unwrap();
    let again = from_six.next(true).unwrap().expect("frame 3");
    assert_eq!((again.index, again.stats().unwrap()), (3, from_zero[3].1.clone()));
    assert_no_validation_messages(&ctx);
}

/// Every result of a driver over `inputs` with these options, in order.
fn drive_all(
    ctx: &std::sync::Arc<vidscope::gpu::GpuContext>,
    inputs: &[String],
    opts: DriveOptions,
) -> Vec<vidscope::passes::FrameResults> {
    let mut driver = FrameDriver::open(ctx, inputs, opts).unwrap();
    let mut out = Vec::new();
    while let Some(r) = driver.next(true).unwrap() {
        out.push(r);
    }
    out
}

#[test]
fn staged_decoding_and_transfers_beside_compute_change_no_result() {
    let ctx = gpu();
    let dir = tempfile::tempdir().unwrap();
    // A .y4m (read straight into the staging buffers) and its reference, at an odd size.
    let (w, h) = (37u32, 21u32);
    let y4m = |name: &str, seed: u64| {
        let path = dir.path().join(name);
        let frames = (0..7).map(|t| textured(w, h, seed + t, (t as i64, 1)));
        crate::common::y4m::Y4m::yuv420(w, h).write(&path, frames);
        path.display().to_string()
    };
    let inputs = [y4m("a.y4m", 1), y4m("b.y4m", 50)];
    let selection = PassSelection { symbols: true, compare: true, ..PassSelection::ALL };
    let base = DriveOptions {
        offsets: vec![1],
        max_frames: Some(6),
        planes: vec!["diff", "ab_signed"],
        ..DriveOptions::new(BlockSize::new(8).unwrap(), selection)
    };
    let host = drive_all(&ctx, &inputs, base.clone());
    let staged = drive_all(&ctx, &inputs, DriveOptions { staged: true, overlap_transfers: true, ..base.clone() });
    assert_eq!(host.len(), 6);
    assert_eq!(staged.len(), 6);
    for (a, b) in host.iter().zip(&staged) {
        assert_eq!((a.index, &a.buffers, &a.planes), (b.index, &b.buffers, &b.planes), "frame {}", a.index);
        let (fa, fb) = (a.frame(0).unwrap(), b.frame(0).unwrap());
        assert_eq!((fa.index, fa.width, fa.height), (fb.index, fb.width, fb.height));
        assert!(fb.data.is_empty() && fb.chroma.is_none(), "staged frames carry no pixels");
        assert_eq!(b.timings.passes.len(), a.timings.passes.len());
    }
    assert!(host[0].buffers.contains_key("symbols") && host[0].buffers.contains_key("ssim"));
    assert_no_validation_messages(&ctx);
}

#[test]
fn only_the_buffers_asked_for_are_read_back_and_lent_buffers_are_used_again() {
    let ctx = gpu();
    let input = vec!["synthetic:40x24".to_string()];
    let base =
        DriveOptions { max_frames: Some(8), ..DriveOptions::new(BlockSize::new(8).unwrap(), PassSelection::ANALYZE) };
    let all = drive_all(&ctx, &input, base.clone());
    let some = drive_all(&ctx, &input, DriveOptions { readback: Some(vec!["vectors"]), ..base.clone() });
    for (a, b) in all.iter().zip(&some) {
        assert_eq!(b.buffers.keys().copied().collect::<Vec<_>>(), ["vectors"], "frame {}", b.index);
        assert_eq!(a.buffers["vectors"], b.buffers["vectors"]);
        assert!(b.stats().is_none() && b.symbols().is_none());
    }
    assert_eq!(
        all[3].buffers.keys().copied().collect::<Vec<_>>(),
        ["mc_stats", "motion_cost", "stats", "symbols", "vectors"]
    );

    // Result buffers in device memory: each frame's copy lands in a lent host-visible buffer that
    // goes back to the pipeline when the results are dropped; kept results keep their bytes.
    let (_, mut p) = pipeline_with(2, Some(true));
    let mut kept = Vec::new();
    for t in 0..9 {
        if !p.can_submit() {
            let r = p.collect().unwrap().unwrap();
            if r.index % 3 == 0 {
                kept.push(r); // held on to
            } // others dropped: their buffers are used again
        }
        submit(&mut p, t);
    }
    while let Some(r) = p.collect().unwrap() {
        kept.push(r);
    }
    let indices: Vec<usize> = kept.iter().map(|r| r.index).collect();
    assert_eq!(indices, [0, 3, 6, 7, 8]);
    for r in &kept {
        assert_results_of_frame(r, r.index);
    }
    assert_no_validation_messages(&ctx);
}

/// Contexts made and dropped on one thread while another names objects (each buffer is named for
/// the validation layer): the Vulkan loader keeps one process-wide list of instances, drivers and
/// devices, and loader 1.4 (Debian 13) walked it for vkSetDebugUtilsObjectNameEXT while another
/// thread's vkEnumeratePhysicalDevices unloaded drivers from it (a SIGSEGV in libvulkan that
/// killed whole test binaries now and then). `GpuContext` serialises the two.
#[test]
fn contexts_made_and_dropped_while_another_thread_names_objects() {
    use vidscope::gpu::{BufferKind, GpuBuffer};
    let ctx = gpu();
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let namer = s.spawn(|| {
            let mut named = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let name = format!("named while contexts come and go {named}");
                drop(GpuBuffer::new(&ctx, &name, 256, BufferKind::Upload).expect("buffer"));
                named += 1;
            }
            named
        });
        for _ in 0..30 {
            drop(gpu());
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let named = namer.join().expect("the naming thread");
        assert!(named > 0, "no object was named while the contexts were made");
    });
    assert_no_validation_messages(&ctx);
}

/// `bench --json` reports every registered pass under its registry name (`null` when it did not run),
/// so a new pass shows up there with no edit to bench; the passes that ran have timings.
#[test]
fn bench_json_lists_every_registered_pass_by_its_registry_name() {
    let names: Vec<&str> = vidscope::passes::PASSES.iter().map(|d| d.name).collect();
    let bench = |extra: &[&str]| -> serde_json::Value {
        let o = crate::common::vidscope_cmd()
            .args(["bench", "synthetic:64x48", "--frames", "3", "--json"])
            .args(extra)
            .output()
            .expect("run vidscope bench");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).expect("bench JSON")
    };
    let r = bench(&["--passes", "diff,motion", "--ref", "synthetic:64x48"]);
    let gpu_ms = r["gpu_ms"].as_object().expect("gpu_ms");
    let mut want: Vec<&str> = ["upload", "readback"].into_iter().chain(names.iter().copied()).collect();
    let mut keys: Vec<&str> = gpu_ms.keys().map(String::as_str).collect();
    want.sort();
    keys.sort();
    assert_eq!(keys, want);
    let ran = |k: &str| !gpu_ms[k].is_null();
    for k in ["diff", "motion", "warp", "residual", "ab_diff", "ab_signed", "ab_stats", "ssim"] {
        assert!(ran(k), "{k} ran: {}", r["gpu_ms"]);
    }
    for k in ["stats", "diff_stats", "symbols"] {
        assert!(!ran(k), "{k} did not run: {}", r["gpu_ms"]);
    }
    // Fused diff + stats: `diff` carries the fused time, `stats` is 0 (the keys readers had).
    let r = bench(&["--passes", "diff,stats"]);
    assert!(!r["gpu_ms"]["diff_stats"].is_null() && !r["gpu_ms"]["diff"].is_null(), "{}", r["gpu_ms"]);
    assert_eq!(r["gpu_ms"]["stats"]["median"], 0.0);
}
