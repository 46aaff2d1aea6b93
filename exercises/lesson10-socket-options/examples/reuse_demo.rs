//! Demo: "Address already in use" after a restart, and `SO_REUSEADDR`.
//!
//! ```text
//! cargo run -q -p lesson10-solution --features examples --example reuse_demo
//! ```
//!
//! It starts a server on a port the kernel picks, serves one client and
//! closes first (so the server's side of that connection waits in
//! TIME_WAIT), stops the server, and restarts it on the same port: first
//! without `SO_REUSEADDR` (refused), then with it (fine). While it runs,
//! `ss -tan | grep TIME-WAIT` in another terminal shows the old connection.

use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;

fn main() -> ExitCode {
    if std::env::args().len() > 1 {
        eprintln!(
            "usage: reuse_demo   (no arguments: it runs its own server and client on loopback)"
        );
        return ExitCode::from(2);
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("reuse_demo: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> io::Result<()> {
    let any: SocketAddr = "127.0.0.1:0".parse().map_err(io::Error::other)?;
    let server = lesson10::bind_listener(any, true)?;
    let addr = server.local_addr()?;
    println!("1. server listening on {addr}");

    let mut client = TcpStream::connect(addr)?;
    let (conn, _) = server.accept()?;
    let ends = lesson10::endpoints(&conn)?;
    println!("2. served one client: {ends}");
    drop(conn);
    let mut rest = Vec::new();
    client.read_to_end(&mut rest)?;
    drop(client);
    println!("   the server closed first, so its side now waits in TIME_WAIT");
    drop(server);
    println!("3. server stopped; restarting on {addr} ...");

    match lesson10::bind_listener(addr, false) {
        Err(e) => println!("   without SO_REUSEADDR: {e}"),
        Ok(_) => {
            println!("   without SO_REUSEADDR: bound (this system does not keep TIME_WAIT here)")
        }
    }
    match lesson10::bind_listener(addr, true) {
        Ok(listener) => println!(
            "   with SO_REUSEADDR:    listening on {}",
            listener.local_addr()?
        ),
        Err(e) => println!("   with SO_REUSEADDR:    {e}"),
    }
    Ok(())
}
