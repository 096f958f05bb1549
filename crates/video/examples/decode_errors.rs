//! Decodes inputs through vidscope's frame source and prints the decoder errors it counts, one line
//! per input: `FILE: n/K: frames=N total=T errors=[(frame, count), ...]`. With `--repeat K` each
//! input is decoded K times and each distinct result is printed once with how often it came out (a
//! count that is a function of the file gives one line). `--hash` adds an FNV-1a hash of every
//! luma plane (are the pixels the same every run?); `--time` prints the decode rate of each run.
//! `VIDSCOPE_LOG=debug` shows every counted event.
//!
//! `cargo run -p vidscope-video --example decode_errors -- [--repeat K] [--hash] [--time] FILE...`

use std::time::Instant;

use vidscope_video::FrameSource;

struct Options {
    repeat: usize,
    hash: bool,
    time: bool,
}

fn decode(input: &str, opts: &Options) -> Result<String, vidscope_video::VideoError> {
    let start = Instant::now();
    let mut source: Box<dyn FrameSource> = vidscope_video::open(input)?;
    let (mut frames, mut total, mut per_frame) = (0usize, 0u64, Vec::new());
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    while let Some(frame) = source.next_frame()? {
        frames += 1;
        if opts.hash {
            for &b in &frame.data {
                hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
        }
        if frame.decode_errors > 0 {
            total += u64::from(frame.decode_errors);
            per_frame.push((frame.index, frame.decode_errors));
        }
    }
    if opts.time {
        let s = start.elapsed().as_secs_f64();
        eprintln!("{input}: {frames} frames in {s:.3} s = {:.1} fps", frames as f64 / s);
    }
    let hash = if opts.hash { format!(" hash={hash:016x}") } else { String::new() };
    Ok(format!("frames={frames}{hash} total={total} errors={per_frame:?}"))
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("VIDSCOPE_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let mut opts = Options { repeat: 1, hash: false, time: false };
    let mut inputs = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--repeat" => opts.repeat = args.next().and_then(|v| v.parse().ok()).unwrap_or(1),
            "--hash" => opts.hash = true,
            "--time" => opts.time = true,
            _ => inputs.push(arg),
        }
    }
    for input in &inputs {
        let mut seen: Vec<(String, usize)> = Vec::new();
        for _ in 0..opts.repeat {
            let result = decode(input, &opts).unwrap_or_else(|e| format!("error: {e}"));
            match seen.iter_mut().find(|(r, _)| *r == result) {
                Some((_, n)) => *n += 1,
                None => seen.push((result, 1)),
            }
        }
        for (result, n) in seen {
            println!("{input}: {n}/{}: {result}", opts.repeat);
        }
    }
}
