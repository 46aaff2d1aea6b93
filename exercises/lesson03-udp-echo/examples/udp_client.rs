//! Demo: the tutorials' UDP client. Sends each name to the server and
//! prints its reply, resending when a reply does not come.
//!
//! ```text
//! cargo run -q -p lesson03-solution --features examples --example udp_client -- 127.0.0.1:9999 Michael Tracy Sarah
//! ```
//!
//! Start the `udp_server` demo (or the tutorials' Python server) first.

use std::net::ToSocketAddrs;
use std::process::ExitCode;

use lesson03::{Retry, greet_all};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((addr, names)) = args.split_first().filter(|(_, names)| !names.is_empty()) else {
        eprintln!("usage: udp_client ADDR NAME...   (e.g. 127.0.0.1:9999 Michael Tracy Sarah)");
        return ExitCode::from(2);
    };
    let Some(addr) = addr.to_socket_addrs().ok().and_then(|mut a| a.next()) else {
        eprintln!("udp_client: {addr:?} is not an address like 127.0.0.1:9999");
        return ExitCode::from(2);
    };
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    match greet_all(addr, &names, Retry::default()) {
        Ok(replies) => {
            for reply in replies {
                println!("{reply}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("udp_client: {e}");
            ExitCode::FAILURE
        }
    }
}
