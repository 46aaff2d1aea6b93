//! Demo: what Nagle's algorithm does to small writes, and what
//! `TCP_NODELAY` and "one write per message" change.
//!
//! ```text
//! cargo run -q -p lesson10-solution --features examples --example nagle_demo
//! ```
//!
//! It runs a server and a client on loopback. The client sends 20 requests,
//! each a 5-byte header and a 100-byte body, and waits for a 1-byte answer
//! before the next: the "write, write, read" pattern. For three ways of
//! sending, it prints how the server's reads cut each request and how long
//! the 20 requests took:
//!
//! - **Nagle on, two writes**: the header leaves at once; the body is small
//!   and the header is not acknowledged yet, so Nagle holds the body back.
//!   The server has nothing to say until the body arrives, so it delays its
//!   ACK (about 40 ms on Linux): every request waits that long.
//! - **`TCP_NODELAY`, two writes**: the body leaves at once. Fast, but two
//!   segments per request (the server may read them as one or as two).
//! - **Nagle on, one write** (`send_message`): one segment, one read, no
//!   wait. The cure that needs no socket option.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use lesson10::{connect_low_latency, send_message};

const TIMEOUT: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    if std::env::args().len() > 1 {
        eprintln!(
            "usage: nagle_demo   (no arguments: it runs its own server and client on loopback)"
        );
        return ExitCode::from(2);
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nagle_demo: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> io::Result<()> {
    println!("20 requests: a 5-byte header and a 100-byte body, each answered with 1 byte");
    for (name, style) in [
        ("Nagle on, two writes", Style::TwoWrites { nodelay: false }),
        ("NODELAY,  two writes", Style::TwoWrites { nodelay: true }),
        ("Nagle on, one write ", Style::OneWrite),
    ] {
        let (took, reads) = requests(style)?;
        println!(
            "  {name}: {:>6.1} ms in all, {:>5.2} ms a request; the server's reads of the last request: {reads:?}",
            took.as_secs_f64() * 1000.0,
            took.as_secs_f64() * 1000.0 / 20.0
        );
    }
    Ok(())
}

/// A listener and a thread that runs `serve` on its first connection.
fn server<T: Send + 'static>(
    serve: impl FnOnce(TcpStream) -> io::Result<T> + Send + 'static,
) -> io::Result<(SocketAddr, thread::JoinHandle<io::Result<T>>)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept()?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        serve(stream)
    });
    Ok((addr, handle))
}

fn joined<T>(handle: thread::JoinHandle<io::Result<T>>) -> io::Result<T> {
    handle
        .join()
        .map_err(|_| io::Error::other("the server thread panicked"))?
}

#[derive(Clone, Copy)]
enum Style {
    TwoWrites { nodelay: bool },
    OneWrite,
}

/// How long 20 write-write-read requests take, and the sizes of the reads
/// the last one arrived in.
fn requests(style: Style) -> io::Result<(Duration, Vec<usize>)> {
    const HEADER: &[u8] = b"0100:";
    let body = [b'b'; 100];
    let message_len = HEADER.len() + body.len();
    let (addr, handle) = server(move |mut s| {
        let mut buf = vec![0u8; message_len];
        let mut reads = Vec::new();
        for _ in 0..20 {
            reads.clear();
            let mut got = 0;
            while got < message_len {
                match s.read(&mut buf[got..])? {
                    0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                    n => {
                        reads.push(n);
                        got += n;
                    }
                }
            }
            s.write_all(b"k")?;
        }
        Ok(reads)
    })?;
    let mut client = match style {
        Style::TwoWrites { nodelay: true } => connect_low_latency(addr, TIMEOUT)?,
        _ => TcpStream::connect_timeout(&addr, TIMEOUT)?,
    };
    client.set_read_timeout(Some(TIMEOUT))?;
    let started = Instant::now();
    let mut ack = [0u8; 1];
    for _ in 0..20 {
        match style {
            Style::TwoWrites { .. } => {
                client.write_all(HEADER)?;
                client.write_all(&body)?;
            }
            Style::OneWrite => send_message(&mut client, HEADER, &body)?,
        }
        client.read_exact(&mut ack)?;
    }
    let took = started.elapsed();
    drop(client);
    let reads = joined(handle)?;
    Ok((took, reads))
}
