//! Demo: the tutorial's `ThreadingTCPServer`. Greets each client with
//! `连接上了....`, then sends every line back with `发送` replaced by `接收`,
//! until the client closes; every client on a thread of its own.
//!
//! ```text
//! cargo run -q -p lesson06-solution --features examples --example threading_server -- 127.0.0.1:9999
//! ```
//!
//! Talk to it with the `chat_client` demo, with `nc 127.0.0.1 9999`, or with
//! the tutorial's Python client. Ctrl-C stops it.

use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use lesson06::{ChatHandler, ThreadingTcpServer, bind_listener};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr] = args.as_slice() else {
        eprintln!("usage: threading_server ADDR   (e.g. 127.0.0.1:9999)");
        return ExitCode::from(2);
    };
    let Some(addr) = addr.to_socket_addrs().ok().and_then(|mut a| a.next()) else {
        eprintln!("threading_server: {addr:?} is not an address like 127.0.0.1:9999");
        return ExitCode::from(2);
    };
    match serve(addr) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("threading_server: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(addr: SocketAddr) -> std::io::Result<()> {
    // SO_REUSEADDR: restart the demo at once, even with connections in TIME_WAIT.
    let listener = bind_listener(addr, true)?;
    let mut server = ThreadingTcpServer::from_listener(listener, || ChatHandler);
    // A client that says nothing for ten minutes is let go.
    server.set_timeout(Some(Duration::from_secs(600)));
    println!("serving on {}", server.server_address()?);
    server.serve_forever(Duration::from_millis(500))
}
