//! String rules shared by validation and rendering: blankness (SPEC §1) and
//! making entry text safe to render on one Markdown line (SPEC §10).

use std::borrow::Cow;

/// Whether a string is blank: empty, or only `White_Space` and zero-width characters.
pub fn is_blank(s: &str) -> bool {
    s.chars().all(|c| {
        c.is_whitespace()
            || matches!(
                c,
                '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
            )
    })
}

/// Makes entry text safe to render as the rest of one Markdown line (SPEC §10):
/// line breaks and controls become spaces, the ends are trimmed, and a leading
/// block marker is backslash-escaped. Borrows when nothing needs changing, which
/// is the common case and keeps rendering allocation-free per entry.
pub fn one_line(s: &str) -> Cow<'_, str> {
    let flat: Cow<'_, str> = if needs_flattening(s) {
        Cow::Owned(flatten(s))
    } else {
        Cow::Borrowed(s)
    };
    let escape_at = {
        let trimmed = flat.trim();
        let bytes = trimmed.as_bytes();
        let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
        match bytes.first() {
            Some(
                b'#' | b'>' | b'-' | b'+' | b'*' | b'=' | b'|' | b'`' | b'~' | b'<' | b'_' | b'['
                | b'!' | b'\\',
            ) => Some(0),
            Some(b'0'..=b'9') if matches!(bytes.get(digits), Some(b'.' | b')')) => Some(digits),
            _ => None,
        }
    };
    match (flat, escape_at) {
        (Cow::Borrowed(b), None) => Cow::Borrowed(b.trim()),
        (flat, None) => Cow::Owned(flat.trim().to_owned()),
        (flat, Some(i)) => {
            let trimmed = flat.trim();
            let mut out = String::with_capacity(trimmed.len() + 1);
            out.push_str(&trimmed[..i]);
            out.push('\\');
            out.push_str(&trimmed[i..]);
            Cow::Owned(out)
        }
    }
}

/// Whether `s` has a character that [`flatten`] replaces: C0/C1 controls, U+2028, U+2029.
fn needs_flattening(s: &str) -> bool {
    let b = s.as_bytes();
    // Only these bytes can start a character we replace. Testing 16 bytes at a
    // time without an early exit lets the compiler vectorise the common case
    // (plain text, nothing to replace).
    let suspect = |c: u8| (c < 0x20) | (c == 0x7f) | (c == 0xC2) | (c == 0xE2);
    let mut chunks = b.chunks_exact(16);
    let mut any = chunks
        .by_ref()
        .any(|chunk| chunk.iter().fold(false, |hit, &c| hit | suspect(c)));
    any |= chunks.remainder().iter().any(|&c| suspect(c));
    any && b.iter().enumerate().any(|(i, &c)| {
        c < 0x20
            || c == 0x7f
            || (c == 0xC2 && matches!(b.get(i + 1), Some(0x80..=0x9F)))
            || (c == 0xE2
                && b.get(i + 1) == Some(&0x80)
                && matches!(b.get(i + 2), Some(0xA8 | 0xA9)))
    })
}

fn flatten(s: &str) -> String {
    let mut flat = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() == Some(&'\n') {
            chars.next();
            flat.push(' ');
        } else if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
            flat.push(' ');
        } else {
            flat.push(c);
        }
    }
    flat
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_width_only_is_blank_but_not_with_letters() {
        assert!(is_blank(" \u{200B}\u{FEFF}\t\u{3000}"));
        assert!(is_blank(""));
        assert!(!is_blank("a\u{200B}"));
        assert!(!is_blank("\u{1}"));
    }

    #[test]
    fn entries_cannot_start_blocks() {
        assert_eq!(one_line("a\r\n## b"), "a ## b");
        assert_eq!(one_line("\n## b"), "\\## b");
        assert_eq!(one_line("12. x"), "12\\. x");
        assert_eq!(one_line("12 x"), "12 x");
        assert_eq!(one_line("a\u{2028}b\u{85}c"), "a b c");
        assert_eq!(one_line("  - item  "), "\\- item");
    }
}
