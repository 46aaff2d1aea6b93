//! Demo: a client for `threading_server`. Prints the greeting, sends each
//! MESSAGE as a line and prints the answer; with no MESSAGE, sends the lines
//! typed on stdin until end of input (Ctrl-D).
//!
//! ```text
//! cargo run -q -p lesson06-solution --features examples --example chat_client -- 127.0.0.1:9999 我发送了一条消息
//! ```

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use lesson06::{MAX_LINE, read_line_limited};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((addr, messages)) = args.split_first() else {
        eprintln!("usage: chat_client ADDR [MESSAGE...]   (e.g. 127.0.0.1:9999 我发送了)");
        return ExitCode::from(2);
    };
    let Some(addr) = addr.to_socket_addrs().ok().and_then(|mut a| a.next()) else {
        eprintln!("chat_client: {addr:?} is not an address like 127.0.0.1:9999");
        return ExitCode::from(2);
    };
    match chat(addr, messages) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chat_client: {e}");
            ExitCode::FAILURE
        }
    }
}

fn chat(addr: SocketAddr, messages: &[String]) -> io::Result<()> {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    print_line(&mut reader)?; // the greeting
    let typed: Box<dyn Iterator<Item = io::Result<String>>> = if messages.is_empty() {
        Box::new(io::stdin().lock().lines())
    } else {
        Box::new(messages.iter().cloned().map(Ok))
    };
    for message in typed {
        writer.write_all(format!("{}\n", message?).as_bytes())?;
        print_line(&mut reader)?;
    }
    Ok(())
}

/// Reads one line from the server and prints it; EOF is an error here,
/// because the server only closes after we do.
fn print_line(reader: &mut impl BufRead) -> io::Result<()> {
    match read_line_limited(reader, MAX_LINE)? {
        Some(line) => {
            print!("{}", String::from_utf8_lossy(&line));
            if !line.ends_with(b"\n") {
                println!();
            }
            io::stdout().flush()
        }
        None => Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the server closed the connection",
        )),
    }
}
