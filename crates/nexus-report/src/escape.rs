//! Control characters never reach a terminal, a CI log or a rendered annotation raw: file
//! contents and file names are attacker-controlled in a pull request, and an escape sequence in
//! them could write the clipboard (OSC 52), retitle the terminal, erase lines or hide text
//! (bidirectional overrides). Every reporter passes what it prints through this module — with
//! `--color never` too, since the danger is in the input, not in our colours.
//!
//! Escaped: C0 controls except tab and line feed, DEL, C1 controls (U+0080–U+009F, CSI
//! included), and the invisible format characters that reorder or hide text (bidi embeddings,
//! overrides and isolates, U+2028/U+2029). They are shown as `\x1b` / `\u{202e}`.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Is `c` a character that must not reach an output raw?
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn escaped(c: char, out: &mut String) {
    let n = c as u32;
    if n < 0x100 {
        let _ = write!(out, "\\x{n:02x}");
    } else {
        let _ = write!(out, "\\u{{{n:x}}}");
    }
}

/// Text for any output: unsafe characters escaped; tabs and line feeds kept.
pub fn text(s: &str) -> Cow<'_, str> {
    escape_if(s, is_unsafe)
}

/// Text that must stay on one line (a file name, a property): line feeds and tabs escaped too.
pub fn line(s: &str) -> Cow<'_, str> {
    escape_if(s, |c| is_unsafe(c) || c == '\n' || c == '\t')
}

fn escape_if(s: &str, bad: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&bad) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if bad(c) { escaped(c, &mut out) } else { out.push(c) }
    }
    Cow::Owned(out)
}

/// Source text to lay out in a snippet: every unsafe character becomes a visible character of
/// the same length in bytes (`?`, `¿` or `�`), so byte offsets into it stay valid; a CR that
/// ends a line (alone, as classic Mac OS files have it) becomes a line feed, and a CR before a
/// line feed is kept.
pub fn source(s: &str) -> Cow<'_, str> {
    let b = s.as_bytes();
    let bad = |i: usize, c: char| is_unsafe(c) && !(c == '\r' && b.get(i + 1) == Some(&b'\n'));
    if !s.char_indices().any(|(i, c)| bad(i, c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.char_indices() {
        if !bad(i, c) {
            out.push(c);
            continue;
        }
        out.push(match (c, c.len_utf8()) {
            ('\r', _) => '\n',
            (_, 1) => '?',
            (_, 2) => '¿',
            _ => '\u{fffd}',
        });
    }
    debug_assert_eq!(out.len(), s.len());
    Cow::Owned(out)
}

/// A JSON document as serde_json writes it, with the characters it leaves raw (C1 controls,
/// bidi controls, U+2028/U+2029) written as `\uXXXX` escapes instead: the same JSON value, safe
/// to `cat`.
pub fn json(doc: &str) -> Cow<'_, str> {
    let bad = |c: char| is_unsafe(c) && (c as u32) >= 0x7f;
    if !doc.chars().any(bad) {
        return Cow::Borrowed(doc);
    }
    let mut out = String::with_capacity(doc.len() + 16);
    for c in doc.chars() {
        if bad(c) {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`json`] as a writer: serde_json serialises straight into it and it passes the bytes on with
/// the same characters escaped, so a large report is never held in memory whole (issue 15). A
/// character split across two writes is held back until its last byte arrives.
pub struct JsonEscaper<W: std::io::Write> {
    inner: W,
    pending: [u8; 4],
    pending_len: usize,
}

impl<W: std::io::Write> JsonEscaper<W> {
    pub fn new(inner: W) -> Self {
        JsonEscaper { inner, pending: [0; 4], pending_len: 0 }
    }

    /// Writes the bytes of one complete character, escaped if [`json`] would escape it.
    fn char_bytes(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match std::str::from_utf8(bytes).ok().and_then(|s| s.chars().next()) {
            Some(c) if is_unsafe(c) && (c as u32) >= 0x7f => write!(self.inner, "\\u{:04x}", c as u32),
            _ => self.inner.write_all(bytes),
        }
    }

    /// Writes what is held back (only an incomplete character: serde_json's output is UTF-8).
    pub fn finish(mut self) -> std::io::Result<W> {
        let held = self.pending;
        self.inner.write_all(&held[..self.pending_len])?;
        Ok(self.inner)
    }
}

/// The length in bytes of the UTF-8 sequence a lead byte starts (1 for a stray continuation).
fn utf8_width(lead: u8) -> usize {
    match lead {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

impl<W: std::io::Write> std::io::Write for JsonEscaper<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut i = 0;
        if self.pending_len > 0 {
            let want = utf8_width(self.pending[0]);
            while self.pending_len < want && i < buf.len() {
                self.pending[self.pending_len] = buf[i];
                self.pending_len += 1;
                i += 1;
            }
            if self.pending_len < want {
                return Ok(buf.len());
            }
            let held = self.pending;
            self.pending_len = 0;
            self.char_bytes(&held[..want])?;
        }
        let mut run = i;
        while i < buf.len() {
            let b = buf[i];
            if b < 0x7f {
                i += 1;
                continue;
            }
            let width = utf8_width(b);
            if i + width > buf.len() {
                self.inner.write_all(&buf[run..i])?;
                let rest = &buf[i..];
                self.pending[..rest.len()].copy_from_slice(rest);
                self.pending_len = rest.len();
                return Ok(buf.len());
            }
            let c = std::str::from_utf8(&buf[i..i + width]).ok().and_then(|s| s.chars().next());
            if c.is_some_and(|c| is_unsafe(c) && (c as u32) >= 0x7f) {
                self.inner.write_all(&buf[run..i])?;
                self.char_bytes(&buf[i..i + width])?;
                run = i + width;
            }
            i += width;
        }
        self.inner.write_all(&buf[run..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_writer_escapes_like_json_whatever_the_write_boundaries() {
        use std::io::Write as _;
        let doc = "{\"a\": \"x\u{85}y\u{202e}z é ✓ 😀 \u{7f} \u{2028}\"}";
        let want = json(doc).into_owned();
        for step in 1..=doc.len() {
            let mut w = JsonEscaper::new(Vec::new());
            for chunk in doc.as_bytes().chunks(step) {
                w.write_all(chunk).unwrap();
            }
            assert_eq!(String::from_utf8(w.finish().unwrap()).unwrap(), want, "chunks of {step}");
        }
    }

    #[test]
    fn terminal_sequences_are_escaped() {
        let osc52 = "a\u{1b}]52;c;ZWNobyBoaQ==\u{7}b";
        assert_eq!(text(osc52), "a\\x1b]52;c;ZWNobyBoaQ==\\x07b");
        assert_eq!(text("title\u{1b}]0;pwned\u{9c}"), "title\\x1b]0;pwned\\x9c");
        assert_eq!(text("erase\u{1b}[2K\r"), "erase\\x1b[2K\\x0d");
        assert_eq!(text("csi\u{9b}31m"), "csi\\x9b31m");
        assert_eq!(text("rtl \u{202e}cod.exe"), "rtl \\u{202e}cod.exe");
        assert_eq!(text("tab\there\nnext"), "tab\there\nnext");
        assert_eq!(line("a\nb\tc"), "a\\x0ab\\x09c");
        assert!(matches!(text("plain é — ✓"), Cow::Borrowed(_)));
    }

    #[test]
    fn source_keeps_byte_offsets() {
        for s in ["a\u{1b}[2Kb\r\nc\rd\u{9b}e\u{202e}f", "plain\n", "\u{7f}\u{0}"] {
            let out = source(s);
            assert_eq!(out.len(), s.len(), "{s:?}");
            assert!(!out.chars().any(|c| is_unsafe(c) && c != '\r'), "{out:?}");
        }
        assert_eq!(source("a\rb\r\nc"), "a\nb\r\nc");
    }

    #[test]
    fn json_escapes_what_serde_leaves_raw() {
        let doc = serde_json::to_string(&serde_json::json!({"m": "x\u{1b}y\u{9b}z\u{2028}"})).unwrap();
        let safe = json(&doc);
        assert!(!safe.chars().any(is_unsafe), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["m"], "x\u{1b}y\u{9b}z\u{2028}");
    }
}
