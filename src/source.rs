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
/// a device (`/dev/zero`), a socket or a directory is an error, checked before opening: reading
/// one could block forever or never end.
pub fn read_file_into(path: &std::path::Path, buffer: &mut Vec<u8>) -> std::io::Result<()> {
    use std::io::{Error, ErrorKind, Read};
    buffer.clear();
    let meta = std::fs::metadata(path)?;
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
    let file = std::fs::File::open(path)?;
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
        let mut position = self.lines().position(&self.text, offset);
        if self.stored_as_utf16 {
            // Two bytes of byte-order mark, then two bytes per UTF-16 code unit.
            position.offset = 2 + 2 * self.text[..position.offset].encode_utf16().count();
        }
        position
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

/// Start offsets of every line in a text.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        // A lone `\r` is not a line break in HCL; `\r\n` is handled by the `\n`.
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte offset of the start of a 0-based line.
    pub fn line_start(&self, line0: usize) -> usize {
        self.starts.get(line0).copied().unwrap_or(0)
    }

    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = clamp_to_char_boundary(text, offset);
        let line0 = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let mut start = self.starts[line0];
        // A byte-order mark is not a column: editors and LSP clients do not show it.
        if start == 0 && text.starts_with('\u{feff}') {
            start = 3.min(offset);
        }
        let prefix = &text[start..offset];
        Position {
            line: line0 + 1,
            column: prefix.chars().count() + 1,
            offset,
            utf16_column: prefix.encode_utf16().count() + 1,
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

    #[test]
    fn indentation_helpers() {
        let text = "a {\n\t  b = 1\n}";
        let b = text.find('b').unwrap();
        assert_eq!(line_indent(text, b), "\t  ");
        assert_eq!(line_start(text, b), 4);
    }
}
