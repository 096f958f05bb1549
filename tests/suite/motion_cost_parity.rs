//! The motion costs (best, zero-vector and second-best SAD per block), an output of the motion pass,
//! against their CPU reference, bit for bit, on lavapipe with validation on, through the frame graph
//! (there: the motion_cost kernel after the search; the search kernel's own gathering is held to the
//! reference for every plan in kernel_paths_parity); and what the motion pass's descriptor makes of
//! them: analyze's `motion_cost.npy` and the viewer's `mc-gain` and `confidence` metrics, timed as
//! part of the motion pass.

use crate::common;

use common::{assert_no_validation_messages, gpu, random_plane, run_pair, textured, vidscope, CLIP};
use vidscope::passes::motion_cost::{MotionCostKernel, STAGED_ENV};
use vidscope::passes::{FrameGraph, PassSelection};
use vidscope::reference::motion_search::motion_costs;
use vidscope::reference::{motion_search, BlockGrid};

#[test]
fn motion_costs_match_the_reference_bit_exact() {
    let ctx = gpu();
    // lavapipe takes the CPU path (image loads); the variable forces the GPU path
    // (shared memory, 64 threads) so both are held to the reference. (Another test making the pass
    // meanwhile may take the GPU path too: as exact, only slower.)
    for staged in [false, true] {
        if staged {
            std::env::set_var(STAGED_ENV, "1");
        }
        costs_match_the_reference(&ctx);
        std::env::remove_var(STAGED_ENV);
    }
    assert_no_validation_messages(&ctx);
}

fn costs_match_the_reference(ctx: &std::sync::Arc<vidscope::gpu::GpuContext>) {
    let cases: &[(u32, u32, u32, u32)] = &[
        // (w, h, block, range): odd sizes and edge blocks; R = 0 (no second best), shared-memory
        // windows (b + 2R squared <= 4096) and direct image reads (larger).
        (1, 1, 8, 1),
        (17, 9, 8, 0),
        (17, 9, 8, 3),
        (61, 37, 16, 16),
        (45, 33, 32, 16),
        (70, 50, 16, 40),
        (130, 67, 64, 4),
        (130, 67, 64, 16),
    ];
    for &(w, h, b, r) in cases {
        let grid = BlockGrid::new(w, h, b);
        let mut g = FrameGraph::new(ctx, grid, PassSelection::ALL, false).expect("frame graph");
        g.set_range(r).unwrap();
        let pairs = [
            (random_plane((w * h) as usize, 21), random_plane((w * h) as usize, 22)),
            (textured(w, h, 5, (0, 0)), textured(w, h, 6, (2, -3))),
            (vec![128; (w * h) as usize], vec![128; (w * h) as usize]),
        ];
        for (reference, cur) in &pairs {
            let out = run_pair(&mut g, reference, cur, None);
            let vectors = motion_search(cur, reference, &grid, r);
            let want = motion_costs(cur, reference, &grid, r, &vectors);
            let bytes = out.buffers.get("motion_cost").expect("motion_cost read back");
            assert_eq!(MotionCostKernel::decode(bytes, &grid), want, "{w}x{h} b={b} R={r}");
            assert!(want.iter().all(|c| c.best <= c.zero && c.best <= c.second), "best is the minimum");
        }
    }
}

#[test]
fn the_motion_pass_exports_its_costs_to_analyze_and_the_viewer() {
    let o = vidscope(&["bench", CLIP, "--frames", "3", "--range", "2", "--passes", "motion", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(report["gpu_ms"]["motion"]["median"].is_number(), "{}", report["gpu_ms"]);
    assert!(report["gpu_ms"].get("motion_cost").is_none(), "the costs are the motion pass's: {}", report["gpu_ms"]);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // The costs are written on request (they are not in the default output).
    let default = dir.path().join("default");
    let o = vidscope(&["analyze", CLIP, "--frames", "3", "--range", "2", "-o", default.to_str().unwrap()]);
    assert!(o.status.success() && !default.join("motion_cost.npy").exists());
    let o =
        vidscope(&["analyze", CLIP, "--frames", "3", "--range", "2", "--export", "costs", "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let entry = &manifest["files"]["motion_cost.npy"];
    let (by, bx) = (manifest["blocks_y"].as_u64().unwrap(), manifest["blocks_x"].as_u64().unwrap());
    assert_eq!(entry["shape"], serde_json::json!([2, by, bx, 3]), "{entry}");
    assert_eq!(entry["dtype"], "uint32");
    let array: npyz::NpyFile<_> =
        npyz::NpyFile::new(std::fs::File::open(out.join("motion_cost.npy")).unwrap()).unwrap();
    assert_eq!(array.shape(), &[2, by, bx, 3]);
    let costs: Vec<u32> = array.into_vec().unwrap();
    let motion: Vec<i32> =
        npyz::NpyFile::new(std::fs::File::open(out.join("motion.npy")).unwrap()).unwrap().into_vec().unwrap();
    let mc_sad: Vec<u32> =
        npyz::NpyFile::new(std::fs::File::open(out.join("mc_sad.npy")).unwrap()).unwrap().into_vec().unwrap();
    assert_eq!(motion.len(), mc_sad.len() * 2);
    // The best SAD is the search's, which the residual's SAD equals (integer vectors).
    let best: Vec<u32> = costs.chunks_exact(3).map(|c| c[0]).collect();
    assert_eq!(best, mc_sad);

    let o = vidscope(&["view", "--help"]);
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(help.contains("mc-gain") && help.contains("confidence"), "{help}");
}
