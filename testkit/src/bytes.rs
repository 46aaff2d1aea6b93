//! Assertions on bytes that a learner can read.
//!
//! A failure shows what the test sent, what it expected and what came back:
//! as escaped text when the bytes are mostly text, as hex when they are not,
//! with a caret under the first byte that differs. Long values are cut to a
//! window around that byte.

use std::fmt::Write as _;

/// How many bytes of a long value are shown around the first difference.
const WINDOW: usize = 48;

/// Bytes as a Rust/Python-style escaped literal body: printable ASCII as is,
/// `\n`, `\r`, `\t`, `\\`, `\"` and `\xNN` for the rest.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out
}

/// Bytes as space-separated hex pairs.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// True when the bytes read best as text: valid UTF-8, few control bytes.
fn looks_like_text(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(s) => {
            s.chars()
                .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
                .count()
                * 10
                <= s.len().max(1)
        }
        Err(_) => false,
    }
}

/// The index of the first byte where `a` and `b` differ (the shorter
/// length if one is a prefix of the other), or `None` when equal.
pub fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    if a == b {
        return None;
    }
    Some(
        a.iter()
            .zip(b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len())),
    )
}

/// Renders `expected` and `actual` one above the other, with a caret under
/// the first differing byte.
pub fn diff_report(expected: &[u8], actual: &[u8]) -> String {
    let at = first_difference(expected, actual).unwrap_or(0);
    let start = at.saturating_sub(WINDOW / 2);
    let cut = |v: &[u8]| -> (bool, Vec<u8>, bool) {
        let s = start.min(v.len());
        let e = (start + WINDOW).min(v.len());
        (s > 0, v[s..e].to_vec(), e < v.len())
    };
    let text = looks_like_text(expected) && looks_like_text(actual);
    let render = |bytes: &[u8]| if text { escape(bytes) } else { hex(bytes) };
    let (exp_pre, exp, exp_post) = cut(expected);
    let (act_pre, act, act_post) = cut(actual);
    let dots = |b: bool| if b { "..." } else { "" };
    let quote = if text { "\"" } else { "" };
    let exp_line = format!(
        "{}{quote}{}{quote}{}",
        dots(exp_pre),
        render(&exp),
        dots(exp_post)
    );
    let act_line = format!(
        "{}{quote}{}{quote}{}",
        dots(act_pre),
        render(&act),
        dots(act_post)
    );
    // The caret sits under the rendering of byte `at` in the expected line.
    let prefix = &expected[start.min(expected.len())..at.min(expected.len())];
    let mut offset = dots(exp_pre).len() + quote.len() + render(prefix).len();
    if !text && !prefix.is_empty() {
        offset += 1; // the space before the differing pair
    }
    let kind = if text { "text" } else { "hex" };
    format!(
        "expected ({} bytes, {kind}): {exp_line}\n     got ({} bytes, {kind}): {act_line}\n{}^ first difference at byte {at}",
        expected.len(),
        actual.len(),
        " ".repeat(offset + format!("expected ({} bytes, {kind}): ", expected.len()).len()),
    )
}

/// Asserts that `actual` equals `expected`; on failure says what `context`
/// was (what the test sent, or did) and shows both values.
#[track_caller]
pub fn assert_bytes_eq(context: &str, expected: &[u8], actual: &[u8]) {
    if expected != actual {
        panic!("{context}\n{}", diff_report(expected, actual));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_a_literal() {
        assert_eq!(escape(b"Hi\r\n\x00\xff\"\\"), "Hi\\r\\n\\x00\\xff\\\"\\\\");
    }

    #[test]
    fn hex_is_spaced_pairs() {
        assert_eq!(hex(&[0, 15, 255]), "00 0f ff");
    }

    #[test]
    fn finds_the_first_difference() {
        assert_eq!(first_difference(b"abc", b"abc"), None);
        assert_eq!(first_difference(b"abc", b"abd"), Some(2));
        assert_eq!(first_difference(b"abc", b"ab"), Some(2));
    }

    #[test]
    fn the_caret_points_at_the_difference_in_text() {
        let report = diff_report(b"Hello, Bob!\n", b"Hello Bob!\n");
        let lines: Vec<&str> = report.lines().collect();
        let caret = lines[2].find('^').unwrap();
        assert_eq!(&lines[0][caret..caret + 1], ",");
        assert!(lines[2].ends_with("first difference at byte 5"));
    }

    #[test]
    fn the_caret_points_at_the_difference_in_hex() {
        let report = diff_report(&[0, 1, 2, 0xff], &[0, 1, 3, 0xff]);
        let lines: Vec<&str> = report.lines().collect();
        let caret = lines[2].find('^').unwrap();
        assert_eq!(&lines[0][caret..caret + 2], "02");
        assert!(lines[0].contains("hex"));
    }

    #[test]
    fn long_values_are_cut_around_the_difference() {
        let a = vec![b'a'; 10_000];
        let mut b = a.clone();
        b[5_000] = b'b';
        let report = diff_report(&a, &b);
        assert!(report.len() < 400, "{report}");
        assert!(report.contains("byte 5000"));
    }

    #[test]
    #[should_panic(expected = "sent \"Bob\\n\"")]
    fn the_assertion_names_its_context() {
        assert_bytes_eq("sent \"Bob\\n\"", b"Hello, Bob!\n", b"nope");
    }
}
