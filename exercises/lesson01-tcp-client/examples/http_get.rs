//! Demo: fetch a resource over HTTP on a raw socket and save its body.
//!
//! ```text
//! cargo run -q -p lesson01-solution --features examples --example http_get -- 127.0.0.1:8000 localhost /index.html out.html
//! ```
//!
//! Try it against any HTTP/1.x server on loopback, for example
//! `python3 -m http.server 8000` in another terminal.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, host, path, out] = args.as_slice() else {
        eprintln!(
            "usage: http_get ADDR HOST PATH OUT_FILE   (e.g. 127.0.0.1:8000 localhost / out.html)"
        );
        return ExitCode::from(2);
    };
    let Some(addr) = resolve(addr) else {
        eprintln!("http_get: {addr:?} is not an address like 127.0.0.1:8000");
        return ExitCode::from(2);
    };
    match lesson01::http_get(addr, host, path, Duration::from_secs(10)) {
        Ok(response) => {
            let out = PathBuf::from(out);
            if let Err(e) = lesson01::save_body(&response, &out) {
                eprintln!("http_get: could not write {}: {e}", out.display());
                return ExitCode::FAILURE;
            }
            println!(
                "{} {} {}: saved {} bytes to {}",
                response.version,
                response.status,
                response.reason,
                response.body.len(),
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("http_get: {e}");
            ExitCode::FAILURE
        }
    }
}

fn resolve(addr: &str) -> Option<SocketAddr> {
    addr.to_socket_addrs().ok()?.next()
}
