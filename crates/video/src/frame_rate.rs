//! A stream's frame rate as the fraction an encoder wants.

/// `fps` as the fraction an encoder wants: NTSC rates (29.97, 59.94, ...) as n*1000/1001, else
/// milli-frames per second.
pub fn fps_fraction(fps: f64) -> (i32, i32) {
    let fps = if fps.is_finite() && fps > 0.0 { fps } else { 25.0 };
    let ntsc = (fps * 1.001).round();
    if (ntsc / 1.001 - fps).abs() < 1e-3 && (fps - fps.round()).abs() > 1e-3 {
        return ((ntsc * 1000.0) as i32, 1001);
    }
    if (fps - fps.round()).abs() < 1e-6 {
        return (fps.round() as i32, 1);
    }
    ((fps * 1000.0).round() as i32, 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_rates_become_exact_fractions() {
        assert_eq!(fps_fraction(30.0), (30, 1));
        assert_eq!(fps_fraction(30000.0 / 1001.0), (30000, 1001));
        assert_eq!(fps_fraction(60000.0 / 1001.0), (60000, 1001));
        assert_eq!(fps_fraction(12.5), (12500, 1000));
        assert_eq!(fps_fraction(0.0), (25, 1));
    }
}
