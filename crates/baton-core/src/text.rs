//! String rules shared by validation and rendering: blankness (SPEC §1) and
//! making entry text safe to render on one Markdown line (SPEC §10).

use std::borrow::Cow;

/// Whether a string is blank: empty, or only `White_Space` and zero-width characters.
#[inline]
pub fn is_blank(s: &str) -> bool {
    // Most text starts with a visible ASCII character: settled inline.
    !s.as_bytes()
        .first()
        .is_some_and(|b| (0x21..0x7f).contains(b))
        && all_blank(s)
}

#[inline(never)]
fn all_blank(s: &str) -> bool {
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
        let trimmed = trim(&flat);
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
        (Cow::Borrowed(b), None) => Cow::Borrowed(trim(b)),
        (flat, None) => Cow::Owned(trim(&flat).to_owned()),
        (flat, Some(i)) => {
            let trimmed = trim(&flat);
            let mut out = String::with_capacity(trimmed.len() + 1);
            out.push_str(&trimmed[..i]);
            out.push('\\');
            out.push_str(&trimmed[i..]);
            Cow::Owned(out)
        }
    }
}

/// `str::trim`, without decoding characters when both ends are plain ASCII.
fn trim(s: &str) -> &str {
    // ASCII White_Space is U+0009–U+000D and U+0020; other bytes below 0x80 are not.
    let plain = |b: u8| b.is_ascii() && !matches!(b, 0x09..=0x0d | b' ');
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(&first), Some(&last)) if plain(first) && plain(last) => s,
        _ => s.trim(),
    }
}

/// `0x01` in every byte lane.
const LOW: u64 = 0x0101_0101_0101_0101;
/// `0x80` in every byte lane.
const HIGH: u64 = LOW * 0x80;

/// `0x80` set (at least once) when some lane of `w` is zero; exact as to whether any is.
fn has_zero(w: u64) -> u64 {
    w.wrapping_sub(LOW) & !w & HIGH
}

/// Whether `s` has a character that [`flatten`] replaces: C0/C1 controls, U+2028, U+2029.
fn needs_flattening(s: &str) -> bool {
    let b = s.as_bytes();
    // Only these bytes can start a character we replace: below 0x20, 0x7F, and
    // the lead bytes 0xC2 (U+0080–U+009F) and 0xE2 (U+2028, U+2029). Eight bytes
    // at a time, without an early exit, for the common case of plain text.
    let suspect = |w: u64| {
        (w.wrapping_sub(LOW * 0x20) & !w & HIGH)
            | has_zero(w ^ (LOW * 0x7f))
            | has_zero(w ^ (LOW * 0xc2))
            | has_zero(w ^ (LOW * 0xe2))
    };
    let mut words = b.chunks_exact(8);
    let mut hit = words.by_ref().fold(0, |hit, word| {
        let mut lanes = [0u8; 8];
        lanes.copy_from_slice(word);
        hit | suspect(u64::from_le_bytes(lanes))
    });
    let tail = words.remainder();
    if !tail.is_empty() {
        // The last bytes as one more word, padded with a letter (never suspect).
        let mut lanes = [b'a'; 8];
        lanes[..tail.len()].copy_from_slice(tail);
        hit |= suspect(u64::from_le_bytes(lanes));
    }
    hit != 0
        && b.iter().enumerate().any(|(i, &c)| {
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

    /// `needs_flattening` as the rule says it, character by character.
    fn has_flattened_char(s: &str) -> bool {
        s.chars()
            .any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}')
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5000))]
        #[test]
        fn the_word_at_a_time_checks_agree_with_the_rules(
            s in "[a-z \\-#\t\n\r\u{0}\u{1f}\u{7f}\u{80}\u{85}\u{9f}\u{a0}\u{2028}\u{2029}\u{2027}\u{202a}\u{3000}é日]{0,24}"
        ) {
            proptest::prop_assert_eq!(needs_flattening(&s), has_flattened_char(&s));
            proptest::prop_assert_eq!(trim(&s), s.trim());
        }
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
