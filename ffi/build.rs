//! Gives the shared library its SONAME, `libdstack.so.<major>` (`libdstack.so.0` for 0.x),
//! on every build of the cdylib. A program linked against libdstack.so then records that
//! name (DT_NEEDED) instead of the path it was linked with, so it keeps working when the
//! library moves (a multi-stage Docker build, an unpacked tarball moved elsewhere).
//! The release tarball ships libdstack.so.VERSION with the symlinks libdstack.so.<major>
//! and libdstack.so; scripts that link C against target/release create
//! target/release/libdstack.so.<major> (scripts/lib.sh `build_release`).

use std::env;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let major = env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets CARGO_PKG_VERSION_MAJOR");
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    // ELF targets only: Mach-O has install names and Windows DLLs have no SONAME.
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
        // `rustc-link-arg`, not `rustc-cdylib-link-arg`: cargo passes the latter on to every
        // cdylib that depends on this package (rust-lang/cargo#9562), which gave
        // libdstack_verify.so (verify-ffi) this SONAME too. `rustc-link-arg` stays with this
        // package (its test binaries get a harmless DT_SONAME).
        println!("cargo:rustc-link-arg=-Wl,-soname,libdstack.so.{major}");
    }
}
