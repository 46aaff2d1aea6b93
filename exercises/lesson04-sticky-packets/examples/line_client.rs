//! Demo: the line client. Sends lines to a line server and prints one reply
//! per line.
//!
//! ```text
//! cargo run -q -p lesson04-solution --features examples --example line_client -- 127.0.0.1:9000 hello world
//! cargo run -q -p lesson04-solution --features examples --example line_client -- 127.0.0.1:9000
//! ```
//!
//! With lines as arguments it sends them all at once ([`lesson04::exchange`])
//! and prints the replies. Without, it reads lines from standard input and
//! sends each as you type it, printing its reply (end with Ctrl-D).

use std::io::{self, BufRead};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use lesson04::{DELIMITER, MessageReader, exchange, send_all};

const TIMEOUT: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((addr, lines)) = args.split_first() else {
        eprintln!("usage: line_client ADDR [LINE...]   (e.g. 127.0.0.1:9000 hello world)");
        return ExitCode::from(2);
    };
    let Some(addr) = addr.to_socket_addrs().ok().and_then(|mut a| a.next()) else {
        eprintln!("line_client: {addr:?} is not an address like 127.0.0.1:9000");
        return ExitCode::from(2);
    };
    let result = if lines.is_empty() {
        interactive(addr)
    } else {
        let lines: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
        exchange(addr, &lines, TIMEOUT).map(|replies| {
            for reply in replies {
                println!("{}", String::from_utf8_lossy(&reply));
            }
        })
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("line_client: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One line from standard input, one request, one reply, until EOF.
fn interactive(addr: SocketAddr) -> io::Result<()> {
    let stream = TcpStream::connect_timeout(&addr, TIMEOUT)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    let mut replies = MessageReader::new(&stream);
    for line in io::stdin().lock().lines() {
        let mut request = line?.into_bytes();
        request.push(DELIMITER);
        send_all(&mut &stream, &request)?;
        match replies.next_message()? {
            Some(reply) => println!("{}", String::from_utf8_lossy(&reply)),
            None => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection",
                ));
            }
        }
    }
    Ok(())
}
