//! Demo: an echo server that serves every client from ONE thread, with
//! non-blocking sockets (Python's `setblocking(False)` loop).
//!
//! ```text
//! cargo run -q -p lesson10-solution --features examples --example nonblocking_server -- 127.0.0.1:9999
//! ```
//!
//! Connect several clients at once (`nc 127.0.0.1 9999` in a few
//! terminals, or the Python echo client in the chapter): each gets its own
//! lines back, and none waits for another. Stop it with Ctrl-C.

use std::net::ToSocketAddrs;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr] = args.as_slice() else {
        eprintln!("usage: nonblocking_server ADDR   (e.g. 127.0.0.1:9999)");
        return ExitCode::from(2);
    };
    let Some(addr) = addr.to_socket_addrs().ok().and_then(|mut a| a.next()) else {
        eprintln!("nonblocking_server: {addr:?} is not an address like 127.0.0.1:9999");
        return ExitCode::from(2);
    };
    let listener = match lesson10::bind_listener(addr, true) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("nonblocking_server: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("echo server on {addr}, one thread, non-blocking sockets (Ctrl-C to stop)");
    // Nothing sets the flag: the demo runs until it is killed.
    let stop = AtomicBool::new(false);
    match lesson10::serve_nonblocking(listener, &stop) {
        Ok(stats) => {
            println!("served {stats:?}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("nonblocking_server: {e}");
            ExitCode::FAILURE
        }
    }
}
