//! Gives the shared library its SONAME, `libdstack_verify.so.<major>`, as ffi/build.rs
//! does for libdstack.so: a program linked against it records that name (DT_NEEDED), not
//! the path it was linked with.

use std::env;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let major = env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets CARGO_PKG_VERSION_MAJOR");
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let elf = matches!(
        os.as_str(),
        "linux"
            | "android"
            | "freebsd"
            | "netbsd"
            | "openbsd"
            | "dragonfly"
            | "illumos"
            | "solaris"
    );
    if elf {
        // `rustc-link-arg` (this package only), as in ffi/build.rs.
        println!("cargo:rustc-link-arg=-Wl,-soname,libdstack_verify.so.{major}");
    }
}
