//! Demo: a `UDPServer` that answers each datagram `X` with `Hello, X!`, the
//! wire format of lesson 03's UDP echo.
//!
//! ```text
//! cargo run -q -p lesson06-solution --features examples --example udp_hello_server -- 127.0.0.1:9999
//! ```
//!
//! Try it with lesson 03's `udp_client` demo or the tutorial's Python client.

use std::io;
use std::net::ToSocketAddrs;
use std::process::ExitCode;
use std::time::Duration;

use lesson06::{DatagramHandler, DatagramRequest, UdpServer};

/// Answers `X` with `Hello, X!`.
struct Hello;

impl DatagramHandler for Hello {
    fn handle(&mut self, request: &DatagramRequest<'_>) -> io::Result<()> {
        let name = String::from_utf8_lossy(request.data);
        println!("{} says {name:?}", request.client_address);
        request.reply(format!("Hello, {name}!").as_bytes())
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr] = args.as_slice() else {
        eprintln!("usage: udp_hello_server ADDR   (e.g. 127.0.0.1:9999)");
        return ExitCode::from(2);
    };
    let Some(addr) = addr.to_socket_addrs().ok().and_then(|mut a| a.next()) else {
        eprintln!("udp_hello_server: {addr:?} is not an address like 127.0.0.1:9999");
        return ExitCode::from(2);
    };
    let served = UdpServer::bind(addr, || Hello).and_then(|mut server| {
        println!("serving on {}", server.server_address()?);
        server.serve_forever(Duration::from_millis(500))
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("udp_hello_server: {e}");
            ExitCode::FAILURE
        }
    }
}
