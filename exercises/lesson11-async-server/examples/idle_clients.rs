//! Demo and benchmark helper: opens N connections to a greeting server,
//! reads the greeting on each (so each is really being served), then holds
//! them all open and silent for SECONDS: what a server pays per idle client.
//!
//! ```text
//! cargo run -q -p lesson11-solution --features examples --example idle_clients -- 127.0.0.1:9999 1000 30
//! ```
//!
//! It prints `holding N connections` once they are all open, and the
//! number it managed if it could not open them all (too many open files).
//! `bench/idle_connections.sh` runs it against lesson 02's thread-per-client
//! server and this lesson's async one.

use std::io::{BufRead, BufReader};
use std::net::{TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

const USAGE: &str = "usage: idle_clients ADDR N [SECONDS]   (e.g. 127.0.0.1:9999 1000 30)";

/// How long one connection may take to connect and be greeted.
const TIMEOUT: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (addr, count, seconds) = match args.as_slice() {
        [addr, n] => (addr, n, "30"),
        [addr, n, s] => (addr, n, s.as_str()),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let (Some(addr), Ok(count), Ok(seconds)) = (
        addr.to_socket_addrs().ok().and_then(|mut a| a.next()),
        count.parse::<usize>(),
        seconds.parse::<u64>(),
    ) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    // Connect them all first, then read the greetings: a server that polls
    // its listener between accepts takes a whole queue at a time, where one
    // connection after another would cost it a poll interval each.
    let mut held = Vec::with_capacity(count);
    for n in 0..count {
        match TcpStream::connect_timeout(&addr, TIMEOUT) {
            Ok(stream) => held.push(stream),
            Err(e) => {
                println!("stopped at {n} connections: {e}");
                break;
            }
        }
    }
    for (n, stream) in held.iter().enumerate() {
        if let Err(e) = greeted(stream) {
            println!("connection {n} was not greeted: {e}");
            return ExitCode::FAILURE;
        }
    }
    println!("holding {} connections", held.len());
    thread::sleep(Duration::from_secs(seconds));
    drop(held);
    ExitCode::SUCCESS
}

/// Reads the server's greeting on one connection.
fn greeted(stream: &TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(TIMEOUT))?;
    let mut greeting = String::new();
    BufReader::new(stream).read_line(&mut greeting)?;
    if greeting.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the server closed the connection before its greeting",
        ));
    }
    Ok(())
}
