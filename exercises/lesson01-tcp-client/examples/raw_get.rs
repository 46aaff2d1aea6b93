//! Demo: the chapter's Rust program, whole: the tutorials' raw-socket GET,
//! without the lesson's library. It asks ADDR for `/`, reads until the
//! server closes, prints the head and saves the body to `index.html` in the
//! current directory, as the Python program does.
//!
//! ```text
//! python3 -m http.server 8000 --bind 127.0.0.1          # another terminal
//! cargo run -q -p lesson01 --features examples --example raw_get -- 127.0.0.1:8000
//! ```

use std::error::Error;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

fn main() -> Result<(), Box<dyn Error>> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8000".to_owned())
        .parse()?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;

    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf)? {
            0 => break, // EOF: the server closed
            n => data.extend_from_slice(&buf[..n]),
        }
    }
    let split = data
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no blank line")?;
    let (head, body) = (&data[..split], &data[split + 4..]);
    println!("{}", String::from_utf8_lossy(head));
    std::fs::write("index.html", body)?;
    Ok(())
}
