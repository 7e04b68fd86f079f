//! GitHub code scanning's `primaryLocationLineHash`.
//!
//! A port of `hash` in github/codeql-action `src/fingerprints.ts`, which `upload-sarif` runs
//! when a result has no fingerprint. Computing it ourselves gives API uploads the same value
//! and keeps alerts stable when lines above a finding move.
//!
//! The text is read as UTF-16 code units. Spaces and tabs are skipped, `\r` and `\r\n` count
//! as `\n`. Every line gets a rolling hash (`h = 37*h + c - 37^100*c_old`, wrapping at 64 bits)
//! of the 100 kept units that start at the line's first kept unit; after the text comes an
//! end-of-file marker (65535) and zero padding. A line's fingerprint is the hash in lowercase
//! hex without leading zeros, `:`, and how many times that hash has occurred so far.

use std::collections::HashMap;

const BLOCK_SIZE: usize = 100;
const MOD: u64 = 37;
const EOF: u16 = 65535;
const TAB: u16 = b'\t' as u16;
const SPACE: u16 = b' ' as u16;
const LF: u16 = b'\n' as u16;
const CR: u16 = b'\r' as u16;

/// The fingerprint of every line of `text`: element `i` belongs to line `i + 1` (lines are
/// split at `\n`, `\r\n` and a lone `\r`, as upstream does). There is always at least one.
pub fn line_hashes(text: &str) -> Vec<String> {
    let mut hasher = Hasher::new();
    for unit in text.encode_utf16() {
        hasher.process(unit);
    }
    hasher.process(EOF);
    for _ in 0..BLOCK_SIZE {
        if hasher.line_numbers[hasher.index].is_some() {
            hasher.output();
        }
        hasher.update(0);
    }
    hasher.out
}

/// The fingerprint of the 1-based `line` of `text`, if the text has that line.
pub fn line_hash(text: &str, line: usize) -> Option<String> {
    line.checked_sub(1)
        .and_then(|i| line_hashes(text).into_iter().nth(i))
}

struct Hasher {
    window: [u16; BLOCK_SIZE],
    /// The line that starts at each window slot.
    line_numbers: [Option<usize>; BLOCK_SIZE],
    hash: u64,
    first_mod: u64,
    index: usize,
    line_number: usize,
    line_start: bool,
    prev_cr: bool,
    counts: HashMap<u64, usize>,
    out: Vec<String>,
}

impl Hasher {
    fn new() -> Hasher {
        Hasher {
            window: [0; BLOCK_SIZE],
            line_numbers: [None; BLOCK_SIZE],
            hash: 0,
            first_mod: (0..BLOCK_SIZE).fold(1u64, |m, _| m.wrapping_mul(MOD)),
            index: 0,
            line_number: 0,
            line_start: true,
            prev_cr: false,
            counts: HashMap::new(),
            out: Vec::new(),
        }
    }

    fn output(&mut self) {
        let n = self.counts.entry(self.hash).or_insert(0);
        *n += 1;
        // Lines are output in order, once each, so the position in `out` is the line.
        debug_assert_eq!(self.line_numbers[self.index], Some(self.out.len() + 1));
        self.out.push(format!("{:x}:{n}", self.hash));
        self.line_numbers[self.index] = None;
    }

    fn update(&mut self, current: u16) {
        let begin = self.window[self.index];
        self.window[self.index] = current;
        self.hash = MOD
            .wrapping_mul(self.hash)
            .wrapping_add(u64::from(current))
            .wrapping_sub(self.first_mod.wrapping_mul(u64::from(begin)));
        self.index = (self.index + 1) % BLOCK_SIZE;
    }

    fn process(&mut self, mut current: u16) {
        if current == SPACE || current == TAB || (self.prev_cr && current == LF) {
            self.prev_cr = false;
            return;
        }
        if current == CR {
            current = LF;
            self.prev_cr = true;
        } else {
            self.prev_cr = false;
        }
        if self.line_numbers[self.index].is_some() {
            self.output();
        }
        if self.line_start {
            self.line_start = false;
            self.line_number += 1;
            self.line_numbers[self.index] = Some(self.line_number);
        }
        if current == LF {
            self.line_start = true;
        }
        self.update(current);
    }
}

#[cfg(test)]
mod tests {
    //! The vectors are upstream's, from github/codeql-action `src/fingerprints.test.ts`.

    use super::*;

    fn check(input: &str, expected: &[&str]) {
        let got = line_hashes(input);
        assert_eq!(got, expected, "input {input:?}");
        // Upstream also checks one hash per line, lines split at \r\n, \r and \n.
        let lines = input.replace("\r\n", "\n").replace('\r', "\n");
        assert_eq!(got.len(), lines.split('\n').count(), "input {input:?}");
    }

    #[test]
    fn empty_file() {
        check("", &["c129715d7a2bc9a3:1"]);
    }

    #[test]
    fn spaces_and_tabs_are_skipped() {
        check(
            " a\nb\n  \t\tc\n d",
            &[
                "271789c17abda88f:1",
                "54703d4cd895b18:1",
                "180aee12dab6264:1",
                "a23a3dc5e078b07b:1",
            ],
        );
    }

    #[test]
    fn without_final_newline() {
        check(
            " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
            &[
                "8b7cf3e952e7aeb2:1",
                "b1ae1287ec4718d9:1",
                "bff680108adb0fcc:1",
                "c6805c5e1288b612:1",
                "b86d3392aea1be30:1",
                "e6ceba753e1a442:1",
            ],
        );
    }

    const HELLO: [&str; 7] = [
        "e9496ae3ebfced30:1",
        "fb7c023a8b9ccb3f:1",
        "ce8ba1a563dcdaca:1",
        "e20e36e16fcb0cc8:1",
        "b3edc88f2938467e:1",
        "c8e28b0b4002a3a0:1",
        "c129715d7a2bc9a3:1",
    ];

    #[test]
    fn line_feeds() {
        check(" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n", &HELLO);
    }

    #[test]
    fn carriage_returns() {
        check(" hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r", &HELLO);
    }

    #[test]
    fn crlf() {
        check(
            " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
            &HELLO,
        );
    }

    #[test]
    fn mixed_line_endings() {
        check(
            " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
            &HELLO,
        );
    }

    #[test]
    fn repeated_lines_are_numbered() {
        check(
            &"Lorem ipsum dolor sit amet.\n".repeat(10),
            &[
                "a7f2ff13bc495cf2:1",
                "a7f2ff13bc495cf2:2",
                "a7f2ff13bc495cf2:3",
                "a7f2ff13bc495cf2:4",
                "a7f2ff13bc495cf2:5",
                "a7f2ff13bc495cf2:6",
                "a7f2ff1481e87703:1",
                "a9cf91f7bbf1862b:1",
                "55ec222b86bcae53:1",
                "cc97dc7b1d7d8f7b:1",
                "c129715d7a2bc9a3:1",
            ],
        );
    }

    #[test]
    fn one_line() {
        assert_eq!(
            line_hash(" a\nb\n  \t\tc\n d", 3).as_deref(),
            Some("180aee12dab6264:1")
        );
        assert_eq!(line_hash("a", 2), None);
        assert_eq!(line_hash("a", 0), None);
    }

    #[test]
    fn non_ascii_counts_utf16_units() {
        // Differs from the same text with one unit per character: a surrogate pair is two.
        let a = line_hashes("🔑 x\n");
        let b = line_hashes("\u{fffd} x\n");
        assert_ne!(a[0], b[0]);
        assert_eq!(a.len(), 2);
    }
}
