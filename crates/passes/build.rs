//! Compiles every `shaders/*.comp` to SPIR-V in OUT_DIR with glslc; any shader error fails the build.

use std::path::Path;
use std::process::Command;

fn main() {
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    // The shaders live at the top of the workspace, beside the README.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let shader_root = Path::new(&manifest_dir).join("../../shaders");
    let shader_dir = shader_root.as_path();
    println!("cargo:rerun-if-changed={}", shader_dir.display());
    let mut entries: Vec<_> = std::fs::read_dir(shader_dir)
        .expect("shaders/ folder is missing")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in &entries {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    for path in entries.iter().filter(|p| p.extension().is_some_and(|e| e == "comp")) {
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("shader names are UTF-8");
        let out = Path::new(&out_dir).join(format!("{stem}.spv"));
        let status = Command::new("glslc")
            .args(["--target-env=vulkan1.2", "-O", "-Werror", "-I"])
            .arg(shader_dir)
            .arg(path)
            .arg("-o")
            .arg(&out)
            .status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => panic!("glslc failed on {} ({s})", path.display()),
            Err(e) => panic!("cannot run glslc ({e}); install it (Debian: apt-get install glslc)"),
        }
    }
}
