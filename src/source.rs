//! Source files and positions.
//!
//! Everything inside kmslint addresses text by byte offsets into the file as read from disk
//! (BOM included). Line/column pairs are computed only at the edges (renderers, LSP), so the
//! one `LineIndex` here is the single place that knows about newlines and column units.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

/// A byte range in one file.
pub type Span = Range<usize>;

/// The largest file kmslint reads (configuration, tfvars, plans): a bigger one is reported
/// as an error instead of being read. Real plans of large estates stay well below it.
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// Reads a regular file of at most [`MAX_FILE_BYTES`] into `buffer` (cleared first). A FIFO,
/// a device (`/dev/zero`), a socket or a directory is an error: reading one could block
/// forever or never end.
pub fn read_file_into(path: &std::path::Path, buffer: &mut Vec<u8>) -> std::io::Result<()> {
    use std::io::{Error, ErrorKind, Read};
    buffer.clear();
    // Opened first and checked with fstat: one path lookup per file instead of two (a walk
    // of thousands of files pays for each). Opening a FIFO without O_NONBLOCK would block
    // until a writer comes; with it, the open returns and the fstat below rejects the FIFO.
    // The flag changes nothing for reading regular files.
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "not a regular file (a FIFO, device or socket is not read)",
        ));
    }
    let too_big = || {
        Error::new(
            ErrorKind::InvalidData,
            format!("file is larger than {} MiB", MAX_FILE_BYTES >> 20),
        )
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_big());
    }
    // The size is known: one allocation, and no doubling while reading.
    buffer.reserve(meta.len() as usize + 1);
    // The file may grow after the check: read at most one byte more than allowed.
    file.take(MAX_FILE_BYTES + 1).read_to_end(buffer)?;
    if buffer.len() as u64 > MAX_FILE_BYTES {
        buffer.clear();
        return Err(too_big());
    }
    Ok(())
}

/// [`read_file_into`] into a new buffer.
pub fn read_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let mut buffer = Vec::new();
    read_file_into(path, &mut buffer)?;
    Ok(buffer)
}

/// [`read_file`] as UTF-8 text.
pub fn read_text(path: &std::path::Path) -> std::io::Result<String> {
    String::from_utf8(read_file(path)?)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Which syntax a configuration file is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Syntax {
    /// Native HCL (`.tf`, `.tofu`, `.tfvars`).
    Hcl,
    /// HCL's JSON variant (`.tf.json`, `.tofu.json`, `.tfvars.json`).
    Json,
}

/// One file read from disk (or from an editor buffer).
#[derive(Debug)]
pub struct SourceFile {
    /// Path as found on disk (absolute or relative to the working directory, as given).
    pub path: PathBuf,
    /// Path as shown to users: relative to the working directory when under it.
    pub display: String,
    pub text: String,
    pub syntax: Syntax,
    /// Length of a leading UTF-8 byte-order mark (0 or 3); parsers start after it.
    pub bom_len: usize,
    /// Set when the file on disk is UTF-16 with a byte-order mark (a plan written by a
    /// PowerShell redirect): `text` is its UTF-8 decoding, and reported offsets are
    /// converted back to bytes of the stored file.
    pub stored_as_utf16: bool,
    /// Built on first use: most files never need a line/column.
    lines: std::sync::OnceLock<LineIndex>,
    /// Whether the file uses `\r\n`, found on first use (every fix asks; a scan per fix
    /// would make many fixes in one file quadratic).
    crlf: std::sync::OnceLock<bool>,
}

pub type FileRef = Arc<SourceFile>;

impl SourceFile {
    pub fn new(path: PathBuf, display: String, text: String, syntax: Syntax) -> SourceFile {
        let bom_len = if text.starts_with('\u{feff}') { 3 } else { 0 };
        SourceFile {
            path,
            display,
            text,
            syntax,
            bom_len,
            stored_as_utf16: false,
            lines: std::sync::OnceLock::new(),
            crlf: std::sync::OnceLock::new(),
        }
    }

    /// The text the parsers see: everything after the byte-order mark.
    pub fn body_text(&self) -> &str {
        &self.text[self.bom_len..]
    }

    /// The file's newline convention, used when a fix inserts lines.
    pub fn newline(&self) -> &'static str {
        let crlf = *self
            .crlf
            .get_or_init(|| memchr::memmem::find(self.text.as_bytes(), b"\r\n").is_some());
        if crlf {
            "\r\n"
        } else {
            "\n"
        }
    }

    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }

    pub fn position(&self, offset: usize) -> Position {
        let lines = self.lines();
        let mut position = lines.position(&self.text, offset);
        if self.stored_as_utf16 {
            // Two bytes of byte-order mark, then two bytes per UTF-16 code unit.
            position.offset = 2 + 2 * lines.units(0, position.offset, Unit::Utf16);
        }
        position
    }

    /// The length of a span in `unit`s (the span is clamped into the text and its ends moved
    /// back to character boundaries).
    pub fn len_in(&self, span: &Span, unit: Unit) -> usize {
        let start = clamp_to_char_boundary(&self.text, span.start);
        let end = clamp_to_char_boundary(&self.text, span.end).max(start);
        self.lines().units(start, end, unit)
    }

    pub fn slice(&self, span: &Span) -> &str {
        self.text.get(span.clone()).unwrap_or("")
    }
}

/// A 1-based line and column plus the 0-based byte offset it came from.
///
/// `column` counts Unicode scalar values (characters) from the start of the line, 1-based;
/// `utf16_column` is the same position in UTF-16 code units (LSP, SARIF), 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
    #[serde(skip)]
    pub utf16_column: usize,
}

/// What a column or a length counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// UTF-8 bytes.
    Bytes,
    /// Unicode scalar values.
    Chars,
    /// UTF-16 code units.
    Utf16,
}

/// Where the non-ASCII characters of a text are, with running totals of how much shorter the
/// text is in characters and in UTF-16 code units than in bytes up to each of them. The
/// number of units between two offsets is then a subtraction and two binary searches, and a
/// text without non-ASCII characters (most Terraform) needs no table at all.
#[derive(Debug, Clone, Default)]
pub struct WideChars {
    /// In offset order.
    chars: Vec<Wide>,
}

#[derive(Debug, Clone, Copy)]
struct Wide {
    offset: usize,
    /// UTF-8 length of this character (2 to 4).
    len: u8,
    /// Bytes minus characters, over this character and every non-ASCII one before it.
    fewer_chars: usize,
    /// Bytes minus UTF-16 code units, likewise.
    fewer_utf16: usize,
}

impl WideChars {
    pub fn new(text: &str) -> WideChars {
        if text.is_ascii() {
            return WideChars::default();
        }
        let mut chars = Vec::new();
        let (mut fewer_chars, mut fewer_utf16) = (0, 0);
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b < 0x80 {
                i += 1;
                continue;
            }
            // A `str` is valid UTF-8: a lead byte says how long its character is.
            let len: u8 = match b {
                0xF0.. => 4,
                0xE0.. => 3,
                _ => 2,
            };
            fewer_chars += usize::from(len) - 1;
            fewer_utf16 += usize::from(len) - if len == 4 { 2 } else { 1 };
            chars.push(Wide {
                offset: i,
                len,
                fewer_chars,
                fewer_utf16,
            });
            i += usize::from(len);
        }
        WideChars { chars }
    }

    pub fn is_ascii(&self) -> bool {
        self.chars.is_empty()
    }

    /// Bytes minus `unit`s over the characters that start before `offset`.
    fn fewer_before(&self, offset: usize, unit: Unit) -> usize {
        let k = self.chars.partition_point(|w| w.offset < offset);
        match (k, unit) {
            (0, _) | (_, Unit::Bytes) => 0,
            (k, Unit::Chars) => self.chars[k - 1].fewer_chars,
            (k, Unit::Utf16) => self.chars[k - 1].fewer_utf16,
        }
    }

    /// The number of `unit`s between two character boundaries `from <= to`.
    pub fn units(&self, from: usize, to: usize, unit: Unit) -> usize {
        let to = to.max(from);
        if self.is_ascii() || unit == Unit::Bytes {
            return to - from;
        }
        (to - from) - (self.fewer_before(to, unit) - self.fewer_before(from, unit))
    }

    /// The offset `units` `unit`s after `from`, but not past `limit`; a count that ends
    /// inside a character gives that character's start. `from` and `limit` are character
    /// boundaries with `from <= limit`.
    pub fn offset_after(&self, from: usize, limit: usize, units: usize, unit: Unit) -> usize {
        let limit = limit.max(from);
        if self.is_ascii() || unit == Unit::Bytes {
            // Bytes: the caller moves the result back to a character boundary.
            return from.saturating_add(units).min(limit);
        }
        let fewer = |k: usize| match (k, unit) {
            (0, _) => 0,
            (k, Unit::Chars) => self.chars[k - 1].fewer_chars,
            (k, _) => self.chars[k - 1].fewer_utf16,
        };
        let first = self.chars.partition_point(|w| w.offset < from);
        let end = self.chars.partition_point(|w| w.offset < limit);
        let base = fewer(first);
        // Units from `from` to the start of wide character `k`; increasing in `k`.
        let before = |k: usize| (self.chars[k].offset - from) - (fewer(k) - base);
        // The first wide character in range that starts after the wanted count.
        let (mut lo, mut hi) = (first, end);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if before(mid) <= units {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let n = lo - first;
        let at = if n == 0 {
            from.saturating_add(units)
        } else {
            let k = first + n - 1;
            let w = self.chars[k];
            let width = match unit {
                Unit::Chars => 1,
                _ if w.len == 4 => 2,
                _ => 1,
            };
            let start = before(k);
            if units < start + width {
                w.offset
            } else {
                w.offset + usize::from(w.len) + (units - start - width)
            }
        };
        at.min(limit)
    }
}

/// Start offsets of every line in a text, and its [`WideChars`]: a line and column in any unit
/// costs two binary searches.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
    wide: WideChars,
    bom: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        // A lone `\r` is not a line break in HCL; `\r\n` is handled by the `\n`.
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex {
            starts,
            wide: WideChars::new(text),
            bom: if text.starts_with('\u{feff}') { 3 } else { 0 },
        }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte offset of the start of a 0-based line.
    pub fn line_start(&self, line0: usize) -> usize {
        self.starts.get(line0).copied().unwrap_or(0)
    }

    /// The 0-based line that contains `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// The byte range of a 0-based line without its `\n` (a `\r` before it is kept), or an
    /// empty range at the end of the text for a line past the end. `text` is the indexed text.
    pub fn line_span(&self, text: &str, line0: usize) -> Span {
        match self.starts.get(line0) {
            Some(&start) => {
                let end = self
                    .starts
                    .get(line0 + 1)
                    .map_or(text.len(), |&next| next - 1);
                start..end.max(start)
            }
            None => text.len()..text.len(),
        }
    }

    /// The number of `unit`s between two character boundaries of the indexed text.
    pub fn units(&self, from: usize, to: usize, unit: Unit) -> usize {
        self.wide.units(from, to, unit)
    }

    pub fn wide_chars(&self) -> &WideChars {
        &self.wide
    }

    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = clamp_to_char_boundary(text, offset);
        let line0 = self.line_of(offset);
        let mut start = self.starts[line0];
        // A byte-order mark is not a column: editors and LSP clients do not show it.
        if start == 0 {
            start = self.bom.min(offset);
        }
        Position {
            line: line0 + 1,
            column: self.wide.units(start, offset, Unit::Chars) + 1,
            offset,
            utf16_column: self.wide.units(start, offset, Unit::Utf16) + 1,
        }
    }
}

/// Clamps an offset into `text` and moves it back to the nearest character boundary.
pub fn clamp_to_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The whitespace at the start of the line that contains `offset`.
pub fn line_indent(text: &str, offset: usize) -> &str {
    let offset = clamp_to_char_boundary(text, offset);
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let rest = &text[start..];
    let len = rest
        .find(|c: char| c != ' ' && c != '\t')
        .unwrap_or(rest.len());
    &rest[..len]
}

/// Offset of the start of the line that contains `offset`.
pub fn line_start(text: &str, offset: usize) -> usize {
    let offset = clamp_to_char_boundary(text, offset);
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_and_utf16_units() {
        let text = "a\r\n  é🔑x = 1\n";
        let idx = LineIndex::new(text);
        let x = text.find('x').unwrap();
        let p = idx.position(text, x);
        assert_eq!((p.line, p.column, p.utf16_column), (2, 5, 6));
        assert_eq!(idx.position(text, 0).line, 1);
        assert_eq!(idx.position(text, text.len()).line, 3);
    }

    #[test]
    fn a_byte_order_mark_is_not_a_column() {
        let text = "\u{feff}resource";
        let p = LineIndex::new(text).position(text, 3);
        assert_eq!((p.line, p.column, p.offset), (1, 1, 3));
    }

    /// Line and columns counted the slow way, from the start of the line.
    fn naive(text: &str, offset: usize) -> (usize, usize, usize) {
        let offset = clamp_to_char_boundary(text, offset);
        let mut start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        if start == 0 && text.starts_with('\u{feff}') {
            start = 3.min(offset);
        }
        let prefix = &text[start..offset];
        (
            text[..offset].matches('\n').count() + 1,
            prefix.chars().count() + 1,
            prefix.encode_utf16().count() + 1,
        )
    }

    const MIXED: &str =
        "\u{feff}a = \"é\"\r\n  🔑x = \"日本\" # 🔑🔑\n\n\r\nz\u{10ffff}\u{7f}\u{80}";

    #[test]
    fn positions_agree_with_counting_at_every_offset() {
        for text in [
            MIXED,
            "",
            "ascii only\nline two\r\n",
            "🔑",
            "\u{feff}",
            "é\n",
        ] {
            let idx = LineIndex::new(text);
            for offset in 0..=text.len() + 2 {
                let p = idx.position(text, offset);
                assert_eq!(
                    (p.line, p.column, p.utf16_column),
                    naive(text, offset),
                    "{text:?} at {offset}"
                );
            }
        }
    }

    #[test]
    fn ascii_text_needs_no_table() {
        let text = "resource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = false\n}\n";
        let idx = LineIndex::new(text);
        assert!(idx.wide_chars().is_ascii());
        let p = idx.position(text, text.find("false").unwrap());
        assert_eq!((p.line, p.column, p.utf16_column), (2, 25, 25));
    }

    #[test]
    fn multi_byte_characters_count_once_and_surrogate_pairs_twice() {
        // é: 2 bytes, 1 UTF-16 unit; 日: 3 bytes, 1 unit; 🔑: 4 bytes, 2 units.
        let text = "é日🔑x";
        let idx = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(x, 9);
        let p = idx.position(text, x);
        assert_eq!((p.column, p.utf16_column), (4, 5));
        assert_eq!(idx.units(0, x, Unit::Chars), 3);
        assert_eq!(idx.units(0, x, Unit::Utf16), 4);
        assert_eq!(idx.units(0, x, Unit::Bytes), 9);
        assert_eq!(idx.units(2, 5, Unit::Utf16), 1);
    }

    #[test]
    fn crlf_lines_end_at_the_line_feed() {
        let text = "a\r\nbc\r\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_count(), 3);
        // The `\r` is the last column of its line.
        let p = idx.position(text, 1);
        assert_eq!((p.line, p.column), (1, 2));
        let p = idx.position(text, 4);
        assert_eq!((p.line, p.column), (2, 2));
        assert_eq!(idx.line_span(text, 0), 0..2);
        assert_eq!(idx.line_span(text, 1), 3..6);
        assert_eq!(idx.line_span(text, 2), 7..7);
        assert_eq!(idx.line_span(text, 9), 7..7);
    }

    #[test]
    fn offsets_inside_a_character_move_back_to_its_start() {
        let text = "a🔑b";
        let idx = LineIndex::new(text);
        for inside in 2..5 {
            let p = idx.position(text, inside);
            assert_eq!((p.offset, p.column, p.utf16_column), (1, 2, 2), "{inside}");
        }
        // Past the end: the end.
        assert_eq!(idx.position(text, 99).offset, text.len());
    }

    #[test]
    fn offset_after_inverts_units() {
        for text in [MIXED, "abc", "🔑🔑", "a日b"] {
            let w = WideChars::new(text);
            for unit in [Unit::Chars, Unit::Utf16] {
                for (from, _) in text.char_indices() {
                    for to in (from..=text.len()).filter(|&i| text.is_char_boundary(i)) {
                        let n = w.units(from, to, unit);
                        assert_eq!(
                            w.offset_after(from, text.len(), n, unit),
                            to,
                            "{text:?} {unit:?} {from}..{to}"
                        );
                    }
                }
            }
        }
        let w = WideChars::new("a🔑b");
        // One UTF-16 unit into the key is inside it: the key's start.
        assert_eq!(w.offset_after(1, 6, 1, Unit::Utf16), 1);
        assert_eq!(w.offset_after(0, 6, 2, Unit::Utf16), 1);
        assert_eq!(w.offset_after(0, 6, 3, Unit::Utf16), 5);
        // Never past the limit.
        assert_eq!(w.offset_after(0, 5, 99, Unit::Chars), 5);
        assert_eq!(WideChars::new("abc").offset_after(1, 3, 99, Unit::Utf16), 3);
    }

    #[test]
    fn utf16_files_report_offsets_of_the_stored_bytes() {
        let mut file = SourceFile::new(
            PathBuf::from("plan.json"),
            "plan.json".into(),
            "{\"é🔑\":1}".into(),
            Syntax::Json,
        );
        file.stored_as_utf16 = true;
        // `{`, `"`, é (1 unit), 🔑 (2 units): 5 units, then the BOM.
        let colon = file.text.find(':').unwrap();
        assert_eq!(file.position(colon).offset, 2 + 2 * 6);
        assert_eq!(file.len_in(&(2..colon), Unit::Utf16), 4);
        assert_eq!(file.len_in(&(2..colon), Unit::Chars), 3);
    }

    #[test]
    fn indentation_helpers() {
        let text = "a {\n\t  b = 1\n}";
        let b = text.find('b').unwrap();
        assert_eq!(line_indent(text, b), "\t  ");
        assert_eq!(line_start(text, b), 4);
    }
}
