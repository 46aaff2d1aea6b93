//! Demo: the tutorials' UDP server. Every datagram `X` gets the reply
//! `Hello, X!`, sent back to whoever sent it.
//!
//! ```text
//! cargo run -q -p lesson03-solution --features examples --example udp_server -- 127.0.0.1:9999
//! ```
//!
//! Try it with the `udp_client` demo, or with the tutorials' Python client
//! (see the chapter). Stop it with Ctrl-C.

use std::net::{ToSocketAddrs, UdpSocket};
use std::process::ExitCode;

use lesson03::{RecvError, answer_one};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr] = args.as_slice() else {
        eprintln!("usage: udp_server ADDR   (e.g. 127.0.0.1:9999)");
        return ExitCode::from(2);
    };
    let Some(addr) = addr.to_socket_addrs().ok().and_then(|mut a| a.next()) else {
        eprintln!("udp_server: {addr:?} is not an address like 127.0.0.1:9999");
        return ExitCode::from(2);
    };
    let socket = match UdpSocket::bind(addr) {
        Ok(socket) => socket,
        Err(e) => {
            eprintln!("udp_server: cannot bind UDP {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("Bind UDP on {addr}...");
    loop {
        match answer_one(&socket) {
            Ok(from) => println!("Received from {from}."),
            Err(RecvError::TooLarge { from, limit }) => {
                eprintln!("udp_server: ignored a datagram over {limit} bytes from {from}");
            }
            Err(RecvError::Io(e)) => eprintln!("udp_server: {e}"),
        }
    }
}
