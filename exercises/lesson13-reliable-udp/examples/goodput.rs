//! Measurement: goodput (useful bytes a second) against window size and
//! loss rate, through the testkit's seeded relay; prints a table and draws
//! it as an SVG line chart, by hand (no plotting library).
//!
//! ```text
//! cargo run --release -q -p lesson13-solution --example goodput -- docs/src/img/13-goodput.svg
//! ```
//!
//! For each loss rate (0 %, 10 %, 30 % of datagrams dropped, both ways)
//! and each window (1, which is stop-and-wait, to 32), it sends the same
//! 256 KiB three times with `Config::default()` (a 20 ms retransmission
//! timeout) and keeps the median time; every transfer is checked byte for
//! byte. A window of 1 uses `send_reliable`, the others `send_window`.

use std::fmt::Write as _;
use std::net::UdpSocket;
use std::process::ExitCode;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use lesson13::{Config, TransferError, recv_reliable, send_reliable, send_window};
use testkit::relay::{LossPlan, UdpRelay};

const WINDOWS: [usize; 6] = [1, 2, 4, 8, 16, 32];
const LOSSES: [f64; 3] = [0.0, 0.1, 0.3];
const RUNS: usize = 3;
const BYTES: usize = 256 * 1024;

/// One transfer: the sender's time, and the receiver still running (it
/// lingers after the FIN; its result is checked at the end).
type Receiving = JoinHandle<Result<Vec<u8>, TransferError>>;

fn once(data: &[u8], window: usize, drop: f64, seed: u64) -> Result<(Duration, Receiving), String> {
    let config = Config {
        window,
        ..Config::default()
    };
    let rx = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let rx_addr = rx.local_addr().map_err(|e| e.to_string())?;
    let relay = UdpRelay::start(
        rx_addr,
        LossPlan {
            seed,
            drop,
            duplicate: 0.0,
            reorder: 0.0,
        },
    );
    let receiving = thread::spawn(move || recv_reliable(&rx, &config));
    let tx = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let started = Instant::now();
    let sent = if window == 1 {
        send_reliable(&tx, relay.addr(), data, &config)
    } else {
        send_window(&tx, relay.addr(), data, &config)
    };
    let took = started.elapsed();
    sent.map_err(|e| format!("window {window}, loss {drop}: {e}"))?;
    Ok((took, receiving))
}

fn main() -> ExitCode {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "docs/src/img/13-goodput.svg".to_owned());
    let data: Vec<u8> = (0..BYTES).map(|i| (i * 7 % 251) as u8).collect();
    let mut receivers = Vec::new();
    // goodput[loss][window], in KiB/s.
    let mut goodput = vec![vec![0.0; WINDOWS.len()]; LOSSES.len()];
    for (l, &drop) in LOSSES.iter().enumerate() {
        for (w, &window) in WINDOWS.iter().enumerate() {
            let mut times = Vec::new();
            for run in 0..RUNS {
                let seed = 1000 * l as u64 + 10 * w as u64 + run as u64;
                match once(&data, window, drop, seed) {
                    Ok((took, receiving)) => {
                        times.push(took);
                        receivers.push(receiving);
                    }
                    Err(e) => {
                        eprintln!("goodput: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
            times.sort();
            let median = times[RUNS / 2].as_secs_f64();
            goodput[l][w] = BYTES as f64 / 1024.0 / median;
            eprintln!(
                "loss {:>2.0}%  window {window:>2}: {:>8.0} KiB/s",
                drop * 100.0,
                goodput[l][w]
            );
        }
    }
    for receiving in receivers {
        match receiving.join() {
            Ok(Ok(got)) if got == data => {}
            Ok(Ok(got)) => {
                eprintln!("goodput: a transfer arrived wrong ({} bytes)", got.len());
                return ExitCode::FAILURE;
            }
            Ok(Err(e)) => {
                eprintln!("goodput: a receiver failed: {e}");
                return ExitCode::FAILURE;
            }
            Err(_) => {
                eprintln!("goodput: a receiver panicked");
                return ExitCode::FAILURE;
            }
        }
    }
    println!("{}", table(&goodput));
    if let Err(e) = std::fs::write(&out, svg(&goodput)) {
        eprintln!("goodput: cannot write {out}: {e}");
        return ExitCode::FAILURE;
    }
    println!("chart written to {out}");
    ExitCode::SUCCESS
}

/// The measurements as a Markdown table, KiB/s.
fn table(goodput: &[Vec<f64>]) -> String {
    let mut t = String::from("| window |");
    for drop in LOSSES {
        let _ = write!(t, " {:.0} % loss |", drop * 100.0);
    }
    t.push_str("\n|---:|");
    t.push_str(&"---:|".repeat(LOSSES.len()));
    for (w, window) in WINDOWS.iter().enumerate() {
        let _ = write!(t, "\n| {window} |");
        for row in goodput {
            let _ = write!(t, " {:.0} |", row[w]);
        }
    }
    t.push_str("\n\n(goodput in KiB/s: 256 KiB sent, median of 3 runs, rto 20 ms)");
    t
}

/// A line chart: window (log 2) across, goodput (log 10) up, one line per
/// loss rate.
fn svg(goodput: &[Vec<f64>]) -> String {
    let (width, height) = (640.0, 400.0);
    let (left, right, top, bottom) = (105.0, 110.0, 40.0, 50.0);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let all = goodput.iter().flatten().copied();
    let lo = all
        .clone()
        .fold(f64::MAX, f64::min)
        .max(1.0)
        .log10()
        .floor();
    let hi = all.fold(1.0, f64::max).log10().ceil().max(lo + 1.0);
    let x = |w: usize| left + plot_w * w as f64 / (WINDOWS.len() - 1) as f64;
    let y = |v: f64| top + plot_h * (1.0 - (v.max(1.0).log10() - lo) / (hi - lo));
    let colours = ["#1b7837", "#e08214", "#b2182b"];
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        s,
        r#"<rect width="{width}" height="{height}" fill="white"/>"#
    );
    let _ = writeln!(
        s,
        r#"<text x="{}" y="22" text-anchor="middle" font-size="14">Goodput against window size (256 KiB, rto 20 ms, loopback relay)</text>"#,
        width / 2.0
    );
    // Decades up the side.
    for decade in lo as i32..=hi as i32 {
        let v = 10f64.powi(decade);
        let yy = y(v);
        let _ = writeln!(
            s,
            r##"<line x1="{left}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#ddd"/>"##,
            left + plot_w
        );
        let label = format!("{} KiB/s", thousands(v));
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{label}</text>"#,
            left - 6.0,
            yy + 4.0
        );
    }
    // Windows along the bottom.
    for (w, window) in WINDOWS.iter().enumerate() {
        let xx = x(w);
        let _ = writeln!(
            s,
            r##"<line x1="{xx:.1}" y1="{top}" x2="{xx:.1}" y2="{:.1}" stroke="#eee"/>"##,
            top + plot_h
        );
        let _ = writeln!(
            s,
            r#"<text x="{xx:.1}" y="{:.1}" text-anchor="middle">{window}</text>"#,
            top + plot_h + 18.0
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">window (datagrams in flight; 1 = stop-and-wait)</text>"#,
        left + plot_w / 2.0,
        height - 10.0
    );
    let _ = writeln!(
        s,
        r#"<text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle">goodput (log scale)</text>"#,
        top + plot_h / 2.0
    );
    let _ = writeln!(
        s,
        r##"<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#888"/>"##
    );
    for (l, row) in goodput.iter().enumerate() {
        let colour = colours[l % colours.len()];
        let points: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(w, &v)| format!("{:.1},{:.1}", x(w), y(v)))
            .collect();
        let _ = writeln!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#,
            points.join(" ")
        );
        for (w, &v) in row.iter().enumerate() {
            let _ = writeln!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"/>"#,
                x(w),
                y(v)
            );
        }
        let ly = top + 20.0 + 20.0 * l as f64;
        let lx = left + plot_w + 14.0;
        let _ = writeln!(
            s,
            r#"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="{colour}" stroke-width="2"/>"#,
            lx + 20.0
        );
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}">{:.0} % loss</text>"#,
            lx + 26.0,
            ly + 4.0,
            LOSSES[l] * 100.0
        );
    }
    s.push_str("</svg>\n");
    s
}

/// A whole number with thousands separated: `100,000`.
fn thousands(v: f64) -> String {
    let digits = format!("{:.0}", v.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
