//! The viewer's player without a window (issue 14 item 12): across loop wraps and seeks the picture
//! it hands the display is always a finished frame — the one on screen — never an unwritten slot,
//! so nothing blank flashes while the first frame of the next loop is decoded.

use crate::common;

use common::{assert_no_validation_messages, gpu, textured};
use std::time::{Duration, Instant};
use vidscope::viewer::player::Player;

/// A 5-frame 48x32 4:2:0 y4m with distinct frames.
fn tiny_clip(dir: &std::path::Path) -> String {
    let path = dir.join("tiny.y4m");
    let y4m = crate::common::y4m::Y4m { tags: "F100:1 Ip A1:1", ..crate::common::y4m::Y4m::yuv420(48, 32) };
    y4m.write(&path, (0..5).map(|t| textured(48, 32, 7 + t, (t as i64, 0))));
    path.to_string_lossy().into_owned()
}

#[test]
fn the_display_always_shows_the_frame_on_screen_across_loop_wraps_and_seeks() {
    let ctx = gpu();
    let dir = tempfile::tempdir().unwrap();
    let input = tiny_clip(dir.path());
    let mut player = Player::open(&ctx, &input, None, None, vidscope::reference::BlockSize::default(), 0).unwrap();
    let (mut wraps, mut last, mut shown_frames) = (0, None, 0);
    let deadline = Instant::now() + Duration::from_secs(60);
    while wraps < 3 && Instant::now() < deadline {
        if let Some(index) = player.tick(true, 4.0, true, &mut || Ok(())).unwrap() {
            shown_frames += 1;
            if last.is_some_and(|l| index < l) {
                wraps += 1;
                assert_eq!((last, index), (Some(4), 0), "a wrap goes from the last frame to frame 0");
            }
            last = Some(index);
        }
        if let Some(shown) = player.shown() {
            // What the display binds is the frame on screen, also while frame 0 of the next loop is
            // still being decoded and computed.
            assert_eq!(player.gpu_frame().index, shown, "display slot = frame on screen");
            assert_eq!(player.luma.len(), 48 * 32);
        }
        assert!(player.error.is_none(), "{:?}", player.error);
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(wraps, 3, "three loop wraps within a minute ({shown_frames} frames shown)");
    assert_eq!(player.frames_total(), Some(5), "the count is the stream's");
    player.seek(2);
    while player.shown() != Some(2) {
        player.tick(false, 1.0, true, &mut || Ok(())).unwrap();
        assert!(player.shown().is_some(), "the old frame stays while the seek runs");
        assert!(Instant::now() < deadline + Duration::from_secs(30), "seek to frame 2 finished");
    }
    assert_eq!(player.gpu_frame().index, 2);
    assert_no_validation_messages(&ctx);
}
