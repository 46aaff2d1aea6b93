//! Demo: the tutorials' length-prefix server. For every client it sends ten
//! UTF-8 messages `这是第N次发送的数据` (N = 1..10), each after a 4-byte
//! little-endian signed length (`struct.pack('i', len)`), then closes.
//!
//! ```text
//! cargo run -q -p lesson05-solution --features examples --example frame_server -- 127.0.0.1:9999
//! ```
//!
//! Read them with the `frame_client` demo, or with the tutorial's Python
//! client (in the chapter).

use std::net::TcpListener;
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr] = args.as_slice() else {
        eprintln!("usage: frame_server ADDR   (e.g. 127.0.0.1:9999)");
        return ExitCode::from(2);
    };
    let listener = match TcpListener::bind(addr) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("frame_server: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(local) => println!("frame_server: listening on {local}"),
        Err(_) => println!("frame_server: listening on {addr}"),
    }
    // One client at a time, as the tutorial's server does.
    for conn in listener.incoming() {
        let mut stream = match conn {
            Ok(stream) => stream,
            Err(e) => {
                eprintln!("frame_server: accept failed: {e}");
                continue;
            }
        };
        let peer = stream
            .peer_addr()
            .map_or_else(|_| "a client".to_owned(), |a| a.to_string());
        // A client that stops reading must not stall the server forever.
        if let Err(e) = stream.set_write_timeout(Some(Duration::from_secs(10))) {
            eprintln!("frame_server: {peer}: {e}");
            continue;
        }
        match lesson05::send_tutorial_messages(&mut stream) {
            Ok(()) => println!("frame_server: sent 10 frames to {peer}"),
            Err(e) => eprintln!("frame_server: {peer}: {e}"),
        }
    }
    ExitCode::SUCCESS
}
