//! Demo: the tutorials' file client. Connects, receives one file and saves
//! it in DIR under the name the server sent (if that name is safe).
//!
//! ```text
//! cargo run -q -p lesson07-solution --features examples --example file_client -- 127.0.0.1:9999 downloads
//! cargo run -q -p lesson07-solution --features examples --example file_client -- --stream 127.0.0.1:9999 downloads
//! ```
//!
//! By default it reads the tutorials' JSON format, so it works against a
//! Python server written as in the tutorials; `--stream` reads the streamed
//! format that `file_server --stream` sends.

use std::net::ToSocketAddrs;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage: file_client [--stream] ADDR DIR   (e.g. 127.0.0.1:9999 downloads)";

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let streamed = match args.iter().position(|a| a == "--stream") {
        Some(i) => {
            args.remove(i);
            true
        }
        None => false,
    };
    let [addr, dir] = args.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let Some(addr) = addr.to_socket_addrs().ok().and_then(|mut a| a.next()) else {
        eprintln!("file_client: {addr:?} is not an address like 127.0.0.1:9999");
        return ExitCode::from(2);
    };
    let dir = PathBuf::from(dir);
    if !dir.is_dir() {
        eprintln!("file_client: {} is not a directory", dir.display());
        return ExitCode::from(2);
    }
    let timeout = Duration::from_secs(10);
    let received = if streamed {
        lesson07::receive_file_streamed(addr, &dir, timeout)
    } else {
        lesson07::receive_file(addr, &dir, timeout)
    };
    match received {
        Ok(path) => {
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            println!("saved {size} bytes to {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("file_client: {e}");
            ExitCode::FAILURE
        }
    }
}
