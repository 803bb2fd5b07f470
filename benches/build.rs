//! Builds `openssl-resumed/resumed.c`, the program that measures OpenSSL's resumed
//! handshakes (a client resumes with `SSL_set_session`, which the openssl crate offers only
//! as an `unsafe fn`, and this workspace forbids unsafe code). It links the system's libssl,
//! the one the openssl crate links; `OPENSSL_DIR` points at another install, as for
//! openssl-sys. The program's path reaches the crate as `STRATA_BENCH_OPENSSL_RESUMED`.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let source = "openssl-resumed/resumed.c";
    println!("cargo:rerun-if-changed={source}");
    println!("cargo:rerun-if-env-changed=OPENSSL_DIR");
    let out =
        PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("openssl-resumed");
    let compiler = cc::Build::new().opt_level(2).get_compiler();
    let mut command: Command = compiler.to_command();
    command
        .args(["-Wall", "-Wextra", "-Werror", source, "-o"])
        .arg(&out);
    if let Some(dir) = std::env::var_os("OPENSSL_DIR").map(PathBuf::from) {
        command.arg(format!("-I{}", dir.join("include").display()));
        command.arg(format!("-L{}", dir.join("lib").display()));
    }
    command.args(["-lssl", "-lcrypto"]);
    match command.status() {
        Ok(status) if status.success() => {}
        Ok(status) => panic!("building {source} failed ({status}): {command:?}"),
        Err(e) => panic!("running the C compiler for {source}: {e}"),
    }
    println!(
        "cargo:rustc-env=STRATA_BENCH_OPENSSL_RESUMED={}",
        out.display()
    );
}
