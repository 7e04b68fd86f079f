//! LSP positions: 0-based lines and columns counted in the negotiated encoding, converted to
//! and from the byte offsets the rest of kmslint uses.
//!
//! Lines end at `\n`, `\r\n` or a lone `\r`, as the LSP specification says (HCL's lines, and
//! so [`crate::source::LineIndex`]'s, end only at `\n`). A UTF-8 byte-order mark is not a
//! column (as there): editors do not show it. Columns come from the same
//! [`WideChars`] table, so a position in either direction is a few binary searches, however
//! long the line (a minified `.tf.json`).

use lsp_types::{Position, Range, TextDocumentContentChangeEvent};

use crate::source::{clamp_to_char_boundary, Span, Unit, WideChars};

/// How `Position::character` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Bytes of UTF-8.
    Utf8,
    /// UTF-16 code units: the LSP default that every server must support.
    Utf16,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16 => "utf-16",
        }
    }

    fn unit(self) -> Unit {
        match self {
            Encoding::Utf8 => Unit::Bytes,
            Encoding::Utf16 => Unit::Utf16,
        }
    }
}

/// Start offsets of the lines of one text, by the LSP's definition of a line.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
    bom: usize,
    wide: WideChars,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = Vec::with_capacity(bytes.len() / 32 + 1);
        starts.push(0);
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                continue; // the `\n` ends this line
            }
            starts.push(i + 1);
        }
        LineIndex {
            starts,
            len: text.len(),
            bom: if text.starts_with('\u{feff}') { 3 } else { 0 },
            wide: WideChars::new(text),
        }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The byte range of a 0-based line's content, without its terminator and without a BOM.
    fn content(&self, text: &str, line: usize) -> Span {
        let mut start = self.starts[line];
        if line == 0 {
            start = self.bom.min(self.len);
        }
        let mut end = self.starts.get(line + 1).copied().unwrap_or(self.len);
        let b = text.as_bytes();
        if end > start && line + 1 < self.starts.len() {
            end -= 1; // `\n` or `\r`
            if end > start && b[end] == b'\n' && b[end - 1] == b'\r' {
                end -= 1;
            }
        }
        start..end.max(start)
    }

    /// The LSP position of a byte offset (clamped into the text and to a character boundary;
    /// an offset inside a line terminator is the end of that line).
    pub fn position(&self, text: &str, offset: usize, encoding: Encoding) -> Position {
        let offset = clamp_to_char_boundary(text, offset);
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let content = self.content(text, line);
        let end = offset.clamp(content.start, content.end);
        let character = self.wide.units(content.start, end, encoding.unit());
        Position::new(line as u32, u32::try_from(character).unwrap_or(u32::MAX))
    }

    pub fn range(&self, text: &str, span: &Span, encoding: Encoding) -> Range {
        Range::new(
            self.position(text, span.start, encoding),
            self.position(text, span.end.max(span.start), encoding),
        )
    }

    /// The byte offset of an LSP position. A line past the end is the end of the text; a
    /// character past the end of its line is the end of the line (the specification's rule);
    /// a character inside a multi-unit character is that character's start.
    pub fn offset(&self, text: &str, position: Position, encoding: Encoding) -> usize {
        let line = position.line as usize;
        if line >= self.starts.len() {
            return self.len;
        }
        let content = self.content(text, line);
        let at = self.wide.offset_after(
            content.start,
            content.end,
            position.character as usize,
            encoding.unit(),
        );
        clamp_to_char_boundary(text, at)
    }

    pub fn span(&self, text: &str, range: Range, encoding: Encoding) -> Span {
        let a = self.offset(text, range.start, encoding);
        let b = self.offset(text, range.end, encoding);
        a.min(b)..a.max(b)
    }
}

/// Applies one `didChange` content change to a buffer.
pub fn apply_change(
    text: &mut String,
    change: &TextDocumentContentChangeEvent,
    encoding: Encoding,
) {
    match change.range {
        None => {
            text.clear();
            text.push_str(&change.text);
        }
        Some(range) => {
            let span = LineIndex::new(text).span(text, range, encoding);
            text.replace_range(span, &change.text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = "  /*🔑é*/ enable_key_rotation = false";

    fn pos(line: u32, character: u32) -> Position {
        Position::new(line, character)
    }

    #[test]
    fn columns_in_both_encodings() {
        let text = format!("resource \"aws_kms_key\" \"k\" {{\n{LINE}\n}}\n");
        let idx = LineIndex::new(&text);
        let start = text.find("false").unwrap();
        let span = start..start + 5;
        // 2 spaces, `/*` 2, 🔑 2 units / 4 bytes, é 1 unit / 2 bytes, `*/ ` 3, then 22 more.
        assert_eq!(
            idx.range(&text, &span, Encoding::Utf16),
            Range::new(pos(1, 32), pos(1, 37))
        );
        assert_eq!(
            idx.range(&text, &span, Encoding::Utf8),
            Range::new(pos(1, 35), pos(1, 40))
        );
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            let r = idx.range(&text, &span, enc);
            assert_eq!(idx.span(&text, r, enc), span, "{enc:?}");
        }
    }

    #[test]
    fn positions_round_trip_at_every_character() {
        let text = "a\r\nb🔑c\rd\u{e9}\n\nlast";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_count(), 5);
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            for (offset, c) in text.char_indices() {
                if c == '\r' || c == '\n' {
                    continue;
                }
                let p = idx.position(text, offset, enc);
                assert_eq!(idx.offset(text, p, enc), offset, "{enc:?} {offset}");
            }
        }
        assert_eq!(
            idx.position(text, text.find('d').unwrap(), Encoding::Utf16),
            pos(2, 0)
        );
        assert_eq!(idx.position(text, text.len(), Encoding::Utf16), pos(4, 4));
    }

    #[test]
    fn out_of_range_positions_are_clamped() {
        let text = "ab🔑\r\ncd";
        let idx = LineIndex::new(text);
        // Past the end of a line: the end of the line, before `\r\n`.
        assert_eq!(idx.offset(text, pos(0, 99), Encoding::Utf16), 6);
        // Past the last line: the end of the text.
        assert_eq!(idx.offset(text, pos(9, 0), Encoding::Utf8), text.len());
        // Between the two UTF-16 units of 🔑, or inside its UTF-8 bytes: its start.
        assert_eq!(idx.offset(text, pos(0, 3), Encoding::Utf16), 2);
        assert_eq!(idx.offset(text, pos(0, 4), Encoding::Utf8), 2);
        // An offset inside `\r\n` is the end of the line.
        assert_eq!(idx.position(text, 7, Encoding::Utf8), pos(0, 6));
        assert_eq!(idx.position(text, 999, Encoding::Utf8), pos(1, 2));
    }

    #[test]
    fn a_byte_order_mark_is_not_a_column() {
        let text = "\u{feff}ab";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 4, Encoding::Utf8), pos(0, 1));
        assert_eq!(idx.offset(text, pos(0, 0), Encoding::Utf16), 3);
    }

    fn change(range: Option<Range>, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range,
            range_length: None,
            text: text.to_string(),
        }
    }

    #[test]
    fn incremental_changes_use_the_negotiated_encoding() {
        let original = format!("k {{\n{LINE}\n}}\n");
        // Replace `false` with `true`: UTF-16 columns 32..37, UTF-8 columns 35..40.
        for (enc, a, b) in [(Encoding::Utf16, 32, 37), (Encoding::Utf8, 35, 40)] {
            let mut text = original.clone();
            apply_change(
                &mut text,
                &change(Some(Range::new(pos(1, a), pos(1, b))), "true"),
                enc,
            );
            assert_eq!(text, original.replace("false", "true"), "{enc:?}");
        }
        // A sequence: insert after 🔑, delete a line, then a full replacement.
        let mut text = original.clone();
        apply_change(
            &mut text,
            &change(Some(Range::new(pos(1, 6), pos(1, 6))), "x"),
            Encoding::Utf16,
        );
        assert!(text.contains("🔑xé"), "{text}");
        apply_change(
            &mut text,
            &change(Some(Range::new(pos(0, 3), pos(1, 99))), ""),
            Encoding::Utf16,
        );
        assert_eq!(text, "k {\n}\n");
        apply_change(
            &mut text,
            &change(Some(Range::new(pos(5, 0), pos(5, 0))), "# end\n"),
            Encoding::Utf8,
        );
        assert_eq!(text, "k {\n}\n# end\n");
        apply_change(&mut text, &change(None, "new"), Encoding::Utf8);
        assert_eq!(text, "new");
        // A reversed range is taken as the same range the right way round.
        apply_change(
            &mut text,
            &change(Some(Range::new(pos(0, 3), pos(0, 1))), "E"),
            Encoding::Utf8,
        );
        assert_eq!(text, "nE");
    }
}
