//! Demo: the tutorials' file server. Sends FILE to every client that
//! connects, each on its own thread, then closes that connection.
//!
//! ```text
//! cargo run -q -p lesson07-solution --features examples --example file_server -- 127.0.0.1:9999 photo.jpg
//! cargo run -q -p lesson07-solution --features examples --example file_server -- --stream 127.0.0.1:9999 backup.tar
//! ```
//!
//! By default it speaks the tutorials' JSON format
//! (`{"filename": ..., "filedata": <base64>}`), which a Python client
//! written as in the tutorials understands; `--stream` switches to the
//! streamed format (header frame, raw bytes, SHA-256). `file_client` is the
//! other side.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;

use lesson07::Format;

const USAGE: &str = "usage: file_server [--stream] ADDR FILE   (e.g. 127.0.0.1:9999 photo.jpg)";

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let format = match args.iter().position(|a| a == "--stream") {
        Some(i) => {
            args.remove(i);
            Format::Stream
        }
        None => Format::Json,
    };
    let [addr, file] = args.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let file = PathBuf::from(file);
    if !file.is_file() {
        eprintln!("file_server: {} is not a readable file", file.display());
        return ExitCode::from(2);
    }
    let listener = match TcpListener::bind(addr) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("file_server: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(local) => println!("serving {} on {local} ({format:?} format)", file.display()),
        Err(_) => println!("serving {} ({format:?} format)", file.display()),
    }
    match lesson07::serve(listener, &file, format) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("file_server: {e}");
            ExitCode::FAILURE
        }
    }
}
