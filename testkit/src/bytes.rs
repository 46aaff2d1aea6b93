//! Assertions on bytes that a learner can read.
//!
//! A failure shows what the test sent, what it expected and what came back:
//! as text when the bytes are valid UTF-8 (Chinese included: only control
//! bytes are escaped), as hex when they are not, with a caret under the first
//! byte that differs. Long values are cut to a window around that byte, with
//! their size stated, so a message never drowns in its data.

use std::fmt::Write as _;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::lang::t;

/// How many bytes of a long value are shown around the first difference;
/// values up to twice as long are shown whole.
const WINDOW: usize = 64;

/// Values longer than this are cut by [`show`].
const SHOW_MAX: usize = 80;

/// True for characters that print as nothing or move the cursor: ASCII and
/// Unicode controls, zero-width and direction marks, the byte-order mark.
fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// One character (or one byte that is not UTF-8) as it is shown.
fn escape_char(c: char, out: &mut String) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\\' => out.push_str("\\\\"),
        '"' => out.push_str("\\\""),
        c if c.is_ascii_control() => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if invisible(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// Bytes as the body of an escaped literal: text as text (UTF-8 characters,
/// Chinese included, as themselves), `\n`, `\r`, `\t`, `\\`, `\"` and
/// `\xNN` for control bytes and bytes that are not UTF-8.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for token in text_tokens(bytes) {
        out.push_str(&token.shown);
    }
    out
}

/// Bytes for a message: quoted escaped text, cut in the middle with the
/// size stated when longer than a line, e.g. `"zzzz"..."zzzz" (49152 bytes)`.
pub fn show(bytes: &[u8]) -> String {
    if bytes.len() <= SHOW_MAX {
        return format!("\"{}\"", escape(bytes));
    }
    let tokens = text_tokens(bytes);
    let head: String = tokens
        .iter()
        .take_while(|t| t.start + t.len <= SHOW_MAX / 2)
        .map(|t| t.shown.as_str())
        .collect();
    let tail: Vec<&str> = tokens
        .iter()
        .rev()
        .take_while(|t| t.start >= bytes.len() - SHOW_MAX / 4)
        .map(|t| t.shown.as_str())
        .collect();
    let tail: String = tail.into_iter().rev().collect();
    format!(
        "\"{head}\"...\"{tail}\" {}",
        t!("bytes-size", count = bytes.len())
    )
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

/// A piece of a rendered value: the bytes `start..start + len`, shown as
/// `shown`, which takes `width` columns on a terminal.
struct Token {
    start: usize,
    len: usize,
    shown: String,
    width: usize,
}

/// The value cut into characters (and stray bytes that are not UTF-8).
fn text_tokens(bytes: &[u8]) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(bytes.len());
    let mut at = 0;
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            let mut shown = String::new();
            escape_char(c, &mut shown);
            let width = if shown.len() > c.len_utf8() || c.is_ascii() {
                shown.len()
            } else {
                c.width().unwrap_or(0)
            };
            tokens.push(Token {
                start: at,
                len: c.len_utf8(),
                shown,
                width,
            });
            at += c.len_utf8();
        }
        for &b in chunk.invalid() {
            tokens.push(Token {
                start: at,
                len: 1,
                shown: format!("\\x{b:02x}"),
                width: 4,
            });
            at += 1;
        }
    }
    tokens
}

/// The value cut into bytes, each shown as a hex pair.
fn hex_tokens(bytes: &[u8]) -> Vec<Token> {
    bytes
        .iter()
        .enumerate()
        .map(|(i, b)| Token {
            start: i,
            len: 1,
            shown: format!("{b:02x}"),
            width: 2,
        })
        .collect()
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

/// One value's line in a diff, cut to the bytes `from..to`; returns the
/// line and the column where the byte `at` is shown.
fn window_line(bytes: &[u8], text: bool, from: usize, to: usize, at: usize) -> (String, usize) {
    let tokens = if text {
        text_tokens(bytes)
    } else {
        hex_tokens(bytes)
    };
    let sep = if text { "" } else { " " };
    let shown: Vec<&Token> = tokens
        .iter()
        .filter(|t| t.start + t.len > from && t.start < to)
        .collect();
    let cut_before = shown.first().is_some_and(|t| t.start > 0) || (shown.is_empty() && from > 0);
    let cut_after = shown.last().is_some_and(|t| t.start + t.len < bytes.len());
    let quote = if text { "\"" } else { "" };
    let mut line = String::new();
    let mut column = 0;
    if cut_before {
        line.push_str("...");
        column += 3;
    }
    line.push_str(quote);
    column += quote.len();
    let mut caret = None;
    for (i, t) in shown.iter().enumerate() {
        if i > 0 {
            line.push_str(sep);
            column += sep.len();
        }
        if caret.is_none() && t.start + t.len > at {
            caret = Some(column);
        }
        line.push_str(&t.shown);
        column += t.width;
    }
    line.push_str(quote);
    if cut_after {
        line.push_str("...");
    }
    // A value that ends before the difference: the caret sits just past it.
    let caret = caret.unwrap_or(column + usize::from(!text && !shown.is_empty()));
    (line, caret)
}

/// Renders `expected` and `actual` one above the other, with a caret under
/// the first differing byte; a long value shows a window around it and
/// states its size.
pub fn diff_report(expected: &[u8], actual: &[u8]) -> String {
    let at = first_difference(expected, actual).unwrap_or(0);
    let whole = expected.len().max(actual.len()) <= 2 * WINDOW;
    let (from, to) = if whole {
        (0, usize::MAX)
    } else {
        let from = at.saturating_sub(WINDOW / 2);
        (from, from + WINDOW)
    };
    let text = looks_like_text(expected) && looks_like_text(actual);
    let kind = if text {
        t!("diff-text")
    } else {
        t!("diff-hex")
    };
    let label = |name: String, len: usize| {
        let words = if !whole && len > WINDOW {
            t!(
                "diff-label-cut",
                name = name,
                count = len,
                kind = kind.as_str(),
                from = from.min(len),
                to = to.min(len)
            )
        } else {
            t!("diff-label", name = name, count = len, kind = kind.as_str())
        };
        format!("{words} ")
    };
    // Widths in terminal columns: a Chinese label's characters take two each.
    let exp_label = label(t!("diff-expected"), expected.len());
    let got_label = label(t!("diff-got"), actual.len());
    let (exp_width, got_width) = (exp_label.width(), got_label.width());
    let width = exp_width.max(got_width);
    let exp_label = format!("{}{exp_label}", " ".repeat(width - exp_width));
    let act_label = format!("{}{got_label}", " ".repeat(width - got_width));
    let (exp_line, caret) = window_line(expected, text, from, to, at);
    let (act_line, _) = window_line(actual, text, from, to, at);
    format!(
        "{exp_label}{exp_line}\n{act_label}{act_line}\n{}{}",
        " ".repeat(width + caret),
        t!("first-difference", at = at)
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
    use crate::lang::{Lang, scoped};

    #[test]
    fn escapes_like_a_literal() {
        let _en = scoped(Lang::En);
        assert_eq!(escape(b"Hi\r\n\x00\xff\"\\"), "Hi\\r\\n\\x00\\xff\\\"\\\\");
    }

    #[test]
    fn text_stays_text() {
        let _en = scoped(Lang::En);
        assert_eq!(escape("你好, Zoë\n".as_bytes()), "你好, Zoë\\n");
        assert_eq!(escape(b"caf\xe9 \xe5\xbc\xa0"), "caf\\xe9 张");
        assert_eq!(escape("a\u{200b}b".as_bytes()), "a\\u{200b}b");
    }

    #[test]
    fn hex_is_spaced_pairs() {
        let _en = scoped(Lang::En);
        assert_eq!(hex(&[0, 15, 255]), "00 0f ff");
    }

    #[test]
    fn finds_the_first_difference() {
        let _en = scoped(Lang::En);
        assert_eq!(first_difference(b"abc", b"abc"), None);
        assert_eq!(first_difference(b"abc", b"abd"), Some(2));
        assert_eq!(first_difference(b"abc", b"ab"), Some(2));
    }

    /// The text above the caret, measured in display columns.
    fn under_caret(report: &str) -> String {
        let lines: Vec<&str> = report.lines().collect();
        let caret = lines[2].find('^').unwrap();
        let mut col = 0;
        for c in lines[0].chars() {
            if col == caret {
                return c.to_string();
            }
            col += c.width().unwrap_or(0);
        }
        String::new()
    }

    #[test]
    fn the_caret_points_at_the_difference_in_text() {
        let _en = scoped(Lang::En);
        let report = diff_report(b"Hello, Bob!\n", b"Hello Bob!\n");
        assert_eq!(under_caret(&report), ",");
        assert!(report.ends_with("first difference at byte 5"), "{report}");
    }

    #[test]
    fn the_caret_counts_wide_characters() {
        let _en = scoped(Lang::En);
        let report = diff_report("你好，世界!\n".as_bytes(), "你好，世間!\n".as_bytes());
        assert_eq!(under_caret(&report), "界", "{report}");
        assert!(report.contains("你好"), "{report}");
        let lines: Vec<&str> = report.lines().collect();
        assert_eq!(lines[0].width(), lines[1].width(), "{report}");
    }

    #[test]
    fn chinese_labels_keep_the_caret_and_the_values_aligned() {
        let _zh = scoped(Lang::ZhCn);
        let report = diff_report("你好，世界!\n".as_bytes(), "你好，世間!\n".as_bytes());
        assert_eq!(under_caret(&report), "界", "{report}");
        let lines: Vec<&str> = report.lines().collect();
        assert!(lines[0].starts_with("期望（"), "{report}");
        assert!(lines[1].trim_start().starts_with("实际（"), "{report}");
        // Both values start at the same column, counted in display width.
        let value_column = |line: &str| line[..line.find('"').unwrap()].width();
        assert_eq!(value_column(lines[0]), value_column(lines[1]), "{report}");
        assert!(report.ends_with("第一处不同在第 12 字节"), "{report}");
    }

    #[test]
    fn the_caret_points_at_the_difference_in_hex() {
        let _en = scoped(Lang::En);
        let report = diff_report(&[0, 1, 2, 0xff], &[0, 1, 3, 0xff]);
        let lines: Vec<&str> = report.lines().collect();
        let caret = lines[2].find('^').unwrap();
        assert_eq!(&lines[0][caret..caret + 2], "02");
        assert!(lines[0].contains("hex"));
    }

    #[test]
    fn a_missing_tail_is_pointed_at() {
        let _en = scoped(Lang::En);
        let report = diff_report(b"abc\n", b"abc");
        let lines: Vec<&str> = report.lines().collect();
        let caret = lines[2].find('^').unwrap();
        assert_eq!(&lines[0][caret..caret + 2], "\\n", "{report}");
    }

    #[test]
    fn long_values_are_cut_around_the_difference() {
        let _en = scoped(Lang::En);
        let a = vec![b'a'; 10_000];
        let mut b = a.clone();
        b[5_000] = b'b';
        let report = diff_report(&a, &b);
        assert!(report.len() < 400, "{report}");
        assert!(report.contains("byte 5000"));
        assert!(report.contains("10000 bytes"));
        assert_eq!(under_caret(&report), "a");
        let caret = report.lines().nth(2).unwrap().find('^').unwrap();
        assert_eq!(&report.lines().nth(1).unwrap()[caret..caret + 1], "b");
    }

    #[test]
    fn show_never_floods() {
        let _en = scoped(Lang::En);
        assert_eq!(show(b"Bob\n"), "\"Bob\\n\"");
        let long = show(&vec![b'z'; 48 * 1024]);
        assert!(long.len() < 120, "{long}");
        assert!(long.ends_with("(49152 bytes)"), "{long}");
        let chinese = show("张".repeat(100).as_bytes());
        assert!(
            chinese.contains("张张") && chinese.contains("(300 bytes)"),
            "{chinese}"
        );
    }

    #[test]
    #[should_panic(expected = "sent \"Bob\\n\"")]
    fn the_assertion_names_its_context() {
        let _en = scoped(Lang::En);
        assert_bytes_eq("sent \"Bob\\n\"", b"Hello, Bob!\n", b"nope");
    }
}
