//! The playhead: which frame should be on screen and when the next one is due — pacing at the
//! file's rate times the speed, seeks, frame-exact steps, looping and the end of the stream. Pure
//! state: it is told the time and what arrived, and never decodes or touches the GPU.

use std::time::{Duration, Instant};

/// What the frame source must do for the playhead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fetch {
    /// Nothing now.
    Wait,
    /// Hand over the next frame in order.
    Next,
}

/// What to do when the source reports the end of the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtEnd {
    /// Stay on the last frame (playback stopped).
    Stop,
    /// Restart the source at this frame (a loop wrap, or a seek past the end clamped to the last frame).
    SeekTo(usize),
}

#[derive(Clone, Debug)]
pub struct Playhead {
    /// Frames per second of the stream (25 when unknown).
    fps: f64,
    /// The frame on screen.
    shown: Option<usize>,
    /// A seek or step in progress: the frame to show next, whatever the time.
    target: Option<usize>,
    /// When the next frame is due while playing.
    next_due: Instant,
    /// The stream's frame count: from the container when it says, else learnt at the end.
    total: Option<usize>,
    ended: bool,
    late_frames: u32,
    late_since: Instant,
    behind: Option<String>,
}

impl Playhead {
    /// A playhead that shows `start` first; `total` is the stream's frame count when known.
    pub fn new(fps: f64, total: Option<usize>, start: usize, now: Instant) -> Self {
        Self {
            fps: if fps > 0.0 && fps.is_finite() { fps } else { 25.0 },
            shown: None,
            target: Some(start),
            next_due: now,
            total,
            ended: false,
            late_frames: 0,
            late_since: now,
            behind: None,
        }
    }

    pub fn shown(&self) -> Option<usize> {
        self.shown
    }

    /// The frame count, `None` while unknown (never the frames seen so far).
    pub fn total(&self) -> Option<usize> {
        self.total
    }

    pub fn ended(&self) -> bool {
        self.ended
    }

    /// The pending seek or step target.
    pub fn target(&self) -> Option<usize> {
        self.target
    }

    /// "cannot keep up" when frames were late in the last second.
    pub fn behind(&self) -> Option<&str> {
        self.behind.as_deref()
    }

    fn frame_duration(&self, speed: f32) -> Duration {
        Duration::from_secs_f64(1.0 / (self.fps * speed.max(0.01) as f64))
    }

    /// Whether a frame should be taken now.
    pub fn fetch(&self, now: Instant, playing: bool) -> Fetch {
        if self.target.is_some() || (playing && !self.ended && now >= self.next_due) {
            Fetch::Next
        } else {
            Fetch::Wait
        }
    }

    /// Asks for frame `n` next (clamped to the last frame when the count is known). Returns the
    /// frame the source must restart at, or `None` when `n` is simply the next frame in order.
    pub fn seek(&mut self, n: usize) -> Option<usize> {
        let n = match self.total {
            Some(total) if total > 0 => n.min(total - 1),
            _ => n,
        };
        let in_order = self.shown.is_some_and(|s| s + 1 == n) && !self.ended && self.target.is_none();
        self.target = Some(n);
        self.ended = false;
        (!in_order).then_some(n)
    }

    /// Frame `index` arrived and is now on screen.
    pub fn arrived(&mut self, index: usize, now: Instant, speed: f32) {
        let jumped = self.target.take().is_some();
        self.shown = Some(index);
        let dur = self.frame_duration(speed);
        self.next_due += dur;
        if jumped {
            // A seek or step: the clock starts again from here.
            self.next_due = now + dur;
        } else if self.next_due + dur < now {
            // More than a frame behind.
            self.late_frames += 1;
            self.next_due = now + dur;
        } else if self.next_due < now {
            self.next_due = now;
        }
    }

    /// A frame was due but none was ready (decoding or the GPU is too slow).
    pub fn starved(&mut self, now: Instant, playing: bool, speed: f32) {
        if playing && self.target.is_none() && now > self.next_due + self.frame_duration(speed) {
            self.late_frames += 1;
            self.next_due = now;
        }
    }

    /// The source ended after `frames` frames (from frame 0): the count is known from now on.
    pub fn reached_end(&mut self, frames: usize, playing: bool, looping: bool) -> AtEnd {
        if frames > 0 {
            self.total = Some(frames);
        }
        if self.target.is_some() {
            // A seek past the end: show the last frame instead (unless it is already on screen).
            let last = frames.saturating_sub(1);
            if frames > 0 && self.shown != Some(last) {
                self.target = Some(last);
                return AtEnd::SeekTo(last);
            }
            self.target = None;
            return AtEnd::Stop;
        }
        if looping && playing && frames > 0 {
            self.target = Some(0);
            AtEnd::SeekTo(0)
        } else {
            self.ended = true;
            AtEnd::Stop
        }
    }

    /// The source failed: playback stops on the frame shown.
    pub fn failed(&mut self) {
        self.ended = true;
        self.target = None;
    }

    /// Once per tick: keeps the clock from running ahead while paused and refreshes the
    /// "cannot keep up" message once a second.
    pub fn tick(&mut self, now: Instant, playing: bool) {
        if now.duration_since(self.late_since) > Duration::from_secs(1) {
            self.behind = (self.late_frames > 0)
                .then(|| format!("cannot keep up: {} frame(s) late in the last second", self.late_frames));
            self.late_frames = 0;
            self.late_since = now;
        }
        if !playing && self.target.is_none() {
            self.next_due = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FPS: f64 = 25.0;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// A playhead at frame 0 of a 10-frame clip, frame 0 shown at `t0`.
    fn playing_at_zero(t0: Instant) -> Playhead {
        let mut p = Playhead::new(FPS, Some(10), 0, t0);
        assert_eq!(p.fetch(t0, false), Fetch::Next, "the start frame is fetched even when paused");
        p.arrived(0, t0, 1.0);
        p
    }

    #[test]
    fn paces_frames_at_the_stream_rate_times_the_speed() {
        let t0 = Instant::now();
        let mut p = playing_at_zero(t0);
        assert_eq!(p.fetch(t0 + ms(39), true), Fetch::Wait, "25 fps: frame 1 is due 40 ms later");
        assert_eq!(p.fetch(t0 + ms(40), true), Fetch::Next);
        p.arrived(1, t0 + ms(40), 2.0);
        assert_eq!(p.fetch(t0 + ms(59), true), Fetch::Wait, "at 2x the next is due 20 ms later");
        assert_eq!(p.fetch(t0 + ms(60), true), Fetch::Next);
        assert_eq!(p.fetch(t0 + ms(60), false), Fetch::Wait, "paused: nothing is due");
    }

    #[test]
    fn a_seek_is_fetched_at_once_and_restarts_the_clock() {
        let t0 = Instant::now();
        let mut p = playing_at_zero(t0);
        assert_eq!(p.seek(7), Some(7), "a jump restarts the source at 7");
        assert_eq!(p.fetch(t0 + ms(1), false), Fetch::Next, "even paused");
        p.arrived(7, t0 + ms(1), 1.0);
        assert_eq!(p.shown(), Some(7));
        assert_eq!(p.fetch(t0 + ms(40), true), Fetch::Wait, "the clock restarted at the seek");
        assert_eq!(p.fetch(t0 + ms(41), true), Fetch::Next);
    }

    #[test]
    fn stepping_forward_takes_the_next_frame_without_a_restart_and_back_restarts() {
        let t0 = Instant::now();
        let mut p = playing_at_zero(t0);
        assert_eq!(p.seek(1), None, "frame 1 is next in order: no restart");
        assert_eq!(p.fetch(t0, false), Fetch::Next);
        p.arrived(1, t0, 1.0);
        assert_eq!(p.seek(0), Some(0), "a step back restarts the source (frame-exact)");
        p.arrived(0, t0, 1.0);
        assert_eq!(p.shown(), Some(0));
    }

    #[test]
    fn seeks_clamp_to_a_known_count_only() {
        let t0 = Instant::now();
        let mut known = Playhead::new(FPS, Some(10), 0, t0);
        assert_eq!(known.seek(50), Some(9));
        let mut unknown = Playhead::new(FPS, None, 0, t0);
        assert_eq!(unknown.seek(50), Some(50), "an unknown count never clamps");
        assert_eq!(unknown.total(), None, "and stays unknown until the end is seen");
        assert_eq!(unknown.reached_end(12, false, false), AtEnd::SeekTo(11), "past the end: the last frame");
        assert_eq!(unknown.total(), Some(12));
    }

    #[test]
    fn the_end_loops_when_looping_and_playing_else_stops() {
        let t0 = Instant::now();
        let mut p = playing_at_zero(t0);
        p.arrived(9, t0, 1.0);
        assert_eq!(p.reached_end(10, true, true), AtEnd::SeekTo(0));
        assert!(!p.ended());
        assert_eq!(p.shown(), Some(9), "the last frame stays on screen until frame 0 arrives");
        p.arrived(0, t0, 1.0);
        p.arrived(9, t0, 1.0);
        assert_eq!(p.reached_end(10, true, false), AtEnd::Stop);
        assert!(p.ended());
        assert_eq!(p.fetch(t0 + ms(500), true), Fetch::Wait, "ended: nothing more is fetched");
        assert_eq!(p.seek(3), Some(3), "a seek after the end restarts");
        assert!(!p.ended());
    }

    #[test]
    fn late_frames_are_counted_and_reported_once_a_second() {
        let t0 = Instant::now();
        let mut p = playing_at_zero(t0);
        p.starved(t0 + ms(100), true, 1.0);
        p.arrived(1, t0 + ms(300), 1.0);
        p.tick(t0 + ms(1100), true);
        assert_eq!(p.behind(), Some("cannot keep up: 2 frame(s) late in the last second"));
        p.tick(t0 + ms(2200), true);
        assert_eq!(p.behind(), None, "a second without late frames clears it");
    }
}
