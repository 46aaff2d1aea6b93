//! Rude peers: the ways a real client or server ends a conversation.

use std::io::{self, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use socket2::SockRef;

use crate::chunking::{Chunking, write_chunked};

/// Half-close: no more bytes from us (the peer reads EOF), but we can still
/// read its reply. Python's `sock.shutdown(socket.SHUT_WR)`.
pub fn half_close(stream: &TcpStream) -> io::Result<()> {
    stream.shutdown(Shutdown::Write)
}

/// Abrupt close: the peer's next read or write fails with "connection reset"
/// instead of seeing a clean EOF. Done by closing with `SO_LINGER` set to 0,
/// which makes the kernel send RST instead of FIN.
pub fn reset(stream: TcpStream) -> io::Result<()> {
    SockRef::from(&stream).set_linger(Some(Duration::ZERO))?;
    drop(stream);
    Ok(())
}

/// Writes `data` one byte at a time with `TCP_NODELAY`, so each byte leaves
/// in its own segment: the slowest sender a reader must cope with.
pub fn write_byte_by_byte(stream: &mut TcpStream, data: &[u8]) -> io::Result<()> {
    stream.set_nodelay(true)?;
    write_chunked(stream, data, Chunking::Fixed(1))
}

/// Writes several messages with one `write_all`, so they arrive merged.
pub fn write_merged(stream: &mut TcpStream, messages: &[&[u8]]) -> io::Result<()> {
    stream.write_all(&messages.concat())?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net;
    use std::io::Read;

    #[test]
    fn a_reset_is_seen_as_an_error_not_eof() {
        let server = net::serve_one(|stream| {
            std::thread::sleep(Duration::from_millis(50));
            reset(stream)
        });
        let mut client = net::connect(server.addr, Duration::from_secs(2));
        server.thread.join().unwrap().unwrap();
        let mut buf = [0u8; 8];
        let got = client.read(&mut buf);
        assert!(got.is_err(), "expected a reset, got {got:?}");
    }

    #[test]
    fn a_half_close_still_lets_us_read() {
        let server = net::serve_one(|mut stream| {
            let mut got = Vec::new();
            stream.read_to_end(&mut got)?;
            stream.write_all(&got)?;
            Ok(())
        });
        let mut client = net::connect(server.addr, Duration::from_secs(2));
        write_byte_by_byte(&mut client, b"ping").unwrap();
        half_close(&client).unwrap();
        let mut back = Vec::new();
        client.read_to_end(&mut back).unwrap();
        assert_eq!(back, b"ping");
    }
}
