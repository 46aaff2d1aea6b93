//! Demo: the tutorials' time client. Connects, prints everything the server
//! sends until it closes.
//!
//! ```text
//! cargo run -q -p lesson01-solution --features examples --example time_client -- 127.0.0.1:9999
//! ```
//!
//! Lesson 02's `time_server` demo is a server to try it against.

use std::net::ToSocketAddrs;
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr] = args.as_slice() else {
        eprintln!("usage: time_client ADDR   (e.g. 127.0.0.1:9999)");
        return ExitCode::from(2);
    };
    let Some(addr) = addr.to_socket_addrs().ok().and_then(|mut a| a.next()) else {
        eprintln!("time_client: {addr:?} is not an address like 127.0.0.1:9999");
        return ExitCode::from(2);
    };
    match lesson01::fetch_time(addr, Duration::from_secs(10)) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("time_client: {e}");
            ExitCode::FAILURE
        }
    }
}
