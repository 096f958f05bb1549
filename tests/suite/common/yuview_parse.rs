//! YUView's statistics-file parsing rules (StatisticsFileCSV.cpp), for reading our CSV back in tests:
//! each line trimmed, stripped of spaces and split on `;`; `%` lines are the header, which ends at
//! the first data row; values are integers (`toInt`); rows of one (POC, type) contiguous.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashSet};

#[derive(Debug, Default)]
pub struct ParsedType {
    pub name: String,
    pub kind: String,
    pub default_range: Option<(i32, i32, String)>,
    pub scale: Option<i32>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Row {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
    pub values: Vec<i32>,
}

#[derive(Debug, Default)]
pub struct Parsed {
    pub version: String,
    pub size: (i32, i32),
    pub fps: f64,
    pub types: BTreeMap<i32, ParsedType>,
    /// (POC, type) → rows in file order.
    pub groups: BTreeMap<(i32, i32), Vec<Row>>,
}

/// YUView's `parseCSVLine`: trimmed, every space removed, split on ';'.
fn fields(line: &str) -> Vec<String> {
    line.trim().replace(' ', "").split(';').map(str::to_string).collect()
}

/// Qt's `toInt` accepts an optional sign and decimal digits only; anything else is a parse failure
/// (which YUView would silently read as 0), so it is an error here.
fn int(s: &str, what: &str) -> i32 {
    s.parse::<i32>().unwrap_or_else(|_| panic!("{what}: {s:?} is not an integer"))
}

pub fn parse_yuview(text: &str) -> Parsed {
    let mut p = Parsed::default();
    let mut current: Option<i32> = None;
    let mut in_data = false;
    let mut seen_groups = HashSet::new();
    let mut seen_pocs = HashSet::new();
    let mut last: Option<(i32, i32)> = None;
    for (n, line) in text.lines().enumerate() {
        let f = fields(line);
        if f[0].is_empty() {
            continue;
        }
        if f[0].starts_with('%') {
            assert!(!in_data, "line {n}: a header line after the data rows would be read as data");
            assert!(f.len() >= 2, "line {n}: a header line needs a second column (YUView reads it)");
            if n == 0 {
                assert_eq!(f[1], "syntax-version", "the first line gives the syntax version");
            }
            match f[1].as_str() {
                "syntax-version" => p.version = f[2].clone(),
                "seq-specs" => {
                    assert!(f.len() >= 7, "seq-specs has name, layer, width, height, framerate");
                    p.size = (int(&f[4], "width"), int(&f[5], "height"));
                    p.fps = f[6].parse().expect("frame rate");
                }
                "type" => {
                    assert!(f.len() >= 5, "line {n}: type needs ID, name and kind");
                    let id = int(&f[2], "type id");
                    assert!(!p.types.contains_key(&id), "type {id} declared twice");
                    assert!(["range", "map", "vector", "line"].contains(&f[4].as_str()), "kind {}", f[4]);
                    p.types.insert(id, ParsedType { name: f[3].clone(), kind: f[4].clone(), ..Default::default() });
                    current = Some(id);
                }
                "defaultRange" => {
                    let t = p.types.get_mut(&current.expect("defaultRange belongs to a type")).unwrap();
                    t.default_range = Some((int(&f[2], "min"), int(&f[3], "max"), f[4].clone()));
                }
                "scaleFactor" => {
                    let t = p.types.get_mut(&current.expect("scaleFactor belongs to a type")).unwrap();
                    t.scale = Some(int(&f[2], "scale"));
                }
                other => panic!("line {n}: header key {other:?} is not one this writer should produce"),
            }
            continue;
        }
        in_data = true;
        let poc = int(&f[0], "POC");
        let type_id = int(&f[5], "type id");
        let t = p.types.get(&type_id).unwrap_or_else(|| panic!("line {n}: type {type_id} not declared"));
        let expected = if t.kind == "vector" { 8 } else { 7 };
        assert_eq!(f.len(), expected, "line {n}: {} columns for a {} type", f.len(), t.kind);
        // YUView's position scan: a (POC, type) run may not restart, nor may a POC once left.
        if last != Some((poc, type_id)) {
            assert!(seen_groups.insert((poc, type_id)), "line {n}: rows of POC {poc} type {type_id} not contiguous");
            if last.map(|l| l.0) != Some(poc) {
                assert!(seen_pocs.insert(poc), "line {n}: POC {poc} appears in two runs");
            }
            last = Some((poc, type_id));
        }
        let row = Row {
            x: int(&f[1], "x"),
            y: int(&f[2], "y"),
            w: int(&f[3], "w"),
            h: int(&f[4], "h"),
            values: f[6..].iter().map(|v| int(v, "value")).collect(),
        };
        assert!(row.w > 0 && row.h > 0, "line {n}: empty block");
        assert!(row.x + row.w <= p.size.0 && row.y + row.h <= p.size.1, "line {n}: block outside the frame");
        p.groups.entry((poc, type_id)).or_default().push(row);
    }
    p
}
