//! Demo: a small local weather API, to try the `weather` client (or Python's
//! `requests`) against.
//!
//! ```text
//! cargo run -q -p lesson08-solution --features examples --example weather_api -- 127.0.0.1:8000
//! ```
//!
//! - `GET /weather?city=Oslo&units=metric` (or `units=imperial`): the
//!   weather as JSON; an unknown city is `404`, a missing one `400`;
//! - `POST /reports` with `{"city": ..., "temp": ..., "note": ...}`:
//!   `201 Created` with the stored report and its `id`; bad JSON is `400`;
//! - `GET /reports`: every report so far.
//!
//! It is plain `std::net`, one thread per connection, one request per
//! connection (`Connection: close`): lesson 02's server speaking HTTP. Every
//! read is bounded in size and time, so a rude client cannot hold it.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use lesson08::{Conditions, DayForecast, NewReport, Report, Weather};
use serde_json::json;

/// The most a request head or body may take.
const MAX_REQUEST: u64 = 64 * 1024;

/// The reports posted so far.
type Store = Arc<Mutex<Vec<Report>>>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr] = args.as_slice() else {
        eprintln!("usage: weather_api ADDR   (e.g. 127.0.0.1:8000)");
        return ExitCode::from(2);
    };
    let listener = match TcpListener::bind(addr) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("weather_api: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(bound) => println!("weather API on http://{bound}/weather?city=Oslo&units=metric"),
        Err(e) => eprintln!("weather_api: {e}"),
    }
    let store: Store = Arc::default();
    for conn in listener.incoming() {
        let stream = match conn {
            Ok(stream) => stream,
            Err(e) => {
                eprintln!("weather_api: accept failed: {e}");
                continue;
            }
        };
        let store = Arc::clone(&store);
        thread::spawn(move || {
            if let Err(e) = serve(stream, &store) {
                eprintln!("weather_api: {e}");
            }
        });
    }
    ExitCode::SUCCESS
}

/// A request as far as this API cares.
struct Request {
    method: String,
    target: String,
    path: String,
    query: HashMap<String, String>,
    body: Vec<u8>,
}

/// Reads one request, answers it, closes.
fn serve(mut stream: TcpStream, store: &Store) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    let peer = stream.peer_addr()?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let (status, body) = match read_request(&mut reader) {
        Ok(request) => {
            let answer = route(&request, store);
            println!(
                "{peer} {} {} -> {}",
                request.method, request.target, answer.0
            );
            answer
        }
        Err(e) if e.kind() == io::ErrorKind::InvalidData => {
            (400, json!({"error": e.to_string()}).to_string())
        }
        Err(e) => return Err(e),
    };
    write_response(&mut stream, status, &body)
}

/// Reads the request line, the headers up to the blank line and the body
/// that `Content-Length` announces, all within [`MAX_REQUEST`] bytes.
fn read_request(reader: &mut impl BufRead) -> io::Result<Request> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let mut head = reader.take(MAX_REQUEST);
    let mut line = String::new();
    head.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(bad("malformed request line"));
    };
    let (method, target) = (method.to_owned(), target.to_owned());
    let mut length: u64 = 0;
    loop {
        line.clear();
        if head.read_line(&mut line)? == 0 {
            return Err(bad("the request head ended early or is too large"));
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value
                    .trim()
                    .parse()
                    .map_err(|_| bad("bad Content-Length"))?;
            }
        }
    }
    if length > MAX_REQUEST {
        return Err(bad("the request body is too large"));
    }
    let mut body = Vec::new();
    reader.take(length).read_to_end(&mut body)?;
    let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
    let query = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    Ok(Request {
        method,
        path: path.to_owned(),
        target: target.clone(),
        query,
        body,
    })
}

/// What the API answers: a status and a JSON body.
fn route(request: &Request, store: &Store) -> (u16, String) {
    let error = |status: u16, message: String| (status, json!({ "error": message }).to_string());
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/weather") => {
            let Some(city) = request.query.get("city") else {
                return error(400, "the query needs city=...".into());
            };
            let imperial = match request.query.get("units").map(String::as_str) {
                None | Some("metric") => false,
                Some("imperial") => true,
                Some(other) => return error(400, format!("unknown units: {other}")),
            };
            match weather_in(city, imperial) {
                Some(weather) => (200, to_json(&weather)),
                None => error(404, format!("no such city: {city}")),
            }
        }
        ("POST", "/reports") => match serde_json::from_slice::<NewReport>(&request.body) {
            Ok(new) => {
                let Ok(mut reports) = store.lock() else {
                    return error(500, "the report store is broken".into());
                };
                let report = Report {
                    id: reports.len() as u64 + 1,
                    city: new.city,
                    temp: new.temp,
                    note: new.note,
                };
                reports.push(report.clone());
                (201, to_json(&report))
            }
            Err(e) => error(400, format!("expected a report as JSON: {e}")),
        },
        ("GET", "/reports") => match store.lock() {
            Ok(reports) => (200, to_json(&*reports)),
            Err(_) => error(500, "the report store is broken".into()),
        },
        (_, "/weather" | "/reports") => error(405, format!("{} is not allowed", request.method)),
        (_, path) => error(404, format!("nothing at {path}")),
    }
}

fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value)
        .unwrap_or_else(|e| json!({"error": e.to_string()}).to_string())
}

/// Made-up weather for a few cities, in Celsius or Fahrenheit.
fn weather_in(city: &str, imperial: bool) -> Option<Weather> {
    let (name, temp, humidity, description, alert) = match city.to_lowercase().as_str() {
        "oslo" => ("Oslo", -3.5, 81, "light snow", Some("icy roads")),
        "bergen" => ("Bergen", 6.0, 93, "rain", None),
        "london" => ("London", 11.0, 76, "overcast", None),
        "new york" => ("New York", 18.5, 55, "sunny", None),
        "são paulo" => ("São Paulo", 27.0, 70, "thunderstorms", Some("flooding")),
        _ => return None,
    };
    let unit = |c: f64| if imperial { c * 9.0 / 5.0 + 32.0 } else { c };
    let forecast = ["Mon", "Tue", "Wed"]
        .iter()
        .zip([0.0, 1.5, -2.0])
        .map(|(day, shift)| DayForecast {
            day: (*day).to_owned(),
            min: unit(temp + shift - 3.0),
            max: unit(temp + shift + 3.0),
        })
        .collect();
    Some(Weather {
        city: name.to_owned(),
        units: if imperial { "imperial" } else { "metric" }.to_owned(),
        current: Conditions {
            temp: unit(temp),
            humidity,
            description: description.to_owned(),
        },
        forecast,
        alert: alert.map(str::to_owned),
    })
}

fn write_response(stream: &mut TcpStream, status: u16, body: &str) -> io::Result<()> {
    let reason = match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Internal Server Error",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    stream.flush()
}

/// `S%C3%A3o+Paulo` -> `São Paulo`.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
