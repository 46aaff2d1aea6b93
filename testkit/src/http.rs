//! A small HTTP/1.1 server for the client lessons.
//!
//! It serves one request per connection and then closes, with responses that
//! are canned (exact bytes, even malformed ones) or computed from the
//! request, written in the pieces a [`Chunking`] says. It records every
//! request so a test can check what the learner's client sent.

use std::io::{self, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crate::chunking::{Chunking, write_chunked};

/// The most a request head may take before the server gives up on it.
const MAX_HEAD: usize = 64 * 1024;

/// A request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The whole head, request line to blank line, as sent.
    pub raw_head: Vec<u8>,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target: path and query, e.g. `/weather?city=Oslo`.
    pub target: String,
    /// `HTTP/1.1` or `HTTP/1.0`.
    pub version: String,
    /// Header names and values in the order sent.
    pub headers: Vec<(String, String)>,
    /// The body (as long as `Content-Length` said).
    pub body: Vec<u8>,
}

impl Request {
    /// The first header called `name`, compared without regard to case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The target's path, without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The query's `key=value` pairs, percent-decoded (`+` as a space).
    pub fn query(&self) -> Vec<(String, String)> {
        let Some((_, q)) = self.target.split_once('?') else {
            return Vec::new();
        };
        q.split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect()
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i..i + 3) {
            Some([b'%', hi, lo]) => hex(*hi).zip(hex(*lo)).map(|(h, l)| (h * 16 + l) as u8),
            _ => None,
        };
        match (escaped, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, b) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What the server answers.
#[derive(Debug, Clone)]
pub struct Response {
    bytes: Vec<u8>,
    chunking: Chunking,
}

impl Response {
    /// Exactly these bytes, then close: for malformed and lying responses.
    pub fn raw(bytes: impl Into<Vec<u8>>) -> Response {
        Response {
            bytes: bytes.into(),
            chunking: Chunking::Whole,
        }
    }

    /// A well-formed response with `Content-Length` and `Connection: close`
    /// and the extra `headers`.
    pub fn new(status: u16, reason: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        ));
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        Response::raw(bytes)
    }

    /// `200 OK` with a binary body.
    pub fn ok(body: &[u8]) -> Response {
        Response::new(
            200,
            "OK",
            &[("Content-Type", "application/octet-stream")],
            body,
        )
    }

    /// A JSON body with the given status.
    pub fn json(status: u16, reason: &str, json: &str) -> Response {
        Response::new(
            status,
            reason,
            &[("Content-Type", "application/json")],
            json.as_bytes(),
        )
    }

    /// Writes the response in the pieces `chunking` says.
    pub fn chunked(mut self, chunking: Chunking) -> Response {
        self.chunking = chunking;
        self
    }
}

type Handler = dyn Fn(&Request) -> Response + Send + Sync;

/// A running server; it stops accepting when dropped.
pub struct HttpServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
}

impl std::fmt::Debug for HttpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl HttpServer {
    /// Serves every request with what `handler` computes from it.
    pub fn start(handler: impl Fn(&Request) -> Response + Send + Sync + 'static) -> HttpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the HTTP server on port 0");
        let addr = listener.local_addr().expect("server address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let (log, stopping) = (Arc::clone(&requests), Arc::clone(&stop));
        thread::spawn(move || {
            for conn in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = conn else { continue };
                let (handler, log) = (Arc::clone(&handler), Arc::clone(&log));
                thread::spawn(move || {
                    let _ = serve(stream, handler.as_ref(), &log);
                });
            }
        });
        HttpServer {
            addr,
            requests,
            stop,
        }
    }

    /// Serves the same response to every request.
    pub fn canned(response: Response) -> HttpServer {
        HttpServer::start(move |_| response.clone())
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The requests received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(100));
    }
}

fn serve(mut stream: TcpStream, handler: &Handler, log: &Mutex<Vec<Request>>) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    stream.set_nodelay(true)?;
    let Some(request) = read_request(&mut stream)? else {
        return Ok(());
    };
    let response = handler(&request);
    if let Ok(mut log) = log.lock() {
        log.push(request);
    }
    write_chunked(&mut stream, &response.bytes, response.chunking)?;
    // Closing tells the client the response is over.
    stream.shutdown(std::net::Shutdown::Write)?;
    // Drain what the client still sends so closing does not reset.
    let mut sink = [0u8; 1024];
    stream.set_read_timeout(Some(Duration::from_millis(200)))?;
    while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
    Ok(())
}

/// Reads one request: the head up to the blank line, then the body if
/// `Content-Length` announces one. `None` when the client sent nothing.
fn read_request(stream: &mut TcpStream) -> io::Result<Option<Request>> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if data.len() > MAX_HEAD {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "request head too large",
            ));
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(None);
        }
        data.extend_from_slice(&buf[..n]);
    };
    let raw_head = data[..head_end].to_vec();
    let text = String::from_utf8_lossy(&raw_head).into_owned();
    let mut lines = text.split("\r\n");
    let mut parts = lines.next().unwrap_or("").splitn(3, ' ');
    let method = parts.next().unwrap_or("").to_owned();
    let target = parts.next().unwrap_or("").to_owned();
    let version = parts.next().unwrap_or("").to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut request = Request {
        raw_head,
        method,
        target,
        version,
        headers,
        body: Vec::new(),
    };
    let want: usize = request
        .header("Content-Length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = data[head_end..].to_vec();
    while body.len() < want.min(16 << 20) {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    body.truncate(want);
    request.body = body;
    Ok(Some(request))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net;
    use std::io::Write;

    fn get(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
        let mut s = net::connect(addr, Duration::from_secs(2));
        s.write_all(request).unwrap();
        let mut got = Vec::new();
        s.read_to_end(&mut got).unwrap();
        got
    }

    #[test]
    fn serves_canned_bytes_and_records_the_request() {
        let server = HttpServer::canned(Response::ok(b"\x00\xffbody").chunked(Chunking::Fixed(3)));
        let got = get(
            server.addr(),
            b"GET /a?x=1&city=New+York HTTP/1.1\r\nHost: h\r\n\r\n",
        );
        assert!(got.starts_with(b"HTTP/1.1 200 OK\r\n"));
        assert!(got.ends_with(b"\r\n\r\n\x00\xffbody"));
        let reqs = server.requests();
        assert_eq!(reqs.len(), 1);
        assert_eq!(reqs[0].method, "GET");
        assert_eq!(reqs[0].path(), "/a");
        assert_eq!(reqs[0].header("host"), Some("h"));
        assert_eq!(
            reqs[0].query(),
            vec![("x".into(), "1".into()), ("city".into(), "New York".into())]
        );
    }

    #[test]
    fn a_handler_sees_the_body() {
        let server = HttpServer::start(|r| {
            Response::json(201, "Created", &String::from_utf8_lossy(&r.body))
        });
        let got = get(
            server.addr(),
            b"POST /x HTTP/1.1\r\nContent-Length: 7\r\n\r\n{\"a\":1}",
        );
        assert!(got.starts_with(b"HTTP/1.1 201 Created\r\n"));
        assert!(got.ends_with(b"{\"a\":1}"));
    }

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("a%20b%2Fc+d"), "a b/c d");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
