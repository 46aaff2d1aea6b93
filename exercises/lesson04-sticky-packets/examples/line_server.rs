//! Demo: the line server. Each line a client sends comes back upper-cased,
//! on as many connections at once as clients open.
//!
//! ```text
//! cargo run -q -p lesson04-solution --features examples --example line_server -- 127.0.0.1:9000
//! ```
//!
//! Talk to it with `line_client`, with `nc 127.0.0.1 9000`, or with the
//! Python client in the chapter.

use std::net::TcpListener;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr] = args.as_slice() else {
        eprintln!("usage: line_server ADDR   (e.g. 127.0.0.1:9000)");
        return ExitCode::from(2);
    };
    let listener = match TcpListener::bind(addr.as_str()) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("line_server: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(bound) => eprintln!("line server on {bound}: each line comes back upper-cased"),
        Err(e) => eprintln!("line server on {addr} ({e})"),
    }
    lesson04::serve(listener)
}
