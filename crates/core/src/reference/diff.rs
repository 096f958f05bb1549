//! diff pixel = |cur - ref|.

pub fn diff(cur: &[u8], reference: &[u8]) -> Vec<u8> {
    assert_eq!(cur.len(), reference.len(), "planes differ in size");
    cur.iter().zip(reference).map(|(&a, &b)| a.abs_diff(b)).collect()
}
