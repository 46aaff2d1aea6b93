//! Demo: the chat room server. Serves until you press Ctrl-C.
//!
//! ```text
//! cargo run -q -p lesson12-solution --features examples --example chat_server -- 127.0.0.1:9999
//! cargo run -q -p lesson12-solution --features examples --example chat_server -- 127.0.0.1:9999 8    # queues of 8 lines
//! ```
//!
//! Talk to it with the `chat_client` demo, the Python client in the
//! chapter, or `nc 127.0.0.1 9999`, from several terminals at once.

use std::net::TcpListener;
use std::process::ExitCode;

use lesson12::{Config, QUEUE, Stop, serve};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (addr, queue) = match args.as_slice() {
        [] => ("127.0.0.1:9999", None),
        [addr] => (addr.as_str(), None),
        [addr, queue] => (addr.as_str(), Some(queue)),
        _ => return usage(),
    };
    let queue = match queue.map(|q| q.parse::<usize>()) {
        None => QUEUE,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => return usage(),
    };
    let listener = match TcpListener::bind(addr) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("chat_server: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let config = Config {
        queue,
        ..Config::default()
    };
    println!(
        "chat room on {addr} (queues of {} lines, lines up to {} bytes); Ctrl-C stops it",
        config.queue, config.max_line
    );
    // Nothing throws this switch: the server runs until the process ends.
    match serve(listener, config, Stop::new()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chat_server: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: chat_server [ADDR [QUEUE]]   (e.g. 127.0.0.1:9999 64)");
    ExitCode::from(2)
}
