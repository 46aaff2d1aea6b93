//! Demo: the tutorials' greeting client. Prints the server's greeting, sends
//! each NAME as a line and prints the answer, then says `exit`.
//!
//! ```text
//! cargo run -q -p lesson02-solution --features examples --example echo_client -- 127.0.0.1:9999 Michael Tracy Sarah
//! ```
//!
//! The `echo_server` demo is a server for it.

use std::io::{self, BufReader, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use lesson02::{LineError, MAX_LINE, read_line};

const TIMEOUT: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, names @ ..] = args.as_slice() else {
        eprintln!("usage: echo_client ADDR NAME...   (e.g. 127.0.0.1:9999 Michael Tracy)");
        return ExitCode::from(2);
    };
    if names.is_empty() || names.iter().any(|n| n.contains('\n')) {
        eprintln!("usage: echo_client ADDR NAME...   (at least one name, each on one line)");
        return ExitCode::from(2);
    }
    let Some(addr) = resolve(addr) else {
        eprintln!("echo_client: {addr:?} is not an address like 127.0.0.1:9999");
        return ExitCode::from(2);
    };
    match converse(addr, names) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo_client: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Greeting, one line and its answer per name, then `exit`.
fn converse(addr: SocketAddr, names: &[String]) -> Result<(), LineError> {
    let stream = TcpStream::connect_timeout(&addr, TIMEOUT)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    let mut writer = &stream;
    let mut reader = BufReader::new(&stream);
    print_line(read_line(&mut reader, MAX_LINE)?)?;
    for name in names {
        writer.write_all(format!("{name}\n").as_bytes())?;
        print_line(read_line(&mut reader, MAX_LINE)?)?;
    }
    writer.write_all(b"exit\n")?;
    // The server closes after `exit`; anything it still sends is shown.
    while let Some(line) = read_line(&mut reader, MAX_LINE)? {
        print_line(Some(line))?;
    }
    Ok(())
}

fn print_line(line: Option<Vec<u8>>) -> io::Result<()> {
    match line {
        Some(line) => {
            println!("{}", String::from_utf8_lossy(&line));
            Ok(())
        }
        None => Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the server closed the connection",
        )),
    }
}

fn resolve(addr: &str) -> Option<SocketAddr> {
    addr.to_socket_addrs().ok()?.next()
}
