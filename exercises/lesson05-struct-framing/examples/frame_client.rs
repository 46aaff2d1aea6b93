//! Demo: the tutorials' length-prefix client. Connects, then reads frames
//! (a 4-byte little-endian signed length, `struct.unpack('i', ...)`, then
//! that many bytes) until the server closes, printing each as text.
//!
//! ```text
//! cargo run -q -p lesson05-solution --features examples --example frame_client -- 127.0.0.1:9999
//! ```
//!
//! Try it against the `frame_server` demo or the tutorial's Python server
//! (in the chapter).

use std::net::{TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use lesson05::{Framing, read_frame};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr] = args.as_slice() else {
        eprintln!("usage: frame_client ADDR   (e.g. 127.0.0.1:9999)");
        return ExitCode::from(2);
    };
    let Some(addr) = addr.to_socket_addrs().ok().and_then(|mut a| a.next()) else {
        eprintln!("frame_client: {addr:?} is not an address like 127.0.0.1:9999");
        return ExitCode::from(2);
    };
    let timeout = Duration::from_secs(10);
    let mut stream = match TcpStream::connect_timeout(&addr, timeout) {
        Ok(stream) => stream,
        Err(e) => {
            eprintln!("frame_client: cannot connect to {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = stream.set_read_timeout(Some(timeout)) {
        eprintln!("frame_client: {e}");
        return ExitCode::FAILURE;
    }
    loop {
        match read_frame(&mut stream, Framing::TUTORIAL) {
            Ok(Some(payload)) => match String::from_utf8(payload) {
                Ok(text) => println!("{text}"),
                Err(e) => println!("({} bytes, not UTF-8)", e.as_bytes().len()),
            },
            Ok(None) => return ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("frame_client: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
}
