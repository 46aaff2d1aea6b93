//! Lesson 08's graded steps: HTTP and JSON with a real client crate.
//!
//! Each `stepNN_...` test is one step of `lesson.toml`, simplest first.
//! Every call into the learner's code runs under a deadline. The server is
//! testkit's small HTTP server (one request per connection, then close),
//! writing its answers in pieces as a real network may deliver them; the
//! rude servers (endless, truncated, reset) are written out below.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::time::{Duration, Instant};

use lesson08::*;
use rstest::rstest;
use serde_json::{Value, json};
use testkit::http::{HttpServer, Request, Response as Canned};
use testkit::net::{self, Server};
use testkit::{Chunking, Learner, escape, peer, step, within};

const LESSON: &str = include_str!("../lesson.toml");
/// The deadline for a pure call.
const LIMIT: Duration = testkit::DEFAULT_LIMIT;
/// The deadline for a call over the network: the client's own timeout plus
/// room for a slow, loaded machine.
const NET_LIMIT: Duration = Duration::from_secs(10);
/// The timeout the tests give the learner's client.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);

/// The weather in Oslo, as the API sends it.
const OSLO_JSON: &str = r#"{
  "city": "Oslo",
  "units": "metric",
  "current": {"temp": -3.5, "humidity": 81, "description": "light snow"},
  "forecast": [
    {"day": "Mon", "min": -6.0, "max": -1.5},
    {"day": "Tue", "min": -4.0, "max": 0.5}
  ],
  "alert": "icy roads"
}"#;

/// What [`OSLO_JSON`] means.
fn oslo() -> Weather {
    Weather {
        city: "Oslo".into(),
        units: "metric".into(),
        current: Conditions {
            temp: -3.5,
            humidity: 81,
            description: "light snow".into(),
        },
        forecast: vec![
            DayForecast {
                day: "Mon".into(),
                min: -6.0,
                max: -1.5,
            },
            DayForecast {
                day: "Tue".into(),
                min: -4.0,
                max: 0.5,
            },
        ],
        alert: Some("icy roads".into()),
    }
}

/// The weather JSON for any city (no alert, one day of forecast).
fn weather_json(city: &str) -> String {
    json!({
        "city": city,
        "units": "metric",
        "current": {"temp": 21.0, "humidity": 40, "description": "clear"},
        "forecast": [{"day": "Sat", "min": 15.5, "max": 24.0}],
    })
    .to_string()
}

/// Asks the learner's client for the weather in `city` from `base`.
fn get_weather(base: String, city: &str, timeout: Duration) -> Result<Weather, ApiError> {
    let city = city.to_owned();
    within(NET_LIMIT, "WeatherClient::weather", move || {
        WeatherClient::new(&base, timeout).weather(&city)
    })
}

/// The request the server saw, for failure messages.
fn shown(requests: &[Request]) -> String {
    match requests.first() {
        Some(r) => format!("\"{}\"", escape(&r.raw_head)),
        None => "nothing".into(),
    }
}

/// A one-connection server that reads the request head, then lets `reply`
/// answer as rudely as it likes.
fn rude_server<F>(reply: F) -> Server<io::Result<()>>
where
    F: FnOnce(TcpStream) -> io::Result<()> + Send + 'static,
{
    net::serve_one(move |mut stream| {
        let mut seen = Vec::new();
        let mut buf = [0u8; 1024];
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") && seen.len() < 64 * 1024 {
            let n = stream.read(&mut buf)?;
            if n == 0 {
                return Ok(());
            }
            seen.extend_from_slice(&buf[..n]);
        }
        reply(stream)
    })
}

#[rstest]
#[case::complete(OSLO_JSON, oslo())]
#[case::no_alert(r#"{"city":"Oslo","units":"metric","current":{"temp":-3.5,"humidity":81,"description":"light snow"},"forecast":[{"day":"Mon","min":-6,"max":-1.5},{"day":"Tue","min":-4,"max":0.5}]}"#, Weather { alert: None, ..oslo() })]
#[case::null_alert(r#"{"alert":null,"forecast":[{"max":-1.5,"min":-6.0,"day":"Mon"},{"max":0.5,"min":-4.0,"day":"Tue"}],"current":{"description":"light snow","humidity":81,"temp":-3.5},"units":"metric","city":"Oslo"}"#, Weather { alert: None, ..oslo() })]
#[case::unknown_fields_ignored(r#"{"city":"Oslo","units":"metric","station":{"id":7},"current":{"temp":-3.5,"humidity":81,"description":"light snow","uv":0},"forecast":[{"day":"Mon","min":-6.0,"max":-1.5},{"day":"Tue","min":-4.0,"max":0.5}],"alert":"icy roads"}"#, oslo())]
#[case::empty_forecast(r#"{"city":"Oslo","units":"metric","current":{"temp":-3.5,"humidity":81,"description":"light snow"},"forecast":[]}"#, Weather { alert: None, forecast: vec![], ..oslo() })]
fn step01_parses_weather_json(#[case] text: &str, #[case] expected: Weather) {
    let _step = step!(LESSON);
    let body = text.as_bytes().to_vec();
    let got = within(LIMIT, "parse_json::<Weather>", move || {
        parse_json::<Weather>(&body)
    });
    match got {
        Ok(weather) => assert_eq!(
            weather, expected,
            "parse_json::<Weather> of this body:\n{text}\n"
        ),
        Err(e) => panic!("parse_json::<Weather> failed ({e}) on this valid body:\n{text}"),
    }
}

#[rstest]
#[case::one_word("Oslo")]
#[case::space("New York")]
#[case::accents("São Paulo")]
#[case::query_characters("Rock & Roll?=100%+1#top")]
fn step02_sends_the_query(#[case] city: &str) {
    let _step = step!(LESSON);
    let server = HttpServer::start(|_| Canned::json(200, "OK", OSLO_JSON));
    let got = get_weather(server.url(""), city, CLIENT_TIMEOUT);
    let requests = server.requests();
    let seen = shown(&requests);
    let Some(request) = requests.first() else {
        panic!("weather({city:?}) sent no request to the server (it returned {got:?})");
    };
    assert_eq!(
        (request.method.as_str(), request.path()),
        ("GET", "/weather"),
        "weather({city:?}) must send `GET /weather?...`; the server received {seen}"
    );
    let mut query = request.query();
    query.sort();
    let mut want = vec![
        ("city".to_owned(), city.to_owned()),
        ("units".to_owned(), "metric".to_owned()),
    ];
    want.sort();
    assert_eq!(
        query, want,
        "the query parameters the server decoded from {:?} (a city name must be \
         percent-encoded: let the library do it)\nthe server received {seen}",
        request.target
    );
    let accept = request.header("Accept").unwrap_or("");
    assert!(
        accept.contains("application/json"),
        "the request should say `Accept: application/json` (it said {accept:?}); the server received {seen}"
    );
    assert!(
        got.is_ok(),
        "the server answered 200 with valid weather JSON, but weather({city:?}) returned {got:?}"
    );
}

#[rstest]
#[case::in_one_piece(Chunking::Whole)]
#[case::one_byte(Chunking::Fixed(1))]
#[case::seven_bytes(Chunking::Fixed(7))]
#[case::random(Chunking::Random { seed: 0, max: 40 })]
fn step03_gets_typed_weather(#[case] chunking: Chunking) {
    let step = step!(LESSON);
    let chunking = chunking.seeded(&step);
    let server = HttpServer::canned(Canned::json(200, "OK", OSLO_JSON).chunked(chunking));
    let got = get_weather(server.url(""), "Oslo", CLIENT_TIMEOUT);
    match got {
        Ok(weather) => assert_eq!(
            weather,
            oslo(),
            "weather(\"Oslo\"): the server answered 200 ({chunking}) with\n{OSLO_JSON}\n"
        ),
        Err(e) => panic!(
            "weather(\"Oslo\") failed: {e}\nthe server answered 200 ({chunking}) with\n{OSLO_JSON}\n\
             and received {}",
            shown(&server.requests())
        ),
    }
}

#[rstest]
#[case::plain("Bergen", 7.5, "rain, as usual")]
#[case::needs_escaping("Tromsø", -12.25, "he said \"brr\"\nand left ❄")]
fn step04_posts_json_and_reads_the_created_report(
    #[case] city: &str,
    #[case] temp: f64,
    #[case] note: &str,
) {
    let _step = step!(LESSON);
    let server =
        HttpServer::start(
            |request| match serde_json::from_slice::<Value>(&request.body) {
                Ok(Value::Object(mut fields)) => {
                    fields.insert("id".into(), json!(42));
                    Canned::json(201, "Created", &Value::Object(fields).to_string())
                }
                _ => Canned::json(400, "Bad Request", r#"{"error":"expected a JSON object"}"#),
            },
        );
    let report = NewReport {
        city: city.into(),
        temp,
        note: note.into(),
    };
    let base = server.url("");
    let sent = report.clone();
    let got = within(NET_LIMIT, "WeatherClient::post_report", move || {
        WeatherClient::new(&base, CLIENT_TIMEOUT).post_report(&sent)
    });
    let requests = server.requests();
    let seen = shown(&requests);
    let Some(request) = requests.first() else {
        panic!("post_report sent no request to the server (it returned {got:?})");
    };
    assert_eq!(
        (request.method.as_str(), request.path()),
        ("POST", "/reports"),
        "post_report must send `POST /reports`; the server received {seen}"
    );
    let content_type = request.header("Content-Type").unwrap_or("");
    assert!(
        content_type.starts_with("application/json"),
        "a JSON body needs `Content-Type: application/json` (got {content_type:?}); the server received {seen}"
    );
    let body: Result<Value, _> = serde_json::from_slice(&request.body);
    let want = json!({"city": city, "temp": temp, "note": note});
    assert_eq!(
        body.as_ref().ok(),
        Some(&want),
        "the request body must be the report as JSON; the server received the body \"{}\"",
        escape(&request.body)
    );
    let expected = Report {
        id: 42,
        city: city.into(),
        temp,
        note: note.into(),
    };
    match got {
        Ok(created) => assert_eq!(
            created, expected,
            "the server answered 201 Created with the report and \"id\": 42"
        ),
        Err(e) => panic!(
            "post_report failed: {e}\n(the server answered 201 Created with the report and \"id\": 42)"
        ),
    }
}

#[rstest]
#[case::not_found(404, "Not Found", r#"{"error": "no such city: Atlantis"}"#)]
#[case::server_error(500, "Internal Server Error", "the database is on fire\n")]
#[case::unavailable(503, "Service Unavailable", "")]
#[case::long_body(500, "Internal Server Error", &"Traceback (most recent call last): ".repeat(100))]
#[case::body_that_never_ends(500, "Internal Server Error", ENDLESS)]
fn step05_http_errors_are_values(#[case] code: u16, #[case] reason: &str, #[case] body: &str) {
    let _step = step!(LESSON);
    if body == ENDLESS {
        return error_body_that_never_ends();
    }
    let server = HttpServer::canned(Canned::json(code, reason, body));
    let got = get_weather(server.url(""), "Atlantis", CLIENT_TIMEOUT);
    let what = format!(
        "the server answered `{code} {reason}` with the body {:?}",
        body.chars().take(60).collect::<String>()
    );
    let Err(ApiError::Status {
        code: got_code,
        snippet,
    }) = &got
    else {
        panic!("{what}: expected Err(ApiError::Status {{ code: {code}, .. }}), got {got:?}");
    };
    assert_eq!(
        *got_code, code,
        "{what}: the status code in ApiError::Status"
    );
    let start = body.get(..SNIPPET_LEN).unwrap_or(body);
    assert_eq!(
        snippet,
        start.trim(),
        "{what} ({} bytes): the snippet is the first SNIPPET_LEN ({SNIPPET_LEN}) bytes of \
         the body, trimmed",
        body.len()
    );
}

/// Step 5's marker for an error body that never ends.
const ENDLESS: &str = "(a body that never ends)";

/// A `500` whose body starts, then neither goes on nor ends: the snippet is
/// its start, and the call returns at once with it.
fn error_body_that_never_ends() {
    let start = "Traceback (most recent call last): ".repeat(10);
    let sent = start.clone();
    let server = rude_server(move |mut stream| {
        stream
            .write_all(b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\n")?;
        stream.write_all(sent.as_bytes())?;
        // Neither more nor EOF, well past the step's deadline.
        std::thread::sleep(Duration::from_secs(6));
        Ok(())
    });
    let base = format!("http://{}", server.addr);
    let call = Learner::spawn("WeatherClient::weather (timeout 10 s)", move || {
        WeatherClient::new(&base, Duration::from_secs(10)).weather("Atlantis")
    });
    let got = call.wait(
        LIMIT,
        "the server answered `500 Internal Server Error` and sent 350 bytes of a body that \
         never ends. The snippet is the first SNIPPET_LEN bytes: read only those, the rest may \
         never come (or never stop)",
    );
    let want = start.get(..SNIPPET_LEN).unwrap_or(&start).trim();
    assert!(
        matches!(&got, Err(ApiError::Status { code: 500, snippet }) if snippet == want),
        "a `500` with a body that never ends: expected Err(ApiError::Status {{ code: 500, \
         snippet: {want:?} }}), got {got:?}"
    );
}

#[rstest]
#[case::no_answer(false)]
#[case::stalls_mid_body(true)]
fn step06_times_out(#[case] mid_body: bool) {
    let _step = step!(LESSON);
    let stall = Duration::from_secs(4);
    let server = rude_server(move |mut stream| {
        if mid_body {
            let body = weather_json("Oslo");
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes())?;
            stream.write_all(&body.as_bytes()[..body.len() / 2])?;
        }
        std::thread::sleep(stall);
        stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
    });
    let what = if mid_body {
        "the server sent the head and half the body, then went quiet for 4 s"
    } else {
        "the server read the request and went quiet for 4 s"
    };
    let timeout = Duration::from_millis(500);
    let started = Instant::now();
    let got = get_weather(format!("http://{}", server.addr), "Oslo", timeout);
    let took = started.elapsed();
    let why = match &got {
        Err(ApiError::MalformedJson(_) | ApiError::UnexpectedShape(_)) => {
            "\n(the timeout was taken for bad JSON: read the whole body first, with its limit, \
             then parse it)"
        }
        _ => "",
    };
    assert!(
        matches!(got, Err(ApiError::Timeout)),
        "{what}; the client had a 500 ms timeout: expected Err(ApiError::Timeout), got {got:?} \
         after {took:?}{why}"
    );
    assert!(
        took < Duration::from_millis(2500),
        "{what}: the client had a 500 ms timeout for the WHOLE call but took {took:?}"
    );
}

#[rstest]
#[case::python_repr("{'city': 'Oslo', 'units': 'metric'}")]
#[case::cut_short(r#"{"city": "Oslo", "units": "metric", "curr"#)]
#[case::html("<html><body>Bad Gateway</body></html>")]
#[case::empty("")]
#[case::trailing_garbage(&format!("{OSLO_JSON} and then some"))]
fn step07_malformed_json_is_an_error(#[case] body: &str) {
    let _step = step!(LESSON);
    let bytes = body.as_bytes().to_vec();
    let parsed = within(LIMIT, "parse_json::<Weather>", move || {
        parse_json::<Weather>(&bytes)
    });
    assert!(
        matches!(parsed, Err(ApiError::MalformedJson(_))),
        "parse_json::<Weather>(\"{}\"): this is not JSON; expected Err(ApiError::MalformedJson(..)), got {parsed:?}",
        escape(body.as_bytes())
    );
    let server = HttpServer::canned(Canned::json(200, "OK", body).chunked(Chunking::Fixed(5)));
    let got = get_weather(server.url(""), "Oslo", CLIENT_TIMEOUT);
    assert!(
        matches!(got, Err(ApiError::MalformedJson(_))),
        "the server answered 200 with the body \"{}\": expected Err(ApiError::MalformedJson(..)), got {got:?}",
        escape(body.as_bytes())
    );
}

#[rstest]
#[case::missing_field(r#"{"city":"Oslo","units":"metric","forecast":[]}"#, "current")]
#[case::string_for_number(r#"{"city":"Oslo","units":"metric","current":{"temp":"warm","humidity":81,"description":"x"},"forecast":[]}"#, "warm")]
#[case::out_of_range(r#"{"city":"Oslo","units":"metric","current":{"temp":1.0,"humidity":300,"description":"x"},"forecast":[]}"#, "300")]
#[case::object_for_array(r#"{"city":"Oslo","units":"metric","current":{"temp":1.0,"humidity":3,"description":"x"},"forecast":{"day":"Mon"}}"#, "sequence")]
#[case::string_for_object(r#""sunny""#, "struct Weather")]
fn step08_wrong_shaped_json_is_an_error(#[case] body: &str, #[case] named: &str) {
    let _step = step!(LESSON);
    let bytes = body.as_bytes().to_vec();
    let parsed = within(LIMIT, "parse_json::<Weather>", move || {
        parse_json::<Weather>(&bytes)
    });
    match &parsed {
        Err(ApiError::UnexpectedShape(message)) => assert!(
            message.contains(named),
            "parse_json::<Weather>({body}): keep serde's message, which names the problem \
             ({named:?}); got {message:?}"
        ),
        _ => panic!(
            "parse_json::<Weather>({body}): this is valid JSON of the wrong shape; expected \
             Err(ApiError::UnexpectedShape(..)), got {parsed:?}"
        ),
    }
    let server = HttpServer::canned(Canned::json(200, "OK", body));
    let got = get_weather(server.url(""), "Oslo", CLIENT_TIMEOUT);
    assert!(
        matches!(got, Err(ApiError::UnexpectedShape(_))),
        "the server answered 200 with the body {body}: expected Err(ApiError::UnexpectedShape(..)), got {got:?}"
    );
}

/// `body` in HTTP/1.1 chunked encoding, `size` bytes a chunk.
fn chunk_encode(body: &[u8], size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in body.chunks(size) {
        out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

#[rstest]
#[case::chunks_of_1(Some(1), Chunking::Whole)]
#[case::chunks_of_16(Some(16), Chunking::Fixed(3))]
#[case::chunks_of_100(Some(100), Chunking::Random { seed: 0, max: 30 })]
#[case::until_close(None, Chunking::Fixed(9))]
fn step09_reads_chunked_and_close_delimited_bodies(
    #[case] chunk_size: Option<usize>,
    #[case] chunking: Chunking,
) {
    let step = step!(LESSON);
    let chunking = chunking.seeded(&step);
    let mut raw = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n".to_vec();
    match chunk_size {
        Some(size) => {
            raw.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
            raw.extend_from_slice(&chunk_encode(OSLO_JSON.as_bytes(), size));
        }
        None => {
            raw.extend_from_slice(b"Connection: close\r\n\r\n");
            raw.extend_from_slice(OSLO_JSON.as_bytes());
        }
    }
    let server = HttpServer::canned(Canned::raw(raw.clone()).chunked(chunking));
    let got = get_weather(server.url(""), "Oslo", CLIENT_TIMEOUT);
    let framing = match chunk_size {
        Some(size) => format!("Transfer-Encoding: chunked, {size}-byte chunks"),
        None => "no length at all: the body ends when the server closes".into(),
    };
    match got {
        Ok(weather) => assert_eq!(weather, oslo(), "the body sent with {framing}"),
        Err(e) => panic!(
            "weather(\"Oslo\") failed: {e}\nthe server sent ({framing}, {chunking}):\n\"{}\"",
            escape(&raw[..raw.len().min(300)])
        ),
    }
}

#[rstest]
#[case::moved_permanently(301)]
#[case::found(302)]
#[case::see_other(303)]
#[case::temporary(307)]
#[case::permanent(308)]
fn step10_follows_redirects(#[case] code: u16) {
    let _step = step!(LESSON);
    let server = HttpServer::start(move |request| {
        let query = request.target.split_once('?').map_or("", |(_, q)| q);
        if request.path() == "/v2/weather" {
            let city = request
                .query()
                .into_iter()
                .find(|(k, _)| k == "city")
                .map_or(String::new(), |(_, v)| v);
            Canned::json(200, "OK", &weather_json(&city))
        } else {
            Canned::new(
                code,
                "Redirect",
                &[("Location", &format!("/v2/weather?{query}"))],
                b"",
            )
        }
    });
    let got = get_weather(server.url(""), "Trondheim", CLIENT_TIMEOUT);
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    match got {
        Ok(weather) => assert_eq!(
            weather.city, "Trondheim",
            "after the redirect the server answered the weather for the city in the query"
        ),
        Err(e) => panic!(
            "GET /weather answered `{code}` with `Location: /v2/weather?...`, which answered \
             200 with the weather; weather(\"Trondheim\") returned {e}\nthe server received: {targets:?}"
        ),
    }
}

#[test]
fn step11_a_redirect_loop_is_an_error() {
    let _step = step!(LESSON);
    let server = HttpServer::start(|request| {
        Canned::new(302, "Found", &[("Location", &request.target)], b"")
    });
    let got = get_weather(server.url(""), "Oslo", CLIENT_TIMEOUT);
    let count = server.requests().len();
    assert!(
        matches!(got, Err(ApiError::TooManyRedirects)),
        "every request answered `302 Found` pointing to itself: expected \
         Err(ApiError::TooManyRedirects), got {got:?} after {count} requests"
    );
    assert!(
        count <= MAX_REDIRECTS as usize + 1,
        "the client sent {count} requests into the loop: follow at most MAX_REDIRECTS \
         ({MAX_REDIRECTS}) redirects, i.e. at most {} requests",
        MAX_REDIRECTS + 1
    );
}

#[rstest]
#[case::content_length_too_big("content-length")]
#[case::endless_chunks("chunked")]
#[case::endless_until_close("close")]
fn step12_an_oversized_body_is_cut_off(#[case] framing: &'static str) {
    let _step = step!(LESSON);
    // Whitespace is valid JSON padding: a parser fed from the socket would
    // happily read it forever.
    let piece = vec![b' '; 64 * 1024];
    let server = rude_server(move |mut stream| {
        let head = match framing {
            "content-length" => "HTTP/1.1 200 OK\r\nContent-Length: 3145728\r\n\r\n".to_owned(),
            "chunked" => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_owned(),
            _ => "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_owned(),
        };
        stream.write_all(head.as_bytes())?;
        // 3 MB for the content-length case; "endless" stops at 64 MB, long
        // after any client should have given up.
        let pieces = if framing == "content-length" {
            48
        } else {
            1024
        };
        for _ in 0..pieces {
            if framing == "chunked" {
                stream.write_all(format!("{:x}\r\n", piece.len()).as_bytes())?;
                stream.write_all(&piece)?;
                stream.write_all(b"\r\n")?;
            } else {
                stream.write_all(&piece)?;
            }
        }
        Ok(())
    });
    let got = get_weather(format!("http://{}", server.addr), "Oslo", CLIENT_TIMEOUT);
    let what = match framing {
        "content-length" => "a 3 MB body (Content-Length: 3145728)",
        "chunked" => "an endless chunked body",
        _ => "an endless body without a length",
    };
    assert!(
        matches!(got, Err(ApiError::TooLarge)),
        "the server sent {what} of spaces: expected Err(ApiError::TooLarge) once MAX_BODY \
         ({MAX_BODY} bytes) is read, got {got:?}"
    );
}

/// How a server breaks the exchange.
#[derive(Debug, Clone, Copy)]
enum Break {
    /// `Content-Length: 500`, 20 bytes, close.
    ShortBody,
    /// A chunk announced and cut off, close.
    ShortChunk,
    /// The head and some body, then a reset.
    Reset,
    /// Close without a byte.
    NoAnswer,
    /// Bytes that are not HTTP.
    NotHttp,
    /// Nothing listens on the port.
    Refused,
}

impl Break {
    /// What the rude server sends once it has read the request.
    fn answer(self, mut stream: TcpStream) -> io::Result<()> {
        match self {
            Break::ShortBody => stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"city\": \"Oslo\", \"un",
            ),
            Break::ShortChunk => stream.write_all(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1f4\r\n{\"city\": \"Oslo\"",
            ),
            Break::Reset => {
                stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"city\"")?;
                std::thread::sleep(Duration::from_millis(50));
                peer::reset(stream)
            }
            Break::NotHttp => stream.write_all(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"),
            Break::NoAnswer | Break::Refused => Ok(()),
        }
    }
}

#[rstest]
#[case::short_body(Break::ShortBody)]
#[case::short_chunk(Break::ShortChunk)]
#[case::reset(Break::Reset)]
#[case::no_answer(Break::NoAnswer)]
#[case::not_http(Break::NotHttp)]
#[case::refused(Break::Refused)]
fn step13_broken_exchanges_are_transport_errors(#[case] how: Break) {
    let _step = step!(LESSON);
    // Held until the end of the test, so no other test can take its port.
    let refusing = matches!(how, Break::Refused).then(|| net::refusing(Ipv4Addr::LOCALHOST.into()));
    let addr = match &refusing {
        Some(port) => port.addr,
        None => rude_server(move |stream| how.answer(stream)).addr,
    };
    let got = get_weather(format!("http://{addr}"), "Oslo", CLIENT_TIMEOUT);
    let what = match how {
        Break::ShortBody => "promised 500 body bytes, sent 20 and closed",
        Break::ShortChunk => "announced a 500-byte chunk, sent 15 bytes and closed",
        Break::Reset => "sent the head and 7 body bytes, then reset the connection",
        Break::NoAnswer => "closed the connection without answering",
        Break::NotHttp => "answered with an SSH greeting instead of HTTP",
        Break::Refused => "was not there: the connection was refused",
    };
    assert!(
        matches!(got, Err(ApiError::Transport(_))),
        "the server {what}: expected Err(ApiError::Transport(..)), got {got:?}"
    );
}
