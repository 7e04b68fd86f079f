//! The stdio transport. `lsp_server::Connection::stdio()` stops reading at the first message
//! that is not valid JSON-RPC, which would take the server down with it; this reader answers
//! such a message with a JSON-RPC error (`-32700` parse error, `-32600` invalid request) and
//! keeps reading.
//!
//! A frame whose `Content-Length` cannot be used (missing, negative, not a number, larger than
//! [`MAX_MESSAGE`], or a body of that length that is not JSON) says nothing reliable about
//! where the next message starts, so the reader resynchronises: it skips to the next
//! `Content-Length` header, wherever it is (the next header usually follows the bad body
//! without a line break), answers the bad frame once with a parse error (JSON-RPC allows a
//! `null` id for it), and goes on. Nothing it reads is buffered beyond one message of at most
//! [`MAX_MESSAGE`] bytes and one header block of at most [`MAX_HEADER`] bytes.

use std::io::{self, BufRead, Write};
use std::thread::JoinHandle;

use lsp_server::{Connection, Message};
use serde_json::{json, Value};

/// Larger messages are skipped: an editor never sends a 256 MiB buffer on purpose.
pub const MAX_MESSAGE: usize = 256 << 20;
/// A header block longer than this is not one.
pub const MAX_HEADER: usize = 8 << 10;

/// The one header that matters, matched case-insensitively.
const LENGTH: &[u8] = b"content-length";

pub struct IoThreads {
    writer: JoinHandle<()>,
}

impl IoThreads {
    /// Waits until everything the server sent is written. The reader is not joined: it may be
    /// blocked on a stdin that the client never closes.
    pub fn join(self) {
        let _ = self.writer.join();
    }
}

/// Connects the server to stdin and stdout.
pub fn stdio() -> (Connection, IoThreads) {
    let (server, client) = Connection::memory();
    let Connection {
        sender: incoming,
        receiver: outgoing,
    } = client;
    let writer = std::thread::Builder::new()
        .name("kmslint-lsp-writer".into())
        .spawn(move || {
            for message in outgoing {
                let mut out = io::stdout().lock();
                if message.write(&mut out).and_then(|()| out.flush()).is_err() {
                    break;
                }
            }
        })
        .expect("spawn the LSP writer thread");
    std::thread::Builder::new()
        .name("kmslint-lsp-reader".into())
        .spawn(move || {
            let mut input = Reader::new(io::stdin().lock());
            loop {
                match input.read_message() {
                    Ok(Some(Ok(message))) => {
                        let exit =
                            matches!(&message, Message::Notification(n) if n.method == "exit");
                        if incoming.send(message).is_err() || exit {
                            break;
                        }
                    }
                    Ok(Some(Err(reply))) => {
                        if let Some(reply) = reply {
                            let mut out = io::stdout().lock();
                            let _ = write_raw(&mut out, &reply).and_then(|()| out.flush());
                        }
                    }
                    // End of input, or the pipe broke: the server sees the channel close.
                    Ok(None) | Err(_) => break,
                }
            }
        })
        .expect("spawn the LSP reader thread");
    (server, IoThreads { writer })
}

/// What one framed message turned out to be: a message, or the error reply to send instead
/// (`None` when nothing needs a reply).
type Read1 = Result<Message, Option<Value>>;

/// Reads framed messages from `inner`, resynchronising after a bad frame.
pub struct Reader<R> {
    inner: R,
    /// Bytes to read again before `inner`: the body of a bad frame, which may hold the start
    /// of the next message when its length was wrong.
    back: Vec<u8>,
    at: usize,
    /// The last frame was bad and has been answered: what follows, up to the next
    /// `Content-Length`, is what is left of it and gets no second reply.
    answered: bool,
}

impl<R: BufRead> Reader<R> {
    pub fn new(inner: R) -> Reader<R> {
        Reader {
            inner,
            back: Vec::new(),
            at: 0,
            answered: false,
        }
    }

    fn fill(&mut self) -> io::Result<&[u8]> {
        if self.at < self.back.len() {
            return Ok(&self.back[self.at..]);
        }
        self.back.clear();
        self.at = 0;
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        if self.at < self.back.len() {
            self.at += n;
        } else {
            self.inner.consume(n);
        }
    }

    /// Puts `bytes` back in front of what is left to read.
    fn unread(&mut self, bytes: &[u8]) {
        let mut back = bytes.to_vec();
        back.extend_from_slice(&self.back[self.at..]);
        self.back = back;
        self.at = 0;
    }

    /// Reads one framed message. `Ok(None)` at the end of input; an error when the input
    /// ends inside a body or cannot be read.
    pub fn read_message(&mut self) -> io::Result<Option<Read1>> {
        let mut junk = false;
        loop {
            match self.skip_to_length()? {
                Some(j) => junk |= j,
                None => return Ok(None),
            }
            let line = self.read_line(MAX_HEADER)?;
            let Some(value) = length_value(&line) else {
                // Text that happens to contain the name.
                self.unread(&line);
                junk = true;
                continue;
            };
            if junk && !self.answered {
                // Something that is not a message came first: answer it now, and read this
                // header again next time.
                self.unread(&[b"Content-Length".as_slice(), &line].concat());
                return Ok(Some(Err(self.bad(
                    "skipped input that is not a message (no usable Content-Length header)",
                ))));
            }
            let block = self.rest_of_block(line.len())?;
            let length = match value.and_then(|n| block.map(|()| n)) {
                Ok(n) => n,
                Err(why) => return Ok(Some(Err(self.bad(&why)))),
            };
            let body = self.read_body(length)?;
            return Ok(Some(match serde_json::from_slice::<Value>(&body) {
                Ok(value) => {
                    self.answered = false;
                    parse_value(value)
                }
                Err(e) => {
                    // The length may be wrong: look for the next header inside the body.
                    self.unread(&body);
                    Err(self.bad(&format!("parse error: {e}")))
                }
            }));
        }
    }

    /// A bad frame: logged, answered with a parse error, and what follows it is skipped up
    /// to the next `Content-Length`.
    fn bad(&mut self, why: &str) -> Option<Value> {
        log(&format!("invalid message: {why}"));
        self.answered = true;
        Some(error_reply(Value::Null, -32700, why))
    }

    /// Consumes input up to and including the next `content-length` (any case); returns
    /// whether what was skipped is more than blank lines and other headers. `None` at the
    /// end of input.
    fn skip_to_length(&mut self) -> io::Result<Option<bool>> {
        let mut matched = 0;
        let mut junk = false;
        let mut lines = Skipped::default();
        loop {
            let buf = self.fill()?;
            if buf.is_empty() {
                return Ok(None);
            }
            let mut used = 0;
            let mut found = false;
            for &b in buf {
                used += 1;
                junk |= lines.feed(b);
                let lower = b.to_ascii_lowercase();
                // No proper prefix of the name is also a suffix of it, so a mismatch can only
                // restart the match at this byte.
                if lower == LENGTH[matched] {
                    matched += 1;
                } else {
                    matched = usize::from(lower == LENGTH[0]);
                }
                if matched == LENGTH.len() {
                    // Glued to what came before it on its line: that is not a header.
                    junk |= !lines.at_name_of(LENGTH.len());
                    found = true;
                    break;
                }
            }
            self.consume(used);
            if found {
                return Ok(Some(junk));
            }
        }
    }

    /// Reads up to and including the next `\n`, at most `limit` bytes.
    fn read_line(&mut self, limit: usize) -> io::Result<Vec<u8>> {
        let mut line = Vec::new();
        while line.len() < limit {
            let buf = self.fill()?;
            if buf.is_empty() {
                break;
            }
            let room = limit - line.len();
            let (take, done) = match memchr::memchr(b'\n', &buf[..buf.len().min(room)]) {
                Some(i) => (i + 1, true),
                None => (buf.len().min(room), false),
            };
            line.extend_from_slice(&buf[..take]);
            self.consume(take);
            if done {
                break;
            }
        }
        Ok(line)
    }

    /// Reads the header lines after `Content-Length` (whose line was `used` bytes) up to the
    /// empty line that ends the block.
    fn rest_of_block(&mut self, used: usize) -> io::Result<Result<(), String>> {
        let mut used = used;
        loop {
            let next = self.read_line(MAX_HEADER.saturating_sub(used).max(1))?;
            used += next.len();
            if next == b"\r\n" || next == b"\n" {
                return Ok(Ok(()));
            }
            let is_header = next.ends_with(b"\n")
                && next
                    .iter()
                    .position(|&b| b == b':')
                    .is_some_and(|i| i > 0 && next[..i].iter().all(|&b| is_token(b)));
            if !is_header || used > MAX_HEADER {
                // Perhaps the body, with no empty line before it: look for the next header
                // in it.
                self.unread(&next);
                return Ok(Err(
                    "the header block does not end with an empty line".into()
                ));
            }
        }
    }

    fn read_body(&mut self, length: usize) -> io::Result<Vec<u8>> {
        // The length comes from the input: memory is committed as bytes arrive.
        let mut body = Vec::with_capacity(length.min(1 << 20));
        while body.len() < length {
            let buf = self.fill()?;
            if buf.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the input ended inside a message",
                ));
            }
            let take = buf.len().min(length - body.len());
            body.extend_from_slice(&buf[..take]);
            self.consume(take);
        }
        Ok(body)
    }
}

/// Classifies skipped input line by line: blank lines and `Name: value` header lines are
/// what a client may send before `Content-Length`; anything else, or a header block that
/// ends without one, is a frame that cannot be read.
#[derive(Default)]
struct Skipped {
    state: LineState,
    /// The current block has a header line.
    block: bool,
    /// Bytes of the header name being read.
    name: usize,
}

#[derive(Default)]
enum LineState {
    #[default]
    Start,
    Name,
    Value,
}

impl Skipped {
    /// Whether the last `len` bytes are the whole name of a header line so far.
    fn at_name_of(&self, len: usize) -> bool {
        matches!(self.state, LineState::Name) && self.name == len
    }

    /// Takes one byte; true when it shows that the input is not just headers.
    fn feed(&mut self, b: u8) -> bool {
        match self.state {
            LineState::Start => match b {
                b'\n' => std::mem::take(&mut self.block),
                b'\r' | b' ' | b'\t' => false,
                b if is_token(b) => {
                    self.state = LineState::Name;
                    self.block = true;
                    self.name = 1;
                    false
                }
                _ => true,
            },
            LineState::Name => match b {
                b':' => {
                    self.state = LineState::Value;
                    false
                }
                b if is_token(b) => {
                    self.name += 1;
                    false
                }
                b'\n' => {
                    self.state = LineState::Start;
                    true
                }
                _ => true,
            },
            LineState::Value => {
                if b == b'\n' {
                    self.state = LineState::Start;
                }
                false
            }
        }
    }
}

/// A character of a header name (RFC 9110 `tchar`).
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Reads one framed message from `input` with a fresh [`Reader`] (what it would put back
/// after a bad frame is lost: use a `Reader` to read a stream).
pub fn read_message(input: &mut impl BufRead) -> io::Result<Option<Read1>> {
    Reader::new(input).read_message()
}

/// The rest of a line that starts with `content-length`: `None` when it is not a header,
/// else the length, or why it cannot be used.
fn length_value(line: &[u8]) -> Option<Result<usize, String>> {
    let text = String::from_utf8_lossy(line);
    let value = text.trim_start_matches([' ', '\t']).strip_prefix(':')?;
    if !line.ends_with(b"\n") {
        return Some(Err("the Content-Length header does not end".into()));
    }
    let value = value.trim();
    Some(match value.parse::<u64>() {
        Ok(n) if n > MAX_MESSAGE as u64 => Err(format!(
            "message of {n} bytes skipped (more than {} MiB)",
            MAX_MESSAGE >> 20
        )),
        Ok(n) => Ok(n as usize),
        Err(_) => {
            let shown: String = value.chars().take(40).collect();
            Err(format!("Content-Length `{shown}` is not a number of bytes"))
        }
    })
}

/// Parses a message body, or builds the JSON-RPC error reply for it.
pub fn parse_message(body: &[u8]) -> Read1 {
    match serde_json::from_slice(body) {
        Ok(value) => parse_value(value),
        Err(e) => {
            log(&format!("invalid JSON-RPC message: {e}"));
            Err(Some(error_reply(
                Value::Null,
                -32700,
                &format!("parse error: {e}"),
            )))
        }
    }
}

/// A JSON value as a message, or the invalid-request reply for it.
fn parse_value(value: Value) -> Read1 {
    let id = value
        .get("id")
        .filter(|id| id.is_string() || id.is_i64())
        .cloned();
    match serde_json::from_value::<Message>(value) {
        Ok(message) => Ok(message),
        Err(e) => {
            log(&format!("invalid JSON-RPC message: {e}"));
            // (A request id that is not an i32 or a string also lands here.)
            Err(Some(error_reply(
                id.unwrap_or(Value::Null),
                -32600,
                &format!("invalid request: {e}"),
            )))
        }
    }
}

fn error_reply(id: Value, code: i64, message: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
}

fn write_raw(out: &mut impl Write, value: &Value) -> io::Result<()> {
    let text = value.to_string();
    write!(out, "Content-Length: {}\r\n\r\n{}", text.len(), text)
}

pub(crate) fn log(message: &str) {
    let _ = writeln!(io::stderr().lock(), "kmslint lsp: {message}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &str) -> Vec<Read1> {
        let mut reader = Reader::new(input.as_bytes());
        let mut out = Vec::new();
        while let Some(m) = reader.read_message().unwrap() {
            out.push(m);
        }
        out
    }

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#;
    const EXIT: &str = r#"{"jsonrpc":"2.0","method":"exit"}"#;

    fn is_request(m: &Read1, method: &str) -> bool {
        matches!(m, Ok(Message::Request(r)) if r.method == method)
    }

    fn is_exit(m: &Read1) -> bool {
        matches!(m, Ok(Message::Notification(n)) if n.method == "exit")
    }

    fn parse_error(m: &Read1) -> bool {
        matches!(m, Err(Some(r)) if r["error"]["code"] == -32700 && r["id"] == Value::Null)
    }

    #[test]
    fn garbage_is_answered_and_skipped() {
        let input = [
            frame(r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#),
            "X-Nonsense: 1\r\n\r\n".to_string(),
            frame("{not json"),
            frame(r#"{"jsonrpc":"2.0","id":"a","method":7}"#),
            frame(r#"[1,2]"#),
            frame(EXIT),
        ]
        .concat();
        let got = read_all(&input);
        assert_eq!(got.len(), 6);
        assert!(is_request(&got[0], "shutdown"));
        let reply = |i: usize| got[i].as_ref().unwrap_err().clone();
        // A header block without a length, then a body that is not JSON: one reply each.
        assert!(parse_error(&got[1]));
        assert!(parse_error(&got[2]));
        assert_eq!(reply(3).unwrap()["id"], "a");
        assert_eq!(reply(3).unwrap()["error"]["code"], -32600);
        assert_eq!(reply(4).unwrap()["id"], Value::Null);
        assert!(is_exit(&got[5]));
    }

    #[test]
    fn blank_lines_and_other_headers_are_not_errors() {
        let input = [
            "\r\n\r\n".to_string(),
            format!(
                "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length:{}\r\n\r\n{INIT}",
                INIT.len()
            ),
            "\r\n".to_string(),
            format!("Content-Length: {}\r\nX-Other: 1\r\n\r\n{EXIT}", EXIT.len()),
        ]
        .concat();
        let got = read_all(&input);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(is_request(&got[0], "initialize"));
        assert!(is_exit(&got[1]));
    }

    /// Every unusable length is answered once with a parse error, and the next message is
    /// read, although it follows the bad body without a line break.
    #[test]
    fn bad_lengths_resynchronise_at_the_next_header() {
        let body = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let bad = [
            format!("Content-Type: x\r\n\r\n{body}"),
            format!("Content-Length: -5\r\n\r\n{body}"),
            format!("Content-Length: twelve\r\n\r\n{body}"),
            format!("Content-Length: \r\n\r\n{body}"),
            format!("Content-Length: 99999999999999999999999\r\n\r\n{body}"),
            format!("Content-Length: {}\r\n\r\n{body}", (MAX_MESSAGE + 1)),
            format!("Content-Length: 10\r\n\r\n{body}"),
            // Too long: the body swallows the start of the next frame.
            format!("Content-Length: {}\r\n\r\n{{\"a\":", body.len()),
            "Content-Length: 3\r\n\r\nnot".to_string(),
            // No empty line after the header.
            format!("Content-Length: {}\r\n{body}", body.len()),
            "}}}}garbage".to_string(),
        ];
        for b in bad {
            let input = [b.clone(), frame(INIT), frame(EXIT)].concat();
            let got = read_all(&input);
            assert_eq!(got.len(), 3, "{b:?}: {got:?}");
            assert!(parse_error(&got[0]), "{b:?}: {got:?}");
            assert!(is_request(&got[1], "initialize"), "{b:?}: {got:?}");
            assert!(is_exit(&got[2]), "{b:?}: {got:?}");
        }
    }

    #[test]
    fn a_huge_garbage_stream_is_skipped_in_constant_memory() {
        // 64 MiB without a header, read through a small buffer.
        struct Zeros(usize);
        impl io::Read for Zeros {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = buf.len().min(self.0);
                buf[..n].fill(b'x');
                self.0 -= n;
                Ok(n)
            }
        }
        let tail = [frame(INIT), frame(EXIT)].concat();
        let input = io::Read::chain(Zeros(64 << 20), tail.as_bytes());
        let mut reader = Reader::new(io::BufReader::new(input));
        let mut got = Vec::new();
        while let Some(m) = reader.read_message().unwrap() {
            got.push(m);
        }
        assert_eq!(got.len(), 3);
        assert!(parse_error(&got[0]));
        assert!(is_request(&got[1], "initialize"));
        assert!(reader.back.capacity() < 1 << 20);
    }

    #[test]
    fn a_truncated_body_ends_the_input() {
        let mut input = "Content-Length: 50\r\n\r\n{}".as_bytes();
        assert!(read_message(&mut input).is_err());
    }
}
