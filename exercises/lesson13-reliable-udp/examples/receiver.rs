//! Demo: receives one file reliably over UDP and saves it.
//!
//! ```text
//! cargo run -q -p lesson13-solution --features examples --example receiver -- 127.0.0.1:9999 received.bin
//! ```
//!
//! Then start the `sender` demo in another terminal. The receiver returns
//! once the sender's FIN is acknowledged and a second of quiet has passed
//! (its TIME_WAIT: it stays to answer a FIN whose ACK was lost).

use std::net::UdpSocket;
use std::process::ExitCode;
use std::time::Instant;

use lesson13::{Config, recv_reliable};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, out] = args.as_slice() else {
        eprintln!("usage: receiver ADDR OUT_FILE   (e.g. 127.0.0.1:9999 received.bin)");
        return ExitCode::from(2);
    };
    let socket = match UdpSocket::bind(addr.as_str()) {
        Ok(socket) => socket,
        Err(e) => {
            eprintln!("receiver: cannot bind {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Wait as long as it takes for the sender's first datagram (peek_from
    // leaves it in the socket for recv_reliable), then give the transfer
    // the default patience: a second of silence means the sender is gone.
    println!("receiver: waiting on {addr} ...");
    let mut first = [0u8; 1];
    if let Err(e) = socket.peek_from(&mut first) {
        eprintln!("receiver: {e}");
        return ExitCode::FAILURE;
    }
    let config = Config::default();
    let started = Instant::now();
    match recv_reliable(&socket, &config) {
        Ok(data) => {
            if let Err(e) = std::fs::write(out, &data) {
                eprintln!("receiver: cannot write {out}: {e}");
                return ExitCode::FAILURE;
            }
            println!(
                "receiver: {} bytes saved to {out} ({:.2} s, a second of it the final wait)",
                data.len(),
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("receiver: {e}");
            ExitCode::FAILURE
        }
    }
}
