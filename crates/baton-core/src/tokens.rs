//! The token estimate (SPEC §11): a deterministic, tokenizer-free stand-in for
//! BPE counts, additive over text split at whitespace.

/// Estimates the tokens of `text`: `ceil(L/4)` per run of ASCII letters and digits,
/// 1 per ASCII punctuation or symbol, 1 per non-ASCII character, 0 for whitespace.
pub fn estimate_tokens(text: &str) -> usize {
    // SSE2 is part of every x86_64 target; elsewhere (WebAssembly included)
    // the portable word-at-a-time scan runs. Tests hold the two to the rule.
    #[cfg(target_arch = "x86_64")]
    return blocks::estimate(text);
    #[cfg(not(target_arch = "x86_64"))]
    by_words(text)
}

/// The portable scan, as a state machine: `phase` is the length so far of the
/// run of letters and digits ending here, modulo 4, and a letter or digit counts
/// when it starts a new group of four (`phase == 0`). Eight ASCII bytes at a
/// time go through [`TABLE`]; a word with a non-ASCII byte goes byte by byte.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn by_words(text: &str) -> usize {
    let mut scan = Scan::default();
    let mut words = text.as_bytes().chunks_exact(8);
    for (i, chunk) in words.by_ref().enumerate() {
        let mut lanes = [0u8; 8];
        lanes.copy_from_slice(chunk);
        scan.word(u64::from_le_bytes(lanes), chunk);
        if i % 255 == 254 {
            scan.flush();
        }
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        // The last bytes as one more word, padded with spaces (which count 0).
        let mut lanes = [b' '; 8];
        lanes[..tail.len()].copy_from_slice(tail);
        scan.word(u64::from_le_bytes(lanes), &lanes);
    }
    scan.flush();
    scan.total
}

/// The scan 64 bytes at a time: SSE2 compares give, per block, a bit mask of the
/// letters and digits and one of the bytes that count 1 each (ASCII punctuation
/// and symbols, and the first byte of each non-ASCII character); the runs of
/// letters and digits are then counted from the first mask with bit operations.
#[cfg(target_arch = "x86_64")]
mod blocks {
    use std::arch::x86_64::{
        __m128i, _mm_andnot_si128, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_min_epu8,
        _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm_sub_epi8,
    };

    pub(super) fn estimate(text: &str) -> usize {
        let mut total = 0;
        let mut phase = 0;
        let mut blocks = text.as_bytes().chunks_exact(64);
        for block in blocks.by_ref() {
            total += Masks::of(block).count(&mut phase);
        }
        let tail = blocks.remainder();
        if !tail.is_empty() {
            // Padded with spaces, which count 0 and end a run.
            let mut padded = [b' '; 64];
            padded[..tail.len()].copy_from_slice(tail);
            total += Masks::of(&padded).count(&mut phase);
        }
        total
    }

    /// Bit `i` of each mask is byte `i` of a 64-byte block.
    #[derive(Default)]
    struct Masks {
        alnum: u64,
        counted: u64,
    }

    impl Masks {
        /// The masks of a 64-byte block.
        #[inline(always)]
        fn of(block: &[u8]) -> Masks {
            let mut masks = Masks::default();
            for (i, chunk) in block.chunks_exact(16).enumerate() {
                masks.add(i, chunk);
            }
            masks
        }

        /// Adds the 16 bytes of `chunk`, the `i`th of the block.
        #[inline(always)]
        fn add(&mut self, i: usize, chunk: &[u8]) {
            let chunk = &chunk[..16];
            // SAFETY: SSE2 is enabled on every x86_64 target, and the unaligned
            // load reads exactly the 16 bytes of `chunk`.
            let (alnum, counted) = unsafe { classes(_mm_loadu_si128(chunk.as_ptr().cast())) };
            self.alnum |= u64::from(alnum) << (16 * i);
            self.counted |= u64::from(counted) << (16 * i);
        }

        /// The tokens of the block, given `phase` (the letters and digits, modulo 4,
        /// of the run that reaches the block's start), which it updates.
        #[inline(always)]
        fn count(&self, phase: &mut u32) -> usize {
            let alnum = self.alnum;
            let mut tokens = self.counted.count_ones();
            // A run continued from the previous block first fills its group.
            let mut fresh = alnum;
            let lead = alnum.trailing_ones();
            if *phase != 0 && lead != 0 {
                tokens += (lead + *phase - 1) / 4;
                fresh = if lead == 64 {
                    0
                } else {
                    alnum & (u64::MAX << lead)
                };
            }
            // Every run that starts here counts 1, and 1 more per 4 further bytes:
            // `long` marks bytes that are the 5th, 9th, ... of their run so far.
            let starts = fresh & !(fresh << 1);
            tokens += starts.count_ones();
            let mut long = fresh & (fresh << 1) & (fresh << 2) & (fresh << 3) & (fresh << 4);
            let mut shift = 4;
            while long != 0 {
                tokens += ((starts << shift) & long).count_ones();
                long &= long << 4;
                shift += 4;
            }
            let end = alnum.leading_ones();
            *phase = if end == 64 {
                (*phase + 64) % 4
            } else {
                end % 4
            };
            tokens as usize
        }
    }

    /// The movemasks of the letters and digits and of the bytes that count 1.
    ///
    /// # Safety
    /// SSE2 must be available, as it is on every x86_64 target (the intrinsics
    /// are `unsafe` to call before Rust 1.87, the workspace's minimum being 1.85).
    #[inline(always)]
    unsafe fn classes(v: __m128i) -> (u16, u16) {
        // Bytes of `x` in `lo..lo + len`, unsigned: `x - lo` is its own minimum with `len - 1`.
        let within = |x: __m128i, lo: u8, len: u8| {
            let t = _mm_sub_epi8(x, _mm_set1_epi8(lo as i8));
            _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8((len - 1) as i8)), t)
        };
        let digit = within(v, b'0', 10);
        let letter = within(_mm_or_si128(v, _mm_set1_epi8(0x20)), b'a', 26);
        let alnum = _mm_or_si128(digit, letter);
        let graphic = within(v, b'!', 0x7e - 0x21 + 1);
        // A byte of at least 0xC0 starts a non-ASCII character.
        let lead = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0xC0u8 as i8)), v);
        let counted = _mm_or_si128(_mm_andnot_si128(alnum, graphic), lead);
        (
            _mm_movemask_epi8(alnum) as u16,
            _mm_movemask_epi8(counted) as u16,
        )
    }
}

#[derive(Default)]
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
struct Scan {
    total: usize,
    /// Letters and digits seen in the current run, modulo 4.
    phase: usize,
    /// Punctuation counted per byte lane, at most 255 words between flushes.
    lanes: u64,
}

impl Scan {
    #[inline(always)]
    fn word(&mut self, w: u64, bytes: &[u8]) {
        if w & HIGH != 0 {
            for &b in bytes {
                self.step(b);
            }
            return;
        }
        let digit = at_least(w, b'0') & !at_least(w, b'9' + 1);
        let folded = w | (LOW * 0x20);
        let letter = at_least(folded, b'a') & !at_least(folded, b'z' + 1);
        let alnum = digit | letter;
        let graphic = at_least(w, b'!') & !at_least(w, 0x7f);
        self.lanes += (graphic & !alnum) >> 7;
        // One bit per lane: bit i is byte i.
        let mask = ((alnum >> 7).wrapping_mul(GATHER) >> 56) as usize;
        let entry = TABLE[(self.phase & 3) * 256 + (mask & 0xff)];
        self.total += usize::from(entry & 0x0f);
        self.phase = usize::from(entry >> 4);
    }

    /// One byte of the state machine.
    fn step(&mut self, b: u8) {
        match CLASS[b as usize] {
            ALNUM => {
                self.total += usize::from(self.phase == 0);
                self.phase = (self.phase + 1) & 3;
            }
            COUNTED => {
                self.total += 1;
                self.phase = 0;
            }
            _ => self.phase = 0,
        }
    }

    /// Adds up the per-lane counts (each at most 255) into `total`.
    fn flush(&mut self) {
        const PAIRS: u64 = 0x00ff_00ff_00ff_00ff;
        let wide = (self.lanes & PAIRS) + ((self.lanes >> 8) & PAIRS);
        self.total += (wide.wrapping_mul(0x0001_0001_0001_0001) >> 48) as usize;
        self.lanes = 0;
    }
}

/// `0x01` in every byte lane.
const LOW: u64 = 0x0101_0101_0101_0101;
/// `0x80` in every byte lane.
const HIGH: u64 = LOW * 0x80;
/// Gathers bit 0 of each lane into the top byte: bit `8i` lands on bit `56 + i`.
const GATHER: u64 = 0x0102_0408_1020_4080;

/// `0x80` in each lane of `w` (all lanes below `0x80`) that is at least `lo`.
fn at_least(w: u64, lo: u8) -> u64 {
    // Each lane is below 0x80 and adds at most 0x80: no carry crosses lanes.
    w.wrapping_add(LOW * u64::from(0x80 - lo)) & HIGH
}

/// For each phase (0–3) and each 8-bit mask of letter-or-digit lanes: the tokens
/// those lanes start (low nibble) and the phase after the word (high nibble).
static TABLE: [u8; 1024] = {
    let mut table = [0u8; 1024];
    let mut phase = 0;
    while phase < 4 {
        let mut mask = 0;
        while mask < 256 {
            let (mut count, mut p, mut i) = (0u8, phase, 0);
            while i < 8 {
                if mask & (1 << i) != 0 {
                    if p == 0 {
                        count += 1;
                    }
                    p = (p + 1) & 3;
                } else {
                    p = 0;
                }
                i += 1;
            }
            table[phase * 256 + mask] = count | ((p as u8) << 4);
            mask += 1;
        }
        phase += 1;
    }
    table
};

const NONE: u8 = 0;
const ALNUM: u8 = 1;
const COUNTED: u8 = 2;

/// The class of every byte value, computed at compile time.
static CLASS: [u8; 256] = {
    let mut table = [NONE; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = if c.is_ascii_alphanumeric() {
            ALNUM
        } else if c.is_ascii_graphic() || c >= 0xC0 {
            COUNTED
        } else {
            NONE
        };
        b += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    /// The estimate, checked to be the same by every scan this target has.
    fn estimate_tokens(text: &str) -> usize {
        let words = by_words(text);
        #[cfg(target_arch = "x86_64")]
        assert_eq!(blocks::estimate(text), words, "{text:?}");
        words
    }

    /// The rule as SPEC §11 states it, one character at a time.
    fn reference(text: &str) -> usize {
        let mut total = 0;
        let mut run: usize = 0;
        for c in text.chars() {
            if c.is_ascii_alphanumeric() {
                run += 1;
                continue;
            }
            total += run.div_ceil(4);
            run = 0;
            if c.is_ascii_graphic() || !c.is_ascii() {
                total += 1;
            }
        }
        total + run.div_ceil(4)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5000))]
        #[test]
        fn the_word_at_a_time_scan_agrees_with_the_rule(
            text in "[a-zA-Z0-9 .,:;_\\-\t\n\u{7f}\u{0}@\\[`{~é日🎉\u{85}]{0,40}"
        ) {
            proptest::prop_assert_eq!(estimate_tokens(&text), reference(&text));
        }

        /// Long runs of letters and digits across the 8-byte words, in every phase.
        #[test]
        fn long_runs_across_words_agree_with_the_rule(
            text in "([a-zA-Z0-9]{0,140}[ .\u{7f}é日🎉\u{85}]{0,3}){0,5}"
        ) {
            proptest::prop_assert_eq!(estimate_tokens(&text), reference(&text));
        }
    }

    #[test]
    fn every_run_length_and_offset_agrees_with_the_rule() {
        for pad in 0..8 {
            for run in 0..200 {
                let text = format!("{}{}!{}", " ".repeat(pad), "a".repeat(run), "9".repeat(run));
                assert_eq!(estimate_tokens(&text), reference(&text), "{pad} {run}");
            }
        }
    }

    #[test]
    fn long_texts_cross_the_lane_flush() {
        for n in [2039, 2040, 2041, 5000, 100_000] {
            let text: String = "ab, cd!e ".chars().cycle().take(n).collect();
            assert_eq!(estimate_tokens(&text), reference(&text));
            let dots = ".".repeat(n);
            assert_eq!(estimate_tokens(&dots), n);
        }
    }

    #[test]
    fn every_byte_is_classified_as_the_rule_says() {
        for c in (0u32..0x80).filter_map(char::from_u32) {
            for run in ["", "a", "ab", "abc", "abcd", "abcdefg"] {
                let text = format!("{run}{c}{run}xyz{c}");
                assert_eq!(estimate_tokens(&text), reference(&text), "{text:?}");
            }
        }
    }

    #[test]
    fn counts_runs_symbols_and_characters() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("hello world"), 4);
        assert_eq!(estimate_tokens("a.b"), 3);
        assert_eq!(estimate_tokens("日本"), 2);
        assert_eq!(estimate_tokens("🎉 x"), 2);
        assert_eq!(estimate_tokens("abcdefgh1"), 3);
        assert_eq!(estimate_tokens("\t\n \u{7f}"), 0);
    }
}
