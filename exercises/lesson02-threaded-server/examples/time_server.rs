//! Demo: the tutorials' time server. Every client that connects is sent the
//! local date and time, as Python's `str(datetime.now())` prints it, and
//! closed.
//!
//! ```text
//! cargo run -q -p lesson02-solution --features examples --example time_server -- 127.0.0.1:9999
//! ```
//!
//! Lesson 01's `time_client` demo (or `nc 127.0.0.1 9999`) is a client for it.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;

use lesson02::{ShutdownHandle, bind, serve_time};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr] = args.as_slice() else {
        eprintln!("usage: time_server ADDR   (e.g. 127.0.0.1:9999)");
        return ExitCode::from(2);
    };
    let Some(addr) = resolve(addr) else {
        eprintln!("time_server: {addr:?} is not an address like 127.0.0.1:9999");
        return ExitCode::from(2);
    };
    let listener = match bind(addr, 5) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("time_server: cannot listen on {addr}: {}", explain(&e));
            return ExitCode::FAILURE;
        }
    };
    let shown = listener.local_addr().map_or(addr, |a| a);
    eprintln!("time_server: serving the time on {shown} (Ctrl-C to stop)");
    // Nothing here calls shutdown(): Ctrl-C ends the process.
    match serve_time(listener, &ShutdownHandle::new()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("time_server: {e}");
            ExitCode::FAILURE
        }
    }
}

fn resolve(addr: &str) -> Option<SocketAddr> {
    addr.to_socket_addrs().ok()?.next()
}

/// The bind error, with what to do about the common one.
fn explain(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::AddrInUse {
        format!("{e} (another program listens on that port: stop it, or pick another port)")
    } else {
        e.to_string()
    }
}
