//! Demo: the greeting client, async, through the lesson's own codec. Prints
//! the server's greeting, sends each NAME as a message and prints every
//! answer (`wait N` gets two), then says `exit`.
//!
//! ```text
//! cargo run -q -p lesson11-solution --features examples --example async_echo_client -- 127.0.0.1:9999 Michael "wait 500" Tracy
//! cargo run -q -p lesson11-solution --features examples --example async_echo_client -- 127.0.0.1:9999 --frames Michael
//! ```
//!
//! `--frames` speaks lesson 05's tutorial frames (`--network-frames`: a
//! big-endian length) to an `async_echo_server` started in that mode.

use std::process::ExitCode;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use lesson11::{Header, MessageError, Protocol, TextCodec};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_util::codec::Framed;

const USAGE: &str = "usage: async_echo_client ADDR [--frames|--network-frames] NAME...   (e.g. 127.0.0.1:9999 Michael Tracy)";

/// How long the client waits for the server to connect, answer or take a
/// message (a `wait` up to 60 s takes longer: it gets its own time).
const TIMEOUT: Duration = Duration::from_secs(10);

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((addr, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let (protocol, names) = match rest.split_first() {
        Some((flag, names)) if flag == "--frames" => (Protocol::Frames(Header::I32Le), names),
        Some((flag, names)) if flag == "--network-frames" => {
            (Protocol::Frames(Header::U32Be), names)
        }
        _ => (Protocol::Lines, rest),
    };
    if names.is_empty() || names.iter().any(|n| n.contains('\n')) {
        eprintln!("{USAGE}\n(at least one name, each on one line)");
        return ExitCode::from(2);
    }
    match converse(addr, protocol, names).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("async_echo_client: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Greeting, the answers to each name, then `exit`.
async fn converse(addr: &str, protocol: Protocol, names: &[String]) -> Result<(), MessageError> {
    let stream = within(TIMEOUT, TcpStream::connect(addr)).await??;
    let mut framed = Framed::new(stream, TextCodec::new(protocol, 64 * 1024));
    print_next(&mut framed, TIMEOUT).await?;
    for name in names {
        within(TIMEOUT, framed.send(name.clone())).await??;
        print_next(&mut framed, TIMEOUT).await?;
        if let lesson11::Reply::Wait(time) = lesson11::reply(name) {
            print_next(&mut framed, time + TIMEOUT).await?;
        }
    }
    within(TIMEOUT, framed.send("exit".to_owned())).await??;
    // The server closes after `exit`; anything it still sends is shown.
    while let Some(message) = within(TIMEOUT, framed.next()).await? {
        println!("{}", message?);
    }
    Ok(())
}

/// Prints the next message, which must come within `limit`.
async fn print_next(
    framed: &mut Framed<TcpStream, TextCodec>,
    limit: Duration,
) -> Result<(), MessageError> {
    match within(limit, framed.next()).await? {
        Some(message) => {
            println!("{}", message?);
            Ok(())
        }
        None => Err(MessageError::Io(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the server closed the connection",
        ))),
    }
}

/// `future`, or a `TimedOut` error after `limit`.
async fn within<T>(limit: Duration, future: impl Future<Output = T>) -> Result<T, MessageError> {
    timeout(limit, future).await.map_err(|_| {
        MessageError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the server did not answer in time",
        ))
    })
}
