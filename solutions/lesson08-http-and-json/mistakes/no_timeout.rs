//! mistake: the agent is built without a timeout, so a server that never answers holds the call for ever
//! fails: step06_times_out
//! says: expected Err(ApiError::Timeout)
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

use std::fmt;
use std::io::Read;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::error::Category;

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

impl From<ureq::Error> for ApiError {
    fn from(e: ureq::Error) -> Self {
        match e {
            // ureq turns a socket timeout into this itself, body reads included.
            ureq::Error::Timeout(_) => ApiError::Timeout,
            ureq::Error::TooManyRedirects => ApiError::TooManyRedirects,
            ureq::Error::BodyExceedsLimit(_) => ApiError::TooLarge,
            ureq::Error::Json(json) => classify(&json),
            other => ApiError::Transport(other.to_string()),
        }
    }
}

/// Sorts a serde_json error: bad syntax or a cut-off document is
/// malformed JSON; good JSON of the wrong shape is a different mistake.
fn classify(e: &serde_json::Error) -> ApiError {
    match e.classify() {
        Category::Data => ApiError::UnexpectedShape(e.to_string()),
        Category::Syntax | Category::Eof | Category::Io => ApiError::MalformedJson(e.to_string()),
    }
}

/// Parses a JSON body into `T` (Python: `json.loads`, then picking fields
/// by hand). Unknown fields are ignored; an error says whether the text was
/// not JSON ([`ApiError::MalformedJson`]) or JSON of the wrong shape
/// ([`ApiError::UnexpectedShape`]).
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| classify(&e))
}

/// A client for the weather API at one base URL; cheap to share, and it
/// reuses connections where the server allows.
#[derive(Debug, Clone)]
pub struct WeatherClient {
    agent: ureq::Agent,
    base: String,
}

impl WeatherClient {
    /// A client for the API at `base_url` (e.g. `http://127.0.0.1:8000`,
    /// without a trailing slash) whose every call, redirects and body
    /// included, gives up after `timeout`. Non-2xx statuses are handed back
    /// as responses so their body can be read, and at most
    /// [`MAX_REDIRECTS`] redirects are followed.
    pub fn new(base_url: &str, timeout: Duration) -> WeatherClient {
        let _ = timeout; // requests has no timeout by default either
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(MAX_REDIRECTS)
            .user_agent(concat!("lesson08-weather/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        WeatherClient {
            agent,
            base: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The weather in `city`: `GET {base}/weather?city={city}&units=metric`
    /// with `Accept: application/json`. Python:
    /// `requests.get(url, params={...}, timeout=t).json()`.
    pub fn weather(&self, city: &str) -> Result<Weather, ApiError> {
        let response = self
            .agent
            .get(format!("{}/weather", self.base))
            .query("city", city)
            .query("units", UNITS)
            .header("Accept", "application/json")
            .call()?;
        read_json(response)
    }

    /// Sends `report` as JSON with `POST {base}/reports` and returns the
    /// report the server created. Python:
    /// `requests.post(url, json=report, timeout=t).json()`.
    pub fn post_report(&self, report: &NewReport) -> Result<Report, ApiError> {
        let response = self
            .agent
            .post(format!("{}/reports", self.base))
            .header("Accept", "application/json")
            .send_json(report)?;
        read_json(response)
    }
}

/// Checks the status, then reads at most [`MAX_BODY`] bytes and parses them.
fn read_json<T: DeserializeOwned>(
    mut response: ureq::http::Response<ureq::Body>,
) -> Result<T, ApiError> {
    let status = response.status();
    if !status.is_success() {
        return Err(ApiError::Status {
            code: status.as_u16(),
            snippet: snippet(response.body_mut()),
        });
    }
    // Read first, parse after: a broken connection is then a transport
    // error, never mistaken for bad JSON.
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_vec()?;
    parse_json(&body)
}

/// The start of an error body, for the message. A body that cannot be read
/// only loses its snippet: the status is the error that matters.
fn snippet(body: &mut ureq::Body) -> String {
    let mut bytes = Vec::new();
    let _ = body
        .as_reader()
        .take(SNIPPET_LEN as u64)
        .read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).trim().to_owned()
}
