//! Demo: lesson 02's greeting server as tokio tasks. Says `Hello, I am
//! server!`, answers each line `X` with `Hello, X!` (and `wait N` after N
//! ms), closes on `exit`; every client is a task, at most MAX_CONNECTIONS
//! at once. Press Enter for a graceful shutdown: every client hears
//! `The server is shutting down. Goodbye!` and the server prints its report.
//!
//! ```text
//! cargo run -q -p lesson11-solution --features examples --example async_echo_server -- 127.0.0.1:9999
//! cargo run -q -p lesson11-solution --features examples --example async_echo_server -- 127.0.0.1:9999 frames 2
//! ```
//!
//! MODE is `lines` (the default), `frames` (lesson 05's tutorial frames: a
//! 4-byte little-endian signed length, then the payload) or
//! `network-frames` (a 4-byte big-endian length). Try it with the
//! `async_echo_client` demo, with `nc 127.0.0.1 9999`, or with lesson 02's
//! `echo_client`: the protocol is the same.

use std::io::{self, BufRead};
use std::process::ExitCode;
use std::thread;

use lesson11::{Config, Header, Protocol, serve};
use tokio_util::sync::CancellationToken;

const USAGE: &str = "usage: async_echo_server ADDR [lines|frames|network-frames] [MAX_CONNECTIONS]";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (addr, mode, max) = match args.as_slice() {
        [addr] => (addr, "lines", None),
        [addr, mode] => (addr, mode.as_str(), None),
        [addr, mode, max] => (addr, mode.as_str(), Some(max)),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let protocol = match mode {
        "lines" => Protocol::Lines,
        "frames" => Protocol::Frames(Header::I32Le),
        "network-frames" => Protocol::Frames(Header::U32Be),
        other => {
            eprintln!("async_echo_server: unknown mode {other:?}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut config = Config {
        protocol,
        ..Config::default()
    };
    if let Some(max) = max {
        match max.parse() {
            Ok(n) if n > 0 => config.max_connections = n,
            _ => {
                eprintln!("async_echo_server: MAX_CONNECTIONS must be a number above 0\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let listener = match tokio::net::TcpListener::bind(addr.as_str()).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("async_echo_server: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let shown = listener
        .local_addr()
        .map_or_else(|_| addr.clone(), |a| a.to_string());
    eprintln!(
        "async_echo_server: waiting for connections on {shown}, {mode}, at most {} at once \
         (Enter: graceful shutdown; Ctrl-C: stop at once)",
        config.max_connections
    );
    // Standard input is read on a thread of its own: a blocking read has no
    // place in a task. A line means "shut down"; EOF (no terminal) means
    // nobody will ask, so the server keeps serving.
    let stop = CancellationToken::new();
    let asked = stop.clone();
    thread::spawn(move || {
        let mut line = String::new();
        if matches!(io::stdin().lock().read_line(&mut line), Ok(n) if n > 0) {
            eprintln!("async_echo_server: shutting down");
            asked.cancel();
        }
    });
    match serve(listener, config, stop.cancelled_owned()).await {
        Ok(report) => {
            eprintln!("async_echo_server: {report:?}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("async_echo_server: {e}");
            ExitCode::FAILURE
        }
    }
}
