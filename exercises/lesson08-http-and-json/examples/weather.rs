//! Demo: ask a weather API for the weather in a city, or post a report.
//!
//! ```text
//! cargo run -q -p lesson08-solution --features examples --example weather -- 127.0.0.1:8000 Oslo
//! cargo run -q -p lesson08-solution --features examples --example weather -- 127.0.0.1:8000 Bergen 7.5 "rain, as usual"
//! ```
//!
//! Start the `weather_api` demo first (or any server that speaks the same
//! JSON). `ADDR` may also be a base URL such as `http://127.0.0.1:8000`.

use std::process::ExitCode;
use std::time::Duration;

use lesson08::{NewReport, Weather, WeatherClient};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (addr, city, report) = match args.as_slice() {
        [addr, city] => (addr, city, None),
        [addr, city, temp, note] => {
            let Ok(temp) = temp.parse::<f64>() else {
                eprintln!("weather: {temp:?} is not a temperature like 7.5");
                return ExitCode::from(2);
            };
            (addr, city, Some((temp, note)))
        }
        _ => {
            eprintln!(
                "usage: weather ADDR CITY [TEMP NOTE]   (e.g. 127.0.0.1:8000 Oslo, or \
                 127.0.0.1:8000 Bergen 7.5 \"rain\" to post a report)"
            );
            return ExitCode::from(2);
        }
    };
    let base = if addr.starts_with("http://") {
        addr.clone()
    } else {
        format!("http://{addr}")
    };
    let client = WeatherClient::new(&base, Duration::from_secs(10));
    let outcome = match report {
        None => client.weather(city).map(|w| print_weather(&w)),
        Some((temp, note)) => {
            let new = NewReport {
                city: city.clone(),
                temp,
                note: note.clone(),
            };
            client.post_report(&new).map(|r| {
                println!(
                    "report #{} stored: {} {} °C, {}",
                    r.id, r.city, r.temp, r.note
                );
            })
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("weather: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print_weather(w: &Weather) {
    let unit = if w.units == "imperial" { "°F" } else { "°C" };
    println!(
        "{}: {} {unit}, {}, humidity {}%",
        w.city, w.current.temp, w.current.description, w.current.humidity
    );
    for day in &w.forecast {
        println!(
            "  {:<4} {:>6.1} .. {:>5.1} {unit}",
            day.day, day.min, day.max
        );
    }
    if let Some(alert) = &w.alert {
        println!("alert: {alert}");
    }
}
