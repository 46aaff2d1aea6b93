//! Demo: an echo server and client over a Unix domain socket (`AF_UNIX`).
//!
//! ```text
//! cargo run -q -p lesson09-solution --features examples --example unix_echo -- server /tmp/echo.sock
//! cargo run -q -p lesson09-solution --features examples --example unix_echo -- client /tmp/echo.sock "hello there"
//! ```
//!
//! The server echoes every client until it closes its side, one client
//! after another, and runs until it is stopped. A socket file left behind by
//! a server that was killed is stale and is replaced on the next start; the
//! file of a server that still runs, or a file that is not a socket, is
//! never touched.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use lesson09::{UnixServer, unix_request};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [mode, path] if mode == "server" => serve(Path::new(path)),
        [mode, path, message] if mode == "client" => ask(Path::new(path), message),
        _ => {
            eprintln!(
                "usage: unix_echo server PATH\n       unix_echo client PATH MESSAGE   \
                 (e.g. server /tmp/echo.sock)"
            );
            ExitCode::from(2)
        }
    }
}

fn serve(path: &Path) -> ExitCode {
    let server = match UnixServer::bind(path) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("unix_echo: cannot bind {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    };
    println!("echoing on {}", server.path().display());
    // Until stopped; returns only when accept itself fails.
    match server.serve_echo(usize::MAX, Duration::from_secs(30)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("unix_echo: {e}");
            ExitCode::FAILURE
        }
    }
}

fn ask(path: &Path, message: &str) -> ExitCode {
    match unix_request(path, message.as_bytes(), Duration::from_secs(10)) {
        Ok(reply) => {
            println!("{}", String::from_utf8_lossy(&reply));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("unix_echo: {}: {e}", path.display());
            ExitCode::FAILURE
        }
    }
}
