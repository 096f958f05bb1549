//! The plots panel's worst-N lists (worst frames of a curve, worst blocks of the shown frame), as pure
//! logic: which entries and in what order, so the order is one documented rule, tested here.

/// How many entries the worst lists show by default.
pub const DEFAULT_WORST: usize = 5;

/// The `n` largest of `values` ((index, value) pairs): largest value first, ties by the lower index
/// (frame index, or row-major block index); NaN values are never listed. For a measure where lower
/// is worse (PSNR, SSIM), pass the negated values.
pub fn worst_n(values: impl IntoIterator<Item = (usize, f64)>, n: usize) -> Vec<(usize, f64)> {
    if n == 0 {
        return Vec::new();
    }
    let mut all: Vec<(usize, f64)> = values.into_iter().filter(|(_, v)| !v.is_nan()).collect();
    let order = |a: &(usize, f64), b: &(usize, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    // The n first in order without sorting every block of a large frame on every redraw.
    if all.len() > n {
        all.select_nth_unstable_by(n - 1, order);
        all.truncate(n);
    }
    all.sort_by(order);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_come_first_and_ties_go_to_the_lower_index() {
        let values = [(0, 3.0), (1, 9.0), (2, 3.0), (3, 7.0), (4, 9.0), (5, 1.0)];
        assert_eq!(worst_n(values, 4), vec![(1, 9.0), (4, 9.0), (3, 7.0), (0, 3.0)]);
        assert_eq!(worst_n(values, 10).len(), 6, "fewer values than n: all of them");
        assert!(worst_n(values, 0).is_empty());
    }

    #[test]
    fn the_order_does_not_depend_on_the_input_order() {
        let forward: Vec<(usize, f64)> = (0..50).map(|i| (i, (i % 7) as f64)).collect();
        let backward: Vec<_> = forward.iter().rev().copied().collect();
        let top = worst_n(forward, 5);
        assert_eq!(top, worst_n(backward, 5));
        assert_eq!(top, vec![(6, 6.0), (13, 6.0), (20, 6.0), (27, 6.0), (34, 6.0)]);
    }

    #[test]
    fn nan_is_never_listed_and_infinities_sort_as_numbers() {
        let values = [(0, f64::NAN), (1, f64::NEG_INFINITY), (2, -3.0), (3, f64::INFINITY)];
        assert_eq!(worst_n(values, 5), vec![(3, f64::INFINITY), (2, -3.0), (1, f64::NEG_INFINITY)]);
    }
}
