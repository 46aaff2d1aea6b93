//! Demo: what `getaddrinfo` returns for a host and a port.
//!
//! ```text
//! cargo run -q -p lesson09-solution --features examples --example resolve -- localhost 80
//! cargo run -q -p lesson09-solution --features examples --example resolve -- ::1 8080 v6
//! ```
//!
//! Prints one line per address in the same form as this Python loop, so the
//! two outputs can be compared line for line:
//!
//! ```python
//! for family, type, proto, canon, sockaddr in socket.getaddrinfo(
//!         host, port, socket.AF_UNSPEC, socket.SOCK_STREAM):
//!     print(family.name, type.name, sockaddr)
//! ```

use std::net::SocketAddr;
use std::process::ExitCode;

use lesson09::{Family, resolve};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (host, port, family) = match args.as_slice() {
        [host, port] => (host, port, "any"),
        [host, port, family] => (host, port, family.as_str()),
        _ => return usage(),
    };
    let family = match family {
        "any" => Family::Any,
        "v4" => Family::V4,
        "v6" => Family::V6,
        _ => return usage(),
    };
    let Ok(port) = port.parse::<u16>() else {
        eprintln!("resolve: {port:?} is not a port (0 to 65535)");
        return ExitCode::from(2);
    };
    match resolve(host, port, family) {
        Ok(addrs) => {
            for addr in addrs {
                println!("{}", getaddrinfo_line(addr));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("resolve: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: resolve HOST PORT [any|v4|v6]   (e.g. localhost 80)");
    ExitCode::from(2)
}

/// One address as Python prints a `getaddrinfo` entry's family, type and
/// socket address tuple: `AF_INET SOCK_STREAM ('127.0.0.1', 80)`.
fn getaddrinfo_line(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!("AF_INET SOCK_STREAM ('{}', {})", a.ip(), a.port()),
        SocketAddr::V6(a) => format!(
            "AF_INET6 SOCK_STREAM ('{}', {}, {}, {})",
            a.ip(),
            a.port(),
            a.flowinfo(),
            a.scope_id()
        ),
    }
}
