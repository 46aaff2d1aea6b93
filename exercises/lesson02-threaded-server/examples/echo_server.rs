//! Demo: the tutorials' greeting server. Says `Hello, I am server!`, answers
//! each line `X` with `Hello, X!`, and closes when the client says `exit`.
//! Each client gets its own thread unless MODE says otherwise.
//!
//! ```text
//! cargo run -q -p lesson02-solution --features examples --example echo_server -- 127.0.0.1:9999
//! cargo run -q -p lesson02-solution --features examples --example echo_server -- 127.0.0.1:9999 serial
//! cargo run -q -p lesson02-solution --features examples --example echo_server -- 127.0.0.1:9999 pool
//! ```
//!
//! Try it with the `echo_client` demo, with `nc 127.0.0.1 9999`, or with
//! several at once to see the modes differ.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;

use lesson02::{Concurrency, ShutdownHandle, bind, serve_greetings};

const USAGE: &str = "usage: echo_server ADDR [threads|serial|pool]   (e.g. 127.0.0.1:9999)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (addr, mode) = match args.as_slice() {
        [addr] => (addr, "threads"),
        [addr, mode] => (addr, mode.as_str()),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let concurrency = match mode {
        "threads" => Concurrency::ThreadPerClient,
        "serial" => Concurrency::Serial,
        "pool" => Concurrency::Pool {
            workers: 4,
            queue: 8,
        },
        other => {
            eprintln!("echo_server: unknown mode {other:?}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let Some(addr) = resolve(addr) else {
        eprintln!("echo_server: {addr:?} is not an address like 127.0.0.1:9999");
        return ExitCode::from(2);
    };
    let listener = match bind(addr, 128) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("echo_server: cannot listen on {addr}: {}", explain(&e));
            return ExitCode::FAILURE;
        }
    };
    let shown = listener.local_addr().map_or(addr, |a| a);
    eprintln!("echo_server: waiting for connections on {shown}, {concurrency:?} (Ctrl-C to stop)");
    match serve_greetings(listener, concurrency, &ShutdownHandle::new()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo_server: {e}");
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
