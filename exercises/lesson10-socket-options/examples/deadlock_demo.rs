//! Demo: the framing deadlock, and its cure.
//!
//! ```text
//! cargo run -q -p lesson10-solution --features examples --example deadlock_demo
//! cargo run -q -p lesson10-solution --features examples --example deadlock_demo -- 50000000
//! ```
//!
//! Two peers on loopback each send SIZE bytes (default 10 MB) to the other.
//! First both write everything before reading (`write_then_read`): once
//! both sockets' buffers are full, both wait in `write` for a reader that
//! never comes; a 1 s write timeout ends the stall, after 2 s: the first
//! write waits its second and returns the part it copied, the next one
//! waits another and fails. Then both use `exchange`, which reads on a
//! second thread while it writes: done.
//!
//! The sockets get 64 KiB buffers (`SO_SNDBUF`, `SO_RCVBUF`) so the stall
//! is certain: Linux grows loopback buffers to several megabytes by
//! itself, and then a few MB would still fit.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use lesson10::{TransferError, exchange, write_then_read};
use socket2::{Domain, Protocol, Socket, Type};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let size = match args.as_slice() {
        [] => 10_000_000,
        [n] => match n.parse::<usize>() {
            Ok(n) => n,
            Err(_) => {
                eprintln!("deadlock_demo: {n:?} is not a byte count");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("usage: deadlock_demo [SIZE]   (bytes each peer sends; default 10000000)");
            return ExitCode::from(2);
        }
    };
    match run(size) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("deadlock_demo: {e}");
            ExitCode::FAILURE
        }
    }
}

type Exchange = fn(&mut TcpStream, &[u8], usize, Duration) -> Result<Vec<u8>, TransferError>;

fn run(size: usize) -> io::Result<()> {
    let data = vec![b'x'; size];
    println!("two peers, {size} bytes each way, 1 s timeouts");
    for (name, f) in [
        (
            "write_then_read (write all, then read)",
            write_then_read as Exchange,
        ),
        (
            "exchange (a reader thread while writing)",
            exchange as Exchange,
        ),
    ] {
        let (mut a, mut b) = connected_pair()?;
        let started = Instant::now();
        let (ra, rb) = thread::scope(|s| {
            let peer = s.spawn(|| f(&mut b, &data, size, Duration::from_secs(1)));
            let mine = f(&mut a, &data, size, Duration::from_secs(1));
            (mine, peer.join())
        });
        let rb = rb.map_err(|_| io::Error::other("a peer thread panicked"))?;
        println!("\n{name}: {:.2} s", started.elapsed().as_secs_f64());
        for (peer, r) in [("A", ra), ("B", rb)] {
            match r {
                Ok(reply) => println!("  peer {peer}: received {} bytes", reply.len()),
                Err(e) => println!("  peer {peer}: {e}"),
            }
        }
    }
    Ok(())
}

/// The send and receive buffer size asked for (Linux keeps twice it, and no
/// longer grows it by itself).
const BUFFER: usize = 64 * 1024;

/// A connected loopback pair (client, server side) with small buffers, set
/// before `listen` and `connect` so they hold from the first byte.
fn connected_pair() -> io::Result<(TcpStream, TcpStream)> {
    let small_socket = || -> io::Result<Socket> {
        let s = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
        s.set_send_buffer_size(BUFFER)?;
        s.set_recv_buffer_size(BUFFER)?;
        Ok(s)
    };
    let listener = small_socket()?;
    let any: SocketAddr = "127.0.0.1:0".parse().map_err(io::Error::other)?;
    listener.bind(&any.into())?;
    listener.listen(1)?;
    let addr = listener
        .local_addr()?
        .as_socket()
        .ok_or_else(|| io::Error::other("the listener has no IP address"))?;
    let client = small_socket()?;
    client.connect(&addr.into())?;
    let (server, _) = listener.accept()?;
    Ok((client.into(), server.into()))
}
