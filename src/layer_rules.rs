//! The layer table of docs/ARCHITECTURE.md, checked against `cargo metadata`: each workspace crate's
//! normal and build dependencies must keep to its row ("may depend on" for workspace crates, "must
//! not depend on" for any crate). Dev-dependencies are free: tests may use anything.

use std::collections::BTreeMap;
use std::path::Path;

/// One row of the table: the crate's folder (`.` for the top level) and its two checked columns.
#[derive(Debug)]
struct Rule {
    dir: String,
    may: Vec<String>,
    must_not: Vec<String>,
}

/// The names in backticks of a table cell.
fn ticked(cell: &str) -> Vec<String> {
    cell.split('`').skip(1).step_by(2).map(str::to_string).collect()
}

/// The rows of the layer table (the one whose header has "must not depend on").
fn rules(doc: &str) -> Vec<Rule> {
    let mut lines = doc.lines().skip_while(|l| !(l.starts_with('|') && l.contains("must not depend on")));
    lines.next(); // header
    lines
        .skip(1) // |---|
        .take_while(|l| l.starts_with('|'))
        .map(|row| {
            let cells: Vec<&str> = row.trim_matches('|').split('|').collect();
            assert_eq!(cells.len(), 4, "docs/ARCHITECTURE.md layer row: {row}");
            let first = ticked(cells[0]).into_iter().next().expect("a crate in backticks");
            let dir = if first.starts_with("crates/") { first } else { ".".to_string() };
            Rule { dir, may: ticked(cells[2]), must_not: ticked(cells[3]) }
        })
        .collect()
}

/// Every workspace package's folder (relative to the workspace root), name and normal/build
/// dependency names, from `cargo metadata`.
fn packages(root: &Path) -> BTreeMap<String, (String, Vec<String>)> {
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--no-deps", "--offline", "--format-version", "1"])
        .current_dir(root)
        .output()
        .expect("run cargo metadata");
    assert!(out.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cargo metadata JSON");
    let mut found = BTreeMap::new();
    for p in meta["packages"].as_array().expect("packages") {
        let manifest = Path::new(p["manifest_path"].as_str().expect("manifest_path"));
        let dir = manifest.parent().unwrap().strip_prefix(root).expect("a workspace package");
        let dir = if dir.as_os_str().is_empty() { ".".to_string() } else { dir.to_string_lossy().into_owned() };
        let deps = p["dependencies"]
            .as_array()
            .expect("dependencies")
            .iter()
            .filter(|d| d["kind"].as_str() != Some("dev"))
            .map(|d| d["name"].as_str().expect("name").to_string())
            .collect();
        found.insert(dir, (p["name"].as_str().unwrap().to_string(), deps));
    }
    found
}

/// What breaks `rule` in `deps`: workspace crates it may not use and crates it must not use.
fn violations(rule: &Rule, deps: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for d in deps {
        if d.starts_with("vidscope-") && !rule.may.contains(d) {
            out.push(format!("{} depends on {d}, not in its \"may depend on\"", rule.dir));
        }
        if rule.must_not.contains(d) {
            out.push(format!("{} depends on {d}, which it must not", rule.dir));
        }
    }
    out
}

#[test]
fn every_crate_keeps_to_its_row_of_the_layer_table() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/ARCHITECTURE.md")).unwrap();
    let rules = rules(&doc);
    let packages = packages(root);
    let mut problems = Vec::new();
    for rule in &rules {
        let (_, deps) = packages.get(&rule.dir).unwrap_or_else(|| panic!("{}: no such workspace crate", rule.dir));
        problems.extend(violations(rule, deps));
    }
    let missing: Vec<&String> = packages.keys().filter(|d| !rules.iter().any(|r| &r.dir == *d)).collect();
    assert!(missing.is_empty(), "workspace crates with no row in docs/ARCHITECTURE.md: {missing:?}");
    assert!(problems.is_empty(), "docs/ARCHITECTURE.md's layer table is broken:\n{}", problems.join("\n"));
}

#[test]
fn the_check_catches_a_forbidden_dependency() {
    let doc = "| crate | holds | may depend on | must not depend on |\n|---|---|---|---|\n\
               | `crates/gpu` (`g`) | x | — | `winit`, `clap` |\n";
    let rules = rules(doc);
    assert_eq!(rules.len(), 1);
    let deps = ["ash", "clap", "vidscope-video"].map(String::from);
    assert_eq!(
        violations(&rules[0], &deps),
        [
            "crates/gpu depends on clap, which it must not",
            "crates/gpu depends on vidscope-video, not in its \"may depend on\""
        ]
    );
}

#[test]
fn headless_drivers_do_not_use_the_window_crate() {
    // `record` draws what the window draws through vidscope_scene; the window crate is for `view`.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/analysis");
    let mut offenders = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        if text.contains("vidscope_view") || text.contains("crate::ui") || text.contains("crate::viewer") {
            offenders.push(path.display().to_string());
        }
    }
    assert!(offenders.is_empty(), "headless drivers using the window crate: {offenders:?}");
}
