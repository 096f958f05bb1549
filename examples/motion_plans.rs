//! Measures every motion-search plan shape on this device, for tuning `SearchPlan` (issue 13): for each
//! block size and range, each candidate plan is run `--reps` times on frames 1 and 2 of INPUT, timed
//! with GPU timestamps, and checked against the first plan's vectors (all plans are exact, so any
//! difference is a bug). Prints one JSON line per plan, then a summary line per (block, range) with the
//! plan `SearchPlan::choose` picks and the fastest one.
//!
//! cargo run --release --no-default-features --example motion_plans -- INPUT [--blocks 8,16,32]
//!     [--ranges 4,16,32] [--reps 10]

use anyhow::{bail, Context, Result};
use clap::Parser;
use std::sync::Arc;
use vidscope::gpu::{
    BufferKind, GpuBuffer, GpuContext, GpuOptions, LumaImage, Recorder, TimestampQueries, ValidationMode,
};
use vidscope::passes::motion_cost::MotionCostKernel;
use vidscope::passes::{MotionSearchPass, Search, SearchBindings, SearchPlan};
use vidscope::reference::{BlockGrid, MotionVector};

#[derive(Parser)]
struct Args {
    /// A .y4m file or synthetic:WxH.
    input: String,
    #[arg(long, value_delimiter = ',', default_value = "8,16,32")]
    blocks: Vec<u32>,
    #[arg(long, value_delimiter = ',', default_value = "4,16,32")]
    ranges: Vec<u32>,
    #[arg(long, default_value_t = 10)]
    reps: u32,
    /// Time only the plan `SearchPlan::choose` picks, without and with the motion costs gathered.
    #[arg(long)]
    chosen_only: bool,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let ctx = Arc::new(GpuContext::new(&GpuOptions { validation: ValidationMode::Off, gpu: None })?);
    eprintln!("device: {}", ctx.describe());
    let mut source = vidscope::video::open(&args.input)?;
    let mut frames = Vec::new();
    while frames.len() < 3 {
        match source.next_frame()? {
            Some(f) => frames.push(f),
            None => break,
        }
    }
    if frames.len() < 2 {
        bail!("{}: needs at least 2 frames", args.input);
    }
    let (reference, cur) = (&frames[frames.len() - 2], &frames[frames.len() - 1]);
    let (w, h) = (cur.width, cur.height);
    let images = upload(&ctx, w, h, &reference.data, &cur.data)?;
    let pass = MotionSearchPass::new(&ctx)?;
    let queries = TimestampQueries::new(&ctx, 3)?.context("no timestamp queries on this queue")?;
    let shared = ctx.limits().max_compute_shared_memory_size;
    let cpu = ctx.is_cpu().then_some(ctx.subgroup_size());
    for &block in &args.blocks {
        for &range in &args.ranges {
            let grid = BlockGrid::new(w, h, block);
            let out = GpuBuffer::new(&ctx, "vectors", MotionSearchPass::buffer_size(&grid), BufferKind::Readback)?;
            let costs = GpuBuffer::new(&ctx, "costs", MotionCostKernel::buffer_size(&grid), BufferKind::Readback)?;
            let chosen = SearchPlan::choose(&grid, range, cpu, shared);
            let candidates =
                if args.chosen_only { vec![chosen] } else { SearchPlan::candidates(&grid, range, cpu, shared) };
            // First every plan once, untimed: compiles its pipeline and checks its vectors.
            let mut expected: Option<Vec<MotionVector>> = None;
            let mut exact = Vec::new();
            for plan in &candidates {
                time_plan(&ctx, &pass, &queries, &images, (&out, None), &grid, range, plan, 1)?;
                let vectors = MotionSearchPass::read(&out, &grid);
                exact.push(expected.get_or_insert_with(|| vectors.clone()) == &vectors);
            }
            // A GPU lowers its clock when idle: keep it busy for a second before timing.
            let warm = std::time::Instant::now();
            while warm.elapsed().as_secs_f64() < 1.0 {
                time_plan(&ctx, &pass, &queries, &images, (&out, None), &grid, range, &chosen, 10)?;
            }
            let mut timed = Vec::new();
            for (plan, exact) in candidates.into_iter().zip(exact) {
                let ms = time_plan(&ctx, &pass, &queries, &images, (&out, None), &grid, range, &plan, args.reps)?;
                println!(
                    "{{\"w\":{w},\"h\":{h},\"block\":{block},\"range\":{range},\"k\":{},\"ky\":{},\"threads\":{},\"per_block\":{},\"nbx\":{},\"nby\":{},\"chunk\":{},\"ms\":{ms:.4},\"model\":{:.0},\"exact\":{exact}}}",
                    plan.k, plan.ky, plan.threads, plan.per_block, plan.nbx, plan.nby, plan.chunk, plan.cost(&grid, range)
                );
                timed.push((ms, plan));
            }
            timed.sort_by(|a, b| a.0.total_cmp(&b.0));
            let chosen_ms = timed.iter().find(|(_, p)| *p == chosen).map_or(f64::NAN, |t| t.0);
            // The same plan gathering the motion costs too (where it can: `gathers_costs`).
            let with_costs =
                time_plan(&ctx, &pass, &queries, &images, (&out, Some(&costs)), &grid, range, &chosen, args.reps)?;
            let gathers = chosen.gathers_costs(range);
            println!(
                "{{\"w\":{w},\"h\":{h},\"block\":{block},\"range\":{range},\"chosen_ms\":{chosen_ms:.4},\"with_costs_ms\":{with_costs:.4},\"gathers_costs\":{gathers}}}"
            );
            if let Some((best_ms, best)) = timed.first() {
                eprintln!(
                    "{w}x{h} b{block} R{range}: chosen {chosen_ms:.3} ms ({},{},{},{}), with costs {with_costs:.3} ms ({:+.1} %), best {best_ms:.3} ms ({},{},{},{})",
                    chosen.k, chosen.ky, chosen.threads, chosen.per_block, 100.0 * (with_costs / chosen_ms - 1.0), best.k, best.ky, best.threads, best.per_block
                );
            }
        }
    }
    Ok(())
}

struct Images {
    cur: LumaImage,
    reference: LumaImage,
}

fn upload(ctx: &Arc<GpuContext>, w: u32, h: u32, reference: &[u8], cur: &[u8]) -> Result<Images> {
    let images = Images { cur: LumaImage::new(ctx, "cur", w, h)?, reference: LumaImage::new(ctx, "ref", w, h)? };
    let n = (w * h) as usize;
    let mut staging = GpuBuffer::new(ctx, "staging", 2 * n as u64, BufferKind::Upload)?;
    staging.bytes_mut()[..n].copy_from_slice(cur);
    staging.bytes_mut()[n..2 * n].copy_from_slice(reference);
    let mut rec = Recorder::new(ctx, "upload")?;
    rec.begin()?;
    rec.init_image(&images.cur)?;
    rec.init_image(&images.reference)?;
    rec.upload(&staging, 0, &images.cur)?;
    rec.upload(&staging, n as u64, &images.reference)?;
    rec.submit_and_wait()?;
    Ok(images)
}

/// Mean time over `reps` back-to-back runs after one warm-up run, in ms.
#[allow(clippy::too_many_arguments)]
fn time_plan(
    ctx: &Arc<GpuContext>,
    pass: &MotionSearchPass,
    queries: &TimestampQueries,
    images: &Images,
    (out, costs): (&GpuBuffer, Option<&GpuBuffer>),
    grid: &BlockGrid,
    range: u32,
    plan: &SearchPlan,
    reps: u32,
) -> Result<f64> {
    let mut rec = Recorder::new(ctx, "motion plan")?;
    rec.begin()?;
    rec.reset_queries(queries)?;
    let bindings = SearchBindings { cur: &images.cur, reference: &images.reference, out, costs };
    pass.record_with_plan(&mut rec, &bindings, grid, Search::sad(range), plan)?;
    rec.barrier()?;
    rec.timestamp(queries, 0)?;
    for _ in 0..reps {
        pass.record_with_plan(&mut rec, &bindings, grid, Search::sad(range), plan)?;
        rec.barrier()?;
    }
    rec.timestamp(queries, 1)?;
    rec.submit_and_wait()?;
    let ticks = queries.ticks(2)?;
    Ok(queries.elapsed_ms(&ticks, 0, 1) / reps as f64)
}
