//! Demo: sends one file reliably over UDP, stop-and-wait or with a window,
//! optionally through a lossy relay to watch the protocol cope.
//!
//! ```text
//! cargo run -q -p lesson13-solution --features examples --example sender -- 127.0.0.1:9999 some.file
//! cargo run -q -p lesson13-solution --features examples --example sender -- 127.0.0.1:9999 some.file 16
//! cargo run -q -p lesson13-solution --features examples --example sender -- 127.0.0.1:9999 some.file 16 30
//! ```
//!
//! The third argument is the window (1, the default, is stop-and-wait); the
//! fourth, a loss rate in percent: the datagrams then go through the
//! testkit's relay, which drops that many, and duplicates and reorders one
//! in ten, both ways. Start the `receiver` demo first.

use std::net::{ToSocketAddrs, UdpSocket};
use std::process::ExitCode;
use std::time::Instant;

use lesson13::{Config, send_reliable, send_window};
use testkit::relay::{LossPlan, UdpRelay};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (addr, path) = match args.as_slice() {
        [addr, path, ..] if args.len() <= 4 => (addr, path),
        _ => {
            eprintln!(
                "usage: sender ADDR FILE [WINDOW] [LOSS%]   (e.g. 127.0.0.1:9999 a.bin 16 30)"
            );
            return ExitCode::from(2);
        }
    };
    let Some(peer) = addr.to_socket_addrs().ok().and_then(|mut a| a.next()) else {
        eprintln!("sender: {addr:?} is not an address like 127.0.0.1:9999");
        return ExitCode::from(2);
    };
    let number = |i: usize, default: u32| match args.get(i) {
        None => Some(default),
        Some(s) => s.parse::<u32>().ok(),
    };
    let (Some(window), Some(loss)) = (number(2, 1), number(3, 0)) else {
        eprintln!("sender: WINDOW and LOSS% are whole numbers");
        return ExitCode::from(2);
    };
    let data = match std::fs::read(path) {
        Ok(data) => data,
        Err(e) => {
            eprintln!("sender: cannot read {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Kept alive for the whole transfer when there is one.
    let relay = (loss > 0).then(|| {
        UdpRelay::start(
            peer,
            LossPlan {
                seed: 13,
                drop: f64::from(loss.min(90)) / 100.0,
                duplicate: 0.1,
                reorder: 0.1,
            },
        )
    });
    let via = relay.as_ref().map_or(peer, UdpRelay::addr);
    let socket = match UdpSocket::bind("127.0.0.1:0") {
        Ok(socket) => socket,
        Err(e) => {
            eprintln!("sender: cannot bind: {e}");
            return ExitCode::FAILURE;
        }
    };
    let config = Config {
        window: window.max(1) as usize,
        ..Config::default()
    };
    let started = Instant::now();
    let sent = if window <= 1 {
        send_reliable(&socket, via, &data, &config)
    } else {
        send_window(&socket, via, &data, &config)
    };
    match sent {
        Ok(sent) => {
            let secs = started.elapsed().as_secs_f64();
            println!(
                "sender: {} bytes in {secs:.2} s ({:.0} KiB/s), window {window}, {loss}% loss: \
                 {} datagrams sent, {} of them resent",
                data.len(),
                data.len() as f64 / 1024.0 / secs,
                sent.datagrams,
                sent.resent
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sender: {e}");
            ExitCode::FAILURE
        }
    }
}
