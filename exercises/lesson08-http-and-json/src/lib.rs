//! Lesson 08: HTTP and JSON with a real client crate.
//!
//! Lesson 01 spoke HTTP by hand over a raw socket. Real programs use a
//! client library, as Python programs use `requests`: it writes the request,
//! reads chunked and length-delimited bodies, follows redirects, reuses
//! connections and enforces timeouts. This lesson uses [`ureq`] for HTTP and
//! [`serde`] / [`serde_json`] to turn JSON into typed Rust values, against a
//! small weather API:
//!
//! - `GET /weather?city=Oslo&units=metric` answers a [`Weather`] object
//!   (a nested object, an array, an optional field);
//! - `POST /reports` with a [`NewReport`] as JSON answers `201 Created` with
//!   the stored [`Report`], which now has an `id`.
//!
//! What `requests` leaves to the caller (`raise_for_status()`, a `timeout=`
//! that is off by default, `.json()` raising on bad input) is explicit here:
//! every way the exchange can fail is an [`ApiError`] value, and a hostile
//! server can make the client neither hang nor buffer without end.
//!
//! YOUR TASK: replace every `todo!()` in this file, step by step. Run
//! `cargo test -p lesson08` (or `cargo checker 8`) to see which steps pass;
//! read `docs/src/08-http-and-json.md` alongside. The types, constants and
//! [`ApiError`]'s `Display` are done: the serde derives on the structs are
//! what turns JSON into them. You write [`parse_json`], the mapping from
//! [`ureq::Error`] to [`ApiError`], and [`WeatherClient`]. The ureq calls
//! you need: `ureq::Agent::config_builder()` (with `.timeout_global`,
//! `.http_status_as_error`, `.max_redirects`, then `.build().new_agent()`),
//! `agent.get(url).query(k, v).header(k, v).call()`,
//! `agent.post(url).send_json(&value)`, `response.status()` and
//! `response.body_mut().with_config().limit(n).read_to_vec()`.

use std::fmt;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The most body bytes the client reads before giving up with
/// [`ApiError::TooLarge`]: a weather report is a few hundred bytes, so a
/// megabyte is generous, and an endless body cannot exhaust memory.
pub const MAX_BODY: u64 = 1024 * 1024;

/// How many bytes of an error response's body [`ApiError::Status`] keeps.
pub const SNIPPET_LEN: usize = 200;

/// How many redirects the client follows before [`ApiError::TooManyRedirects`].
pub const MAX_REDIRECTS: u32 = 5;

/// The `units` query parameter the client always sends.
pub const UNITS: &str = "metric";

/// The weather in one city: what `GET /weather?city=...&units=metric`
/// answers.
///
/// ```json
/// {"city": "Oslo", "units": "metric",
///  "current": {"temp": -3.5, "humidity": 81, "description": "light snow"},
///  "forecast": [{"day": "Mon", "min": -6.0, "max": -1.5}],
///  "alert": "icy roads"}
/// ```
///
/// Unknown fields are ignored; `alert` may be missing or `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Weather {
    /// The city, as the server spells it.
    pub city: String,
    /// The units of every number: `metric` is degrees Celsius.
    pub units: String,
    /// The conditions now: a nested JSON object.
    pub current: Conditions,
    /// The next days: a JSON array, possibly empty.
    pub forecast: Vec<DayForecast>,
    /// A weather warning, when there is one: the field may be absent or
    /// `null`, both of which are `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
}

/// The conditions at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conditions {
    /// Temperature, in the response's units.
    pub temp: f64,
    /// Relative humidity in percent, 0 to 100 (it must fit a `u8`).
    pub humidity: u8,
    /// Words for people, e.g. `light snow`.
    pub description: String,
}

/// One day of the forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayForecast {
    /// The day's name, e.g. `Mon`.
    pub day: String,
    /// The lowest temperature expected.
    pub min: f64,
    /// The highest temperature expected.
    pub max: f64,
}

/// An observation a client sends with `POST /reports`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewReport {
    /// Where it was observed.
    pub city: String,
    /// The temperature observed, in degrees Celsius.
    pub temp: f64,
    /// Anything else worth saying.
    pub note: String,
}

/// A report as the server stored it: the [`NewReport`] plus the `id` the
/// server gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The server's number for the report.
    pub id: u64,
    /// Where it was observed.
    pub city: String,
    /// The temperature observed, in degrees Celsius.
    pub temp: f64,
    /// Anything else worth saying.
    pub note: String,
}

/// Every way a call to the weather API can fail.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The server answered, but not with a 2xx status (`raise_for_status()`).
    Status {
        /// The status code, e.g. 404.
        code: u16,
        /// The start of the response body (at most [`SNIPPET_LEN`] bytes,
        /// lossily decoded and trimmed): servers explain errors there.
        snippet: String,
    },
    /// No complete answer within the client's timeout.
    Timeout,
    /// The server kept redirecting, more than [`MAX_REDIRECTS`] times.
    TooManyRedirects,
    /// The body is larger than [`MAX_BODY`] bytes.
    TooLarge,
    /// The body is not JSON at all: a syntax error, or it ends too soon.
    MalformedJson(String),
    /// The body is JSON, but not the shape expected: a missing field, a
    /// value of the wrong type or out of range. Holds serde's message,
    /// which names the field.
    UnexpectedShape(String),
    /// The exchange itself failed: no connection, a connection that broke
    /// mid-response, or bytes that are not HTTP.
    Transport(String),
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Status { code, snippet } if snippet.is_empty() => {
                write!(f, "the server answered HTTP {code}")
            }
            ApiError::Status { code, snippet } => {
                write!(f, "the server answered HTTP {code}: {snippet}")
            }
            ApiError::Timeout => write!(f, "no answer within the timeout"),
            ApiError::TooManyRedirects => {
                write!(f, "more than {MAX_REDIRECTS} redirects")
            }
            ApiError::TooLarge => write!(f, "the response body is over {MAX_BODY} bytes"),
            ApiError::MalformedJson(e) => write!(f, "the body is not valid JSON: {e}"),
            ApiError::UnexpectedShape(e) => {
                write!(f, "the JSON does not have the expected shape: {e}")
            }
            ApiError::Transport(e) => write!(f, "the HTTP exchange failed: {e}"),
        }
    }
}

impl std::error::Error for ApiError {}

/// Steps 6, 11, 12, 13. Turns a ureq error into the [`ApiError`] that says
/// what went wrong, so that `?` on a ureq call does the right thing:
///
/// - `ureq::Error::Timeout(_)` is [`ApiError::Timeout`] (step 6);
/// - `ureq::Error::TooManyRedirects` is [`ApiError::TooManyRedirects`]
///   (step 11);
/// - `ureq::Error::BodyExceedsLimit(_)` is [`ApiError::TooLarge`] (step 12);
/// - `ureq::Error::Json(e)` (if you use ureq's `read_json`) is classified
///   as [`parse_json`] does;
/// - anything else is [`ApiError::Transport`] with the error's text
///   (step 13).
impl From<ureq::Error> for ApiError {
    fn from(e: ureq::Error) -> Self {
        let _ = e;
        todo!("From<ureq::Error>: the ApiError that says what went wrong")
    }
}

/// Steps 1, 7, 8. Parses a JSON body into `T` (Python: `json.loads`, then
/// picking the fields), as `T`'s derives describe it: unknown fields are
/// ignored, an `Option` field may be missing or `null`.
///
/// Errors tell two mistakes apart (serde_json's errors can say which):
///
/// - the text is not JSON at all (a syntax error, Python's `str(dict)`,
///   an empty body, a document that ends too soon, trailing garbage):
///   [`ApiError::MalformedJson`] with the parser's message (step 7);
/// - valid JSON of the wrong shape (a missing field, a string where a
///   number belongs, 300 for a `u8`): [`ApiError::UnexpectedShape`] with
///   the parser's message, which names the problem (step 8).
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let _ = body;
    todo!("parse_json: a T, or which kind of bad JSON it was")
}

/// A client for the weather API at one base URL: a configured
/// [`ureq::Agent`] and the base URL.
#[derive(Debug, Clone)]
pub struct WeatherClient {
    agent: ureq::Agent,
    base: String,
}

impl WeatherClient {
    /// Step 2 (and 5, 6, 10, 11). A client for the API at `base_url` (e.g.
    /// `http://127.0.0.1:8000`; a trailing `/` is ignored). Connects to
    /// nothing yet. Every call it makes:
    ///
    /// - ends within `timeout`, connecting, redirects and the body included
    ///   (step 6), where `requests` has no timeout unless asked;
    /// - gets a non-2xx status as an answer whose body can still be read,
    ///   not as a failed exchange (step 5);
    /// - follows redirects, at most [`MAX_REDIRECTS`] of them (steps 10, 11).
    pub fn new(base_url: &str, timeout: Duration) -> WeatherClient {
        let _ = (base_url, timeout);
        todo!("WeatherClient::new: an HTTP agent configured for every call")
    }

    /// Steps 2, 3, 5-13. The weather in `city`: Python's
    /// `requests.get(url, params={...}, timeout=t)`, `raise_for_status()`
    /// and `.json()`.
    ///
    /// - The request: `GET {base}/weather` with the query parameters `city`
    ///   (any text: spaces, `&`, `=`, non-ASCII letters arrive intact, so
    ///   percent-encoded) and `units` = [`UNITS`], and the header
    ///   `Accept: application/json`.
    /// - A status that is not 2xx is [`ApiError::Status`] with the code and
    ///   a snippet: the first [`SNIPPET_LEN`] bytes of the body, lossily
    ///   decoded and trimmed. Only those are read: the rest of an error body
    ///   may be huge, or never come (step 5).
    /// - The body, however it is framed (length, chunks, until close), is
    ///   read whole before it is parsed with [`parse_json`]: over
    ///   [`MAX_BODY`] bytes is [`ApiError::TooLarge`], found out without
    ///   reading much more (step 12); a connection that breaks mid-body is
    ///   [`ApiError::Transport`] (step 13) and a stall is
    ///   [`ApiError::Timeout`] (step 6), never taken for bad JSON.
    pub fn weather(&self, city: &str) -> Result<Weather, ApiError> {
        let _ = (&self.agent, &self.base, city);
        todo!("WeatherClient::weather: the request, then the checked, parsed answer")
    }

    /// Step 4. Sends `report` as a JSON body
    /// (`Content-Type: application/json`) with `POST {base}/reports` and the header
    /// `Accept: application/json`, and returns the [`Report`] the server
    /// created. Any 2xx is success (this API answers `201 Created`); the
    /// answer is checked and read exactly as [`WeatherClient::weather`]'s.
    /// Python: `requests.post(url, json=report, timeout=t).json()`.
    pub fn post_report(&self, report: &NewReport) -> Result<Report, ApiError> {
        let _ = report;
        todo!("WeatherClient::post_report: the report sent, the created one read")
    }
}
