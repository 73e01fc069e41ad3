//! Link settings of the filter's `.wasm` (benches/README.md, "Size").
//!
//! wasm-ld writes every function index and data address it relocates in the code as a 5-byte
//! LEB128, padded so the linker can patch it in place. `--compress-relocations` rewrites them in
//! their shortest form: the same instructions and immediates (the module decodes to the same text),
//! about 80 KB fewer bytes. wasm-ld refuses it next to debug information, so it is passed only when
//! the profile has none (the release profile; `strip = "debuginfo"` keeps the name section for
//! benches/size/breakdown.py, `strip = false` would keep the standard library's debug sections).
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let wasm = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|arch| arch == "wasm32");
    let debug_info = std::env::var("DEBUG").map_or(true, |debug| debug != "false");
    if wasm && !debug_info {
        println!("cargo:rustc-link-arg-cdylib=--compress-relocations");
    }
}
