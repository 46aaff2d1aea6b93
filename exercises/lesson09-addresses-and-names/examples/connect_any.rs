//! Demo: connect to a host by name, trying each of its addresses in turn,
//! as Python's `socket.create_connection((host, port))` does.
//!
//! ```text
//! cargo run -q -p lesson09-solution --features examples --example connect_any -- localhost 8000
//! cargo run -q -p lesson09-solution --features examples --example connect_any -- localhost 8000 v6
//! ```
//!
//! On success it prints which address answered; otherwise every address it
//! tried, each with its own error.

use std::process::ExitCode;
use std::time::Duration;

use lesson09::{ConnectError, Family, connect_host};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (host, port, family) = match args.as_slice() {
        [host, port] => (host, port, "any"),
        [host, port, family] => (host, port, family.as_str()),
        _ => return usage(),
    };
    let family = match family {
        "any" => Family::Any,
        "v4" => Family::V4,
        "v6" => Family::V6,
        _ => return usage(),
    };
    let Ok(port) = port.parse::<u16>() else {
        eprintln!("connect_any: {port:?} is not a port (0 to 65535)");
        return ExitCode::from(2);
    };
    match connect_host(host, port, family, Duration::from_secs(5)) {
        Ok(stream) => {
            let local = stream.local_addr().map(|a| a.to_string());
            let peer = stream.peer_addr().map(|a| a.to_string());
            println!(
                "connected: {} -> {}",
                local.unwrap_or_else(|e| e.to_string()),
                peer.unwrap_or_else(|e| e.to_string())
            );
            ExitCode::SUCCESS
        }
        Err(ConnectError::AllFailed(attempts)) if !attempts.is_empty() => {
            eprintln!("connect_any: no address of {host} answered:");
            for (addr, e) in attempts {
                eprintln!("  {addr}: {e}");
            }
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("connect_any: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: connect_any HOST PORT [any|v4|v6]   (e.g. localhost 8000)");
    ExitCode::from(2)
}
