//! Demo: watch sticky packets happen on loopback, then watch the cure.
//!
//! ```text
//! cargo run -q -p lesson04-solution --features examples --example sticky_demo
//! ```
//!
//! It runs a server and a client in one process (the server on a port the
//! kernel picks) and prints what each `recv` returned, as Python prints
//! bytes:
//!
//! 1. the server sends `b'hello'` and `b'world'` with two writes; the
//!    client's first recv returns `b'helloworld'`, the second `b''`;
//! 2. the server sends 3000 bytes with one write; the client's recv(1024)
//!    needs three calls to get them;
//! 3. the tutorials' remote command, without running one: the client asks
//!    `list` (the server answers with a long listing, about 2700 bytes) and
//!    then `ping`; one recv(1024) per request takes only the start of the
//!    listing, and the answer read for `ping` is more of the listing;
//! 4. the server ends each message with `\n`; a `MessageReader` gets the
//!    messages back exactly, however they were sent.

use std::io;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use lesson04::{MessageReader, read_message_naive, send_all};

fn main() -> ExitCode {
    if std::env::args().len() > 1 {
        eprintln!(
            "usage: sticky_demo   (no arguments: it runs its own server and client on loopback)"
        );
        return ExitCode::from(2);
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sticky_demo: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> io::Result<()> {
    println!("1. Two sends, one recv");
    println!("   server: send(b'hello'); send(b'world'); close()");
    let mut client = connected_to(|mut conn| {
        conn.set_nodelay(true)?;
        send_all(&mut conn, b"hello")?;
        send_all(&mut conn, b"world")
    })?;
    // Like the tutorial's server, which is slower to recv than the client
    // is to send: both messages are in the receive buffer by now.
    thread::sleep(Duration::from_millis(200));
    println!(
        "   client: recv(1024) -> {}",
        py(&read_message_naive(&mut client)?)
    );
    println!(
        "   client: recv(1024) -> {}",
        py(&read_message_naive(&mut client)?)
    );
    println!("   The two messages stuck together; b'' means the server closed.");
    println!();

    println!("2. One send, several recvs");
    println!("   server: send(3000 bytes); close()");
    let mut client = connected_to(|mut conn| send_all(&mut conn, &[b'x'; 3000]))?;
    thread::sleep(Duration::from_millis(200));
    loop {
        let got = read_message_naive(&mut client)?;
        if got.is_empty() {
            println!("   client: recv(1024) -> b'' (closed)");
            break;
        }
        println!("   client: recv(1024) -> {} bytes", got.len());
    }
    println!("   One message, cut into pieces by the reader's buffer size.");
    println!();

    println!("3. A long reply's tail leaks into the next reply");
    println!("   server: answers b'list\\n' with a long listing, b'ping\\n' with b'pong\\n'");
    let listing = listing();
    let reply = listing.clone();
    let mut client = connected_to(move |conn| {
        let mut requests = MessageReader::new(&conn);
        while let Some(request) = requests.next_message()? {
            let answer = match request.as_slice() {
                b"list" => reply.clone(),
                b"ping" => b"pong\n".to_vec(),
                _ => b"unknown command\n".to_vec(),
            };
            send_all(&mut &conn, &answer)?;
        }
        Ok(())
    })?;
    for request in [&b"list\n"[..], b"ping\n"] {
        send_all(&mut client, request)?;
        thread::sleep(Duration::from_millis(200));
        let got = read_message_naive(&mut client)?;
        println!(
            "   client: send({}); recv(1024) -> {} bytes: {}...",
            py(request),
            got.len(),
            py(&got[..got.len().min(24)])
        );
    }
    client.shutdown(Shutdown::Write)?;
    let mut rest = Vec::new();
    loop {
        let got = read_message_naive(&mut client)?;
        if got.is_empty() {
            break;
        }
        rest.extend_from_slice(&got);
    }
    println!(
        "   client: the rest, read until the server closed: {} bytes, ending {}",
        rest.len(),
        py(&rest[rest.len().saturating_sub(24)..])
    );
    println!(
        "   The listing was {} bytes: recv(1024) took its start, the recv meant for the",
        listing.len()
    );
    println!("   answer to ping got more of the listing, and b'pong' came last of all.");
    println!();

    println!("4. The cure: end every message with \\n and read with a MessageReader");
    println!(
        "   server: send(b'hello\\n'); send(b'world\\n'); send(b'sticky\\npackets\\n'); close()"
    );
    let client = connected_to(|mut conn| {
        send_all(&mut conn, b"hello\n")?;
        send_all(&mut conn, b"world\n")?;
        send_all(&mut conn, b"sticky\npackets\n")
    })?;
    thread::sleep(Duration::from_millis(200));
    for message in MessageReader::new(client) {
        println!("   client: next_message() -> {}", py(&message?));
    }
    println!("   client: next_message() -> None (closed between messages)");
    Ok(())
}

/// The long answer to `list`: what the tutorials' remote shell printed for
/// `ls -l` (or `dir`), made up here instead of running a command.
fn listing() -> Vec<u8> {
    (1..=60)
        .map(|i| {
            format!(
                "-rw-r--r--  1 demo  demo  {:>6}  report-{i:03}.txt\n",
                1000 + i * 37
            )
        })
        .collect::<String>()
        .into_bytes()
}

/// Starts a one-connection server on a loopback port chosen by the kernel,
/// running `serve` on the accepted connection, and returns a client
/// connected to it.
fn connected_to<F>(serve: F) -> io::Result<TcpStream>
where
    F: FnOnce(TcpStream) -> io::Result<()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    thread::spawn(move || {
        let result = listener.accept().and_then(|(conn, _)| serve(conn));
        if let Err(e) = result {
            eprintln!("sticky_demo: server: {e}");
        }
    });
    let client = TcpStream::connect(addr)?;
    client.set_read_timeout(Some(Duration::from_secs(5)))?;
    Ok(client)
}

/// Bytes the way Python's `repr` shows them: `b'hello\n'`.
fn py(bytes: &[u8]) -> String {
    format!("b'{}'", bytes.escape_ascii())
}
