//! Demo: send a request, half-close (`shutdown(SHUT_WR)`) to say "that is
//! all", and print the reply the server sends once it has read everything.
//!
//! ```text
//! cargo run -q -p lesson10-solution --features examples --example half_close_client -- 127.0.0.1:9999 "hello, server"
//! ```
//!
//! Any server that reads until EOF and then answers will do: the Python one
//! in the chapter, or the `nonblocking_server` demo (it echoes, then closes
//! once the client has closed its side).

use std::net::{TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

/// The most reply bytes this client keeps.
const MAX_REPLY: usize = 1024 * 1024;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, message] = args.as_slice() else {
        eprintln!("usage: half_close_client ADDR MESSAGE   (e.g. 127.0.0.1:9999 \"hello\")");
        return ExitCode::from(2);
    };
    let Some(addr) = addr.to_socket_addrs().ok().and_then(|mut a| a.next()) else {
        eprintln!("half_close_client: {addr:?} is not an address like 127.0.0.1:9999");
        return ExitCode::from(2);
    };
    let timeout = Duration::from_secs(10);
    let mut stream = match TcpStream::connect_timeout(&addr, timeout) {
        Ok(stream) => stream,
        Err(e) => {
            eprintln!("half_close_client: cannot connect to {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Ok(ends) = lesson10::endpoints(&stream) {
        println!("connection {ends}");
    }
    match lesson10::request_until_eof(&mut stream, message.as_bytes(), MAX_REPLY, timeout) {
        Ok(reply) => {
            println!("sent {} bytes, then shutdown(Write)", message.len());
            println!(
                "reply ({} bytes): {}",
                reply.len(),
                String::from_utf8_lossy(&reply)
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("half_close_client: {e}");
            ExitCode::FAILURE
        }
    }
}
