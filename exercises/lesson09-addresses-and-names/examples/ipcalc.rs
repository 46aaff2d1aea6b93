//! Demo: an address as a number and as a kind of address.
//!
//! ```text
//! cargo run -q -p lesson09-solution --features examples --example ipcalc -- 192.168.1.1
//! cargo run -q -p lesson09-solution --features examples --example ipcalc -- 3232235777
//! cargo run -q -p lesson09-solution --features examples --example ipcalc -- fe80::1
//! ```
//!
//! For a dotted quad (or its 32-bit number) it prints the number in decimal,
//! hex and binary, as Python's `struct.unpack("!I", socket.inet_aton(a))[0]`
//! gives it; for any address, its class (loopback, private, ...).

use std::net::IpAddr;
use std::process::ExitCode;

use lesson09::{AddrClass, classify, format_ipv4, parse_ipv4};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr] = args.as_slice() else {
        eprintln!("usage: ipcalc ADDR   (e.g. 192.168.1.1, 3232235777 or ::1)");
        return ExitCode::from(2);
    };
    // A plain number is an IPv4 address written as its 32-bit value.
    let number = match addr.parse::<u32>() {
        Ok(n) => Some(n),
        Err(_) if addr.contains(':') => None,
        Err(_) => match parse_ipv4(addr) {
            Ok(n) => Some(n),
            Err(e) => {
                eprintln!("ipcalc: {addr:?} is not an IPv4 address: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    let ip: IpAddr = match number {
        Some(n) => IpAddr::V4(n.into()),
        None => match addr.parse() {
            Ok(ip) => ip,
            Err(e) => {
                eprintln!("ipcalc: {addr:?} is not an IPv6 address: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    if let Some(n) = number {
        let [a, b, c, d] = n.to_be_bytes();
        println!("address: {}", format_ipv4(n));
        println!("integer: {n}");
        println!("hex:     {n:#010x}");
        println!("binary:  {a:08b}.{b:08b}.{c:08b}.{d:08b}");
    } else {
        println!("address: {ip}");
    }
    let class: AddrClass = classify(ip);
    println!("class:   {class}");
    ExitCode::SUCCESS
}
