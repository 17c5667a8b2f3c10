//! Gives the shared library its soname (`libfastgpt.so.<major>`), so that programs linked
//! against it keep working across compatible releases and installs can use the usual
//! symlinks. While the major version is 0 the minor is part of the promise: see README.

fn main() {
    let major = env!("CARGO_PKG_VERSION_MAJOR");
    match std::env::var("CARGO_CFG_TARGET_OS").as_deref() {
        Ok("linux") | Ok("android") | Ok("freebsd") | Ok("netbsd") | Ok("openbsd") => {
            println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libfastgpt.so.{major}");
        }
        Ok("macos") | Ok("ios") => {
            println!(
                "cargo:rustc-cdylib-link-arg=-Wl,-install_name,@rpath/libfastgpt.{major}.dylib"
            );
        }
        _ => {}
    }
    println!("cargo:rerun-if-changed=build.rs");
}
