//! The stdio transport. `lsp_server::Connection::stdio()` stops reading at the first message
//! that is not valid JSON-RPC, which would take the server down with it; this reader answers
//! such a message with a JSON-RPC error (`-32700` parse error, `-32600` invalid request) and
//! keeps reading. Header blocks without a usable `Content-Length` are skipped.

use std::io::{self, BufRead, Read, Write};
use std::thread::JoinHandle;

use lsp_server::{Connection, Message};
use serde_json::{json, Value};

/// Larger messages are read and dropped: an editor never sends a 256 MiB buffer on purpose.
const MAX_MESSAGE: usize = 256 << 20;

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
            let mut input = io::stdin().lock();
            loop {
                match read_message(&mut input) {
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
/// (`None` when nothing can be replied, e.g. a header block without a length).
type Read1 = Result<Message, Option<Value>>;

/// Reads one framed message. `Ok(None)` at the end of input.
pub fn read_message(input: &mut impl BufRead) -> io::Result<Option<Read1>> {
    let mut length: Option<usize> = None;
    let mut saw_header = false;
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if saw_header {
                break;
            }
            continue; // stray blank lines between messages
        }
        saw_header = true;
        if let Some((name, value)) = text.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok();
            }
        }
    }
    let Some(length) = length else {
        log("skipped a header block without a valid Content-Length");
        return Ok(Some(Err(None)));
    };
    if length > MAX_MESSAGE {
        io::copy(&mut input.take(length as u64), &mut io::sink())?;
        log(&format!("skipped a message of {length} bytes"));
        return Ok(Some(Err(None)));
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    Ok(Some(parse_message(&body)))
}

/// Parses a message body, or builds the JSON-RPC error reply for it.
pub fn parse_message(body: &[u8]) -> Read1 {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            log(&format!("invalid JSON-RPC message: {e}"));
            return Err(Some(error_reply(
                Value::Null,
                -32700,
                &format!("parse error: {e}"),
            )));
        }
    };
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
        let mut input = input.as_bytes();
        let mut out = Vec::new();
        while let Some(m) = read_message(&mut input).unwrap() {
            out.push(m);
        }
        out
    }

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn garbage_is_answered_and_skipped() {
        let input = [
            frame(r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#),
            frame("{not json"),
            "X-Nonsense: 1\r\n\r\n".to_string(),
            frame(r#"{"jsonrpc":"2.0","id":"a","method":7}"#),
            frame(r#"[1,2]"#),
            frame(r#"{"jsonrpc":"2.0","method":"exit"}"#),
        ]
        .concat();
        let got = read_all(&input);
        assert_eq!(got.len(), 6);
        assert!(matches!(&got[0], Ok(Message::Request(r)) if r.method == "shutdown"));
        let reply = |i: usize| got[i].as_ref().unwrap_err().clone();
        assert_eq!(reply(1).unwrap()["error"]["code"], -32700);
        assert_eq!(reply(1).unwrap()["id"], Value::Null);
        assert_eq!(reply(2), None);
        assert_eq!(reply(3).unwrap()["id"], "a");
        assert_eq!(reply(3).unwrap()["error"]["code"], -32600);
        assert_eq!(reply(4).unwrap()["id"], Value::Null);
        assert!(matches!(&got[5], Ok(Message::Notification(n)) if n.method == "exit"));
    }

    #[test]
    fn a_truncated_body_ends_the_input() {
        let mut input = "Content-Length: 50\r\n\r\n{}".as_bytes();
        assert!(read_message(&mut input).is_err());
    }
}
