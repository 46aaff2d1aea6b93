//! Demo: the tutorials' chat client. One thread prints every line the
//! server sends; the main thread sends every line you type (the first one
//! is your name). Ctrl-D leaves the room.
//!
//! ```text
//! cargo run -q -p lesson12-solution --features examples --example chat_client -- 127.0.0.1:9999
//! cargo run -q -p lesson12-solution --features examples --example chat_client -- 127.0.0.1:9999 --never-read slowpoke
//! cargo run -q -p lesson12-solution --features examples --example chat_client -- 127.0.0.1:9999 --flood loud 20000
//! ```
//!
//! `--never-read NAME` joins as NAME and then reads nothing, ever.
//! `--flood NAME COUNT` joins as NAME and sends COUNT long lines as fast as
//! the server takes them (reading, and throwing away, what comes back).
//! Start a plain client, a never-reading one and a flood: the plain client
//! keeps up, and soon shows `* slowpoke was dropped for not reading`.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{Shutdown, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [] => chat("127.0.0.1:9999"),
        [addr] => chat(addr),
        [addr, flag, name] if flag == "--never-read" => never_read(addr, name),
        [addr, flag, name, count] if flag == "--flood" => match count.parse() {
            Ok(count) => flood(addr, name, count),
            Err(_) => return usage(),
        },
        _ => return usage(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chat_client: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The tutorial's client: a receiving thread, and the keyboard on this one.
fn chat(addr: &str) -> io::Result<()> {
    let stream = TcpStream::connect(addr)?;
    let reader = BufReader::new(stream.try_clone()?);
    let receiver = thread::spawn(move || {
        for line in reader.lines() {
            match line {
                Ok(line) => println!("{line}"),
                Err(e) => {
                    eprintln!("(connection error: {e})");
                    break;
                }
            }
        }
        println!("(the server closed the connection; press Enter)");
    });
    let mut writer = &stream;
    for line in io::stdin().lock().lines() {
        let line = line?;
        if writer.write_all(format!("{line}\n").as_bytes()).is_err() {
            break;
        }
    }
    // Ctrl-D: tell the server we are done, and let the receiver see the end.
    let _ = stream.shutdown(Shutdown::Both);
    let _ = receiver.join();
    Ok(())
}

/// A client that joins and then never reads: the slow reader of the
/// chapter. The room's lines pile up in its socket's buffers, then in its
/// queue on the server, until the server drops it.
fn never_read(addr: &str, name: &str) -> io::Result<()> {
    let mut stream = TcpStream::connect(addr)?;
    stream.write_all(format!("{name}\n").as_bytes())?;
    println!("joined as {name}; reading nothing from now on (Ctrl-C ends it)");
    loop {
        thread::sleep(Duration::from_secs(3600));
    }
}

/// A client that says `count` long lines as fast as it can, and reads (and
/// drops) whatever the room sends it, so that it is not slow itself.
fn flood(addr: &str, name: &str, count: usize) -> io::Result<()> {
    let stream = TcpStream::connect(addr)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let drain = thread::spawn(move || {
        let mut line = Vec::new();
        let mut lines = 0usize;
        while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
            lines += 1;
            line.clear();
        }
        lines
    });
    let mut writer = &stream;
    writer.write_all(format!("{name}\n").as_bytes())?;
    let padding = "~".repeat(400);
    for n in 1..=count {
        writer.write_all(format!("{n} {padding}\n").as_bytes())?;
    }
    println!("sent {count} lines of about 400 bytes as {name}");
    let _ = stream.shutdown(Shutdown::Write);
    let heard = drain.join().unwrap_or(0);
    println!("heard {heard} lines meanwhile");
    Ok(())
}

fn usage() -> ExitCode {
    eprintln!("usage: chat_client [ADDR] [--never-read NAME | --flood NAME COUNT]");
    ExitCode::from(2)
}
