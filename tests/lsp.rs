//! `kmslint lsp` driven by real clients: headless Neovim (`tests/lsp/nvim_quickfix.lua`) and a
//! pytest-lsp client (`tests/lsp/test_server.py`), both talking to the real binary over stdio;
//! plus in-process tests of the server over `lsp_server::Connection::memory()`.
//!
//! Neovim and pytest-lsp are installed by `.ci/run` (Debian `neovim`; PyPI `pytest-lsp` in
//! `.ci/.venv`). When one is missing the test fails under CI (`CI=true`, as CI services and
//! `.ci/run` set it) and is skipped with a loud message otherwise (`common::when_missing`).
//!
//! The latency benchmark is `#[ignore]`d; run it explicitly with
//! `cargo test --release --test lsp -- --ignored --nocapture`.

mod common;

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_kmslint");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const RULE: &str = "kms-key-rotation-disabled";
const UNICODE_LINE: &str = "  /*🔑é*/ enable_key_rotation = false";

// ------------------------------------------------------------------------------------------
// Finding the external clients
// ------------------------------------------------------------------------------------------

/// Skips (or, under CI, fails) when a client program is missing.
fn missing(what: &str, how: &str) {
    common::missing_program(what, how)
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A Python that can import pytest_lsp: `.ci/.venv` first, then PATH.
fn python_with_pytest_lsp() -> Option<PathBuf> {
    let venv = Path::new(ROOT).join(".ci/.venv/bin/python");
    let candidates = [Some(venv), on_path("python3"), on_path("python")];
    candidates.into_iter().flatten().find(|python| {
        Command::new(python)
            .args(["-c", "import pytest_lsp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// A fresh temporary directory (removed when dropped).
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("kmslint-lsp-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // Canonical, so that paths the server derives match the ones we compare with.
        TempDir(std::fs::canonicalize(&dir).unwrap())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs a command with a time limit; returns (success, stdout + stderr).
fn run_with_timeout(mut cmd: Command, limit: Duration) -> (bool, String) {
    let out_file = tempfile_path("out");
    let err_file = tempfile_path("err");
    cmd.stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_file).unwrap())
        .stderr(std::fs::File::create(&err_file).unwrap());
    let mut child = cmd.spawn().expect("spawn");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = format!(
        "{}{}",
        std::fs::read_to_string(&out_file).unwrap_or_default(),
        std::fs::read_to_string(&err_file).unwrap_or_default()
    );
    let _ = std::fs::remove_file(&out_file);
    let _ = std::fs::remove_file(&err_file);
    match status {
        Some(s) => (s.success(), output),
        None => (false, format!("{output}\n(timed out after {limit:?})")),
    }
}

fn tempfile_path(tag: &str) -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!("kmslint-lsp-{tag}-{}-{n}.log", std::process::id()))
}

// ------------------------------------------------------------------------------------------
// Real clients
// ------------------------------------------------------------------------------------------

#[test]
fn neovim_applies_the_first_quick_fix() {
    let Some(nvim) = on_path("nvim") else {
        return missing("nvim (Debian package `neovim`)", "`apt-get install neovim`");
    };
    let ws = TempDir::new("nvim");
    for entry in std::fs::read_dir(Path::new(ROOT).join("tests/lsp/fixture")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), ws.0.join(entry.file_name())).unwrap();
    }
    let mut cmd = Command::new(nvim);
    cmd.current_dir(ROOT)
        .args([
            "--headless",
            "--clean",
            "-c",
            "luafile tests/lsp/nvim_quickfix.lua",
        ])
        .env("KMSLINT_BIN", BIN)
        .env("KMSLINT_WORKSPACE", &ws.0);
    let (ok, output) = run_with_timeout(cmd, Duration::from_secs(60));
    println!("{output}");
    assert!(
        ok && output.contains("PASS"),
        "neovim test failed:\n{output}"
    );
    // The fix was applied to the buffer only; the file on disk is untouched.
    let on_disk = std::fs::read_to_string(ws.0.join("main.tf")).unwrap();
    assert!(on_disk.contains(UNICODE_LINE));
}

#[test]
fn pytest_lsp_scripted_client() {
    let Some(python) = python_with_pytest_lsp() else {
        return missing(
            "a Python with pytest-lsp",
            "`python3 -m venv .ci/.venv && .ci/.venv/bin/pip install pytest-lsp`",
        );
    };
    let mut cmd = Command::new(python);
    cmd.current_dir(ROOT)
        .args([
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "asyncio_default_fixture_loop_scope=function",
            "tests/lsp/test_server.py",
        ])
        .env("KMSLINT_BIN", BIN)
        .env("KMSLINT_VERSION", env!("CARGO_PKG_VERSION"))
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let (ok, output) = run_with_timeout(cmd, Duration::from_secs(300));
    println!("{output}");
    assert!(ok, "pytest-lsp tests failed:\n{output}");
}

// ------------------------------------------------------------------------------------------
// A minimal client for in-process and benchmark use
// ------------------------------------------------------------------------------------------

struct Client {
    send: Box<dyn FnMut(Message)>,
    recv: mpsc::Receiver<Message>,
    next_id: i32,
    /// Notifications received while waiting for something else.
    backlog: Vec<Message>,
}

impl Client {
    /// The server in a thread of this process.
    fn in_process() -> (Client, std::thread::JoinHandle<i32>) {
        let (server, client) = Connection::memory();
        let server = std::thread::spawn(move || kmslint::lsp::serve(server));
        let (tx, rx) = mpsc::channel();
        let receiver = client.receiver;
        std::thread::spawn(move || {
            for m in receiver {
                if tx.send(m).is_err() {
                    break;
                }
            }
        });
        let sender = client.sender;
        let send = Box::new(move |m: Message| {
            let _ = sender.send(m);
        });
        (
            Client {
                send,
                recv: rx,
                next_id: 0,
                backlog: Vec::new(),
            },
            server,
        )
    }

    /// The real binary over stdio.
    fn process() -> (Client, std::process::Child) {
        let mut child = Command::new(BIN)
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Ok(Some(m)) = Message::read(&mut reader) {
                if tx.send(m).is_err() {
                    break;
                }
            }
        });
        let send = Box::new(move |m: Message| {
            let _ = m.write(&mut stdin);
        });
        (
            Client {
                send,
                recv: rx,
                next_id: 0,
                backlog: Vec::new(),
            },
            child,
        )
    }

    fn notify(&mut self, method: &str, params: Value) {
        (self.send)(Notification::new(method.into(), params).into());
    }

    fn request(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        (self.send)(Request::new(id.clone(), method.into(), params).into());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let m = self
                .recv
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| panic!("no response to {method}"));
            match m {
                Message::Response(r) if r.id == id => {
                    return r
                        .response_result
                        .map_err(|e| json!({ "code": e.code, "message": e.message }));
                }
                other => self.backlog.push(other),
            }
        }
    }

    /// The next publishDiagnostics for `uri` (with `version`, if given).
    fn published(&mut self, uri: &str, version: Option<i64>) -> Value {
        let matches = |m: &Message| match m {
            Message::Notification(n) if n.method == "textDocument/publishDiagnostics" => {
                n.params["uri"] == uri
                    && version.is_none_or(|v| n.params["version"].as_i64() == Some(v))
            }
            _ => false,
        };
        if let Some(i) = self.backlog.iter().position(matches) {
            let Message::Notification(n) = self.backlog.remove(i) else {
                unreachable!()
            };
            return n.params;
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let m = self
                .recv
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| panic!("no diagnostics for {uri} version {version:?}"));
            if matches(&m) {
                let Message::Notification(n) = m else {
                    unreachable!()
                };
                return n.params;
            }
        }
    }

    fn initialize(&mut self, encodings: &[&str], debounce_ms: u64) -> Value {
        let result = self
            .request(
                "initialize",
                json!({
                    "processId": null,
                    "capabilities": { "general": { "positionEncodings": encodings } },
                    "initializationOptions": { "debounceMs": debounce_ms },
                }),
            )
            .unwrap();
        self.notify("initialized", json!({}));
        result
    }

    fn open(&mut self, path: &Path, text: &str) -> String {
        let uri = file_uri(path);
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": {
                "uri": uri, "languageId": "terraform", "version": 1, "text": text } }),
        );
        uri
    }

    fn change(&mut self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes }),
        );
    }

    fn shutdown(&mut self) {
        self.request("shutdown", Value::Null).unwrap();
        self.notify("exit", Value::Null);
    }
}

fn file_uri(path: &Path) -> String {
    // Test paths are plain ASCII.
    format!("file://{}", path.display())
}

fn range(l1: u32, c1: u32, l2: u32, c2: u32) -> Value {
    json!({ "start": { "line": l1, "character": c1 }, "end": { "line": l2, "character": c2 } })
}

fn main_tf() -> String {
    format!("resource \"aws_kms_key\" \"logs\" {{\n  description = \"logs\"\n{UNICODE_LINE}\n}}\n")
}

// ------------------------------------------------------------------------------------------
// In-process tests
// ------------------------------------------------------------------------------------------

#[test]
fn in_process_ranges_in_both_encodings_and_incremental_edits() {
    // (offered encodings, negotiated, diagnostic columns, columns of `false`, column after é)
    type Case = (
        &'static [&'static str],
        &'static str,
        (u32, u32),
        (u32, u32),
        u32,
    );
    let cases: [Case; 3] = [
        (&["utf-8", "utf-16"], "utf-8", (13, 40), (35, 40), 10),
        (&["utf-16"], "utf-16", (10, 37), (32, 37), 7),
        (&[], "utf-16", (10, 37), (32, 37), 7),
    ];
    for (offered, negotiated, diag, value, after_e) in cases {
        let ws = TempDir::new("enc");
        let (mut c, server) = Client::in_process();
        let init = c.initialize(offered, 0);
        assert_eq!(init["capabilities"]["positionEncoding"], negotiated);
        assert_eq!(init["capabilities"]["textDocumentSync"]["change"], 2);
        assert!(init["capabilities"]["diagnosticProvider"].is_null());
        let uri = c.open(&ws.0.join("main.tf"), &main_tf());
        let p = c.published(&uri, Some(1));
        let d = &p["diagnostics"][0];
        assert_eq!(d["range"], range(2, diag.0, 2, diag.1), "{negotiated}");
        assert_eq!(d["code"], RULE);
        assert_eq!(
            d["data"]["fix"]["edits"][0]["range"],
            range(2, value.0, 2, value.1)
        );
        // Insert `x` after é, then (in the same notification) delete it and fix the value.
        c.change(
            &uri,
            2,
            json!([{ "range": range(2, after_e, 2, after_e), "text": "x" }]),
        );
        let p = c.published(&uri, Some(2));
        // `x` is one unit in both encodings.
        assert_eq!(
            p["diagnostics"][0]["range"],
            range(2, diag.0 + 1, 2, diag.1 + 1)
        );
        c.change(
            &uri,
            3,
            json!([
                { "range": range(2, after_e, 2, after_e + 1), "text": "" },
                { "range": range(2, value.0, 2, value.1), "text": "true" },
            ]),
        );
        let p = c.published(&uri, Some(3));
        assert_eq!(p["diagnostics"], json!([]));
        c.shutdown();
        assert_eq!(server.join().unwrap(), 0);
    }
}

#[test]
fn in_process_protocol_edges() {
    let ws = TempDir::new("edges");
    let (mut c, server) = Client::in_process();
    // Before initialize: an error, not a crash.
    let e = c.request("textDocument/codeAction", json!({})).unwrap_err();
    assert_eq!(e["code"], -32002);
    c.initialize(&[], 0);
    assert_eq!(
        c.request("initialize", json!({})).unwrap_err()["code"],
        -32600
    );
    assert_eq!(
        c.request("no/such/method", json!({})).unwrap_err()["code"],
        -32601
    );
    assert_eq!(
        c.request("textDocument/codeAction", json!({ "textDocument": 5 }))
            .unwrap_err()["code"],
        -32602
    );
    // Documents kmslint does not lint get no diagnostics and no actions.
    let notes = ws.0.join("notes.txt");
    let uri = c.open(&notes, "hello");
    let actions = c
        .request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": range(0, 0, 0, 0),
                    "context": { "diagnostics": [] } }),
        )
        .unwrap();
    assert_eq!(actions, json!([]));
    // A buffer that exists only in the editor is linted with its directory.
    let new = ws.0.join("new.tf");
    let uri = c.open(&new, "resource \"aws_kms_key\" \"k\" {}\n");
    let p = c.published(&uri, Some(1));
    assert_eq!(p["diagnostics"][0]["code"], RULE);
    c.shutdown();
    assert_eq!(server.join().unwrap(), 0);
    // Exit without shutdown: exit code 1.
    let (mut c, server) = Client::in_process();
    c.initialize(&[], 0);
    c.notify("exit", Value::Null);
    assert_eq!(server.join().unwrap(), 1);
}

#[test]
fn in_process_requests_see_the_latest_text_before_the_debounce() {
    let ws = TempDir::new("stale");
    let (mut c, server) = Client::in_process();
    // A long debounce: nothing is re-published during this test after the edit.
    c.initialize(&[], 60_000);
    let uri = c.open(&ws.0.join("main.tf"), &main_tf());
    let p = c.published(&uri, Some(1));
    let old = p["diagnostics"][0].clone();
    // Insert a line above: the published diagnostic is now one line off.
    c.change(
        &uri,
        2,
        json!([{ "range": range(0, 0, 0, 0), "text": "# a comment\n" }]),
    );
    let actions = c
        .request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": range(3, 0, 3, 0),
                    "context": { "diagnostics": [old], "only": ["quickfix"] } }),
        )
        .unwrap();
    let fix = &actions[0];
    assert_eq!(fix["isPreferred"], true);
    let edit = &fix["edit"]["changes"][&uri][0];
    assert_eq!(edit["range"], range(3, 32, 3, 37), "{actions}");
    assert_eq!(edit["newText"], "true");
    let ignore = &actions[1]["edit"]["changes"][&uri][0];
    assert_eq!(ignore["range"], range(3, 0, 3, 0));
    assert_eq!(
        ignore["newText"],
        format!("  # kmslint:ignore {RULE} -- TODO: reason\n")
    );
    c.shutdown();
    assert_eq!(server.join().unwrap(), 0);
}

#[test]
fn the_binary_survives_garbage_and_exits_cleanly() {
    let ws = TempDir::new("garbage");
    let mut child = Command::new(BIN)
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let frame = |body: &str| format!("Content-Length: {}\r\n\r\n{body}", body.len());
    let main = ws.0.join("main.tf");
    std::fs::write(&main, main_tf()).unwrap();
    let input = [
        "garbage before any header\r\n\r\n".to_string(),
        frame("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"capabilities\":{}}}"),
        frame("{not json"),
        frame("{\"jsonrpc\":\"2.0\",\"method\":\"initialized\",\"params\":{}}"),
        frame(&format!(
            "{{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":{{\"textDocument\":{{\"uri\":\"{}\",\"languageId\":\"terraform\",\"version\":1,\"text\":\"resource {{\"}}}}}}",
            file_uri(&main)
        )),
        frame("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"shutdown\"}"),
        frame("{\"jsonrpc\":\"2.0\",\"method\":\"exit\"}"),
    ]
    .concat();
    std::io::Write::write_all(&mut stdin, input.as_bytes()).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("\"code\":-32700"), "{stdout}");
    assert!(
        stdout.contains("textDocument/publishDiagnostics"),
        "{stdout}"
    );
    assert!(stdout.contains("\"severity\":1"), "{stdout}");
    assert!(stdout.contains("\"id\":2,\"result\":null"), "{stdout}");
}

// ------------------------------------------------------------------------------------------
// Latency benchmark (run explicitly, in release mode)
// ------------------------------------------------------------------------------------------

/// A 2,000-line module file: KMS keys (every fifth not rotating), other resources, locals.
fn big_file() -> String {
    let mut s = String::from("locals {\n  env = \"prod\"\n  rotate = true\n}\n\n");
    let mut i = 0;
    while s.lines().count() < 1990 {
        if i % 2 == 0 {
            let rotate = if i % 10 == 0 { "false" } else { "local.rotate" };
            s.push_str(&format!(
                "resource \"aws_kms_key\" \"key_{i}\" {{\n  description             = \"key {i} for ${{local.env}}\"\n  deletion_window_in_days = 30\n  enable_key_rotation     = {rotate}\n  tags = {{\n    Name  = \"key-{i}\"\n    Owner = \"team-{i}\"\n  }}\n}}\n\n"
            ));
        } else {
            s.push_str(&format!(
                "resource \"aws_s3_bucket\" \"bucket_{i}\" {{\n  bucket = \"bucket-{i}-${{local.env}}\"\n  tags = {{\n    Name = \"bucket-{i}\"\n  }}\n}}\n\nresource \"aws_s3_bucket_versioning\" \"v_{i}\" {{\n  bucket = aws_s3_bucket.bucket_{i}.id\n  versioning_configuration {{\n    status = \"Enabled\"\n  }}\n}}\n\n"
            ));
        }
        i += 1;
    }
    while s.lines().count() < 2000 {
        s.push_str("# padding\n");
    }
    s
}

fn stats(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let n = samples.len();
    println!(
        "{label:<58} median {:>7.3} ms   p90 {:>7.3} ms   min {:>7.3} ms   max {:>7.3} ms   (n={n})",
        ms(samples[n / 2]),
        ms(samples[n * 9 / 10]),
        ms(samples[0]),
        ms(samples[n - 1]),
    );
}

#[test]
#[ignore = "benchmark: cargo test --release --test lsp -- --ignored --nocapture"]
fn latency_relint_and_publish_2000_lines() {
    let ws = TempDir::new("bench");
    let text = big_file();
    assert_eq!(text.lines().count(), 2000);
    let path = ws.0.join("main.tf");
    std::fs::write(&path, &text).unwrap();
    std::fs::write(
        ws.0.join("variables.tf"),
        "variable \"region\" {\n  default = \"eu-west-1\"\n}\n",
    )
    .unwrap();
    let findings_line = text.lines().position(|l| l.contains("= false")).unwrap() as u32;
    let col = text
        .lines()
        .nth(findings_line as usize)
        .unwrap()
        .find("false")
        .unwrap() as u32;
    let runs = 200;

    // One edit, then wait for its diagnostics: flip the first `false` to `true` and back, so
    // every run re-lints the whole module and publishes a different result.
    let measure = |c: &mut Client, uri: &str| -> Vec<Duration> {
        let mut samples = Vec::new();
        let mut version = 1;
        let mut current = "false";
        for _ in 0..runs {
            let (next, len) = if current == "false" {
                ("true", 5)
            } else {
                ("false", 4)
            };
            version += 1;
            let start = Instant::now();
            c.change(
                uri,
                version,
                json!([{ "range": range(findings_line, col, findings_line, col + len), "text": next }]),
            );
            let p = c.published(uri, Some(version));
            samples.push(start.elapsed());
            assert!(p["diagnostics"].as_array().unwrap().len() >= 10);
            current = next;
        }
        samples
    };

    println!();
    println!("kmslint lsp: re-lint + publish after one edit of a 2,000-line file (debounce 0)");
    {
        let (mut c, server) = Client::in_process();
        c.initialize(&["utf-16"], 0);
        let uri = c.open(&path, &text);
        c.published(&uri, Some(1));
        stats(
            "in process (edit -> Diagnostic values on the channel)",
            measure(&mut c, &uri),
        );
        c.shutdown();
        server.join().unwrap();
    }
    {
        let (mut c, mut child) = Client::process();
        c.initialize(&["utf-16"], 0);
        let uri = c.open(&path, &text);
        c.published(&uri, Some(1));
        stats(
            "`kmslint lsp` over stdio (edit -> JSON read back)",
            measure(&mut c, &uri),
        );
        c.shutdown();
        child.wait().unwrap();
    }

    // Where the time goes.
    use kmslint::lint::{lint_paths_with, parse_source, Overlay};
    let overlay: Overlay = [(path.clone(), text.clone())].into_iter().collect();
    let file = kmslint::lint::read_source_with(&path, &ws.0, &overlay).unwrap();
    let time = |f: &mut dyn FnMut()| -> Vec<Duration> {
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect()
    };
    stats(
        "  parse main.tf (hcl-edit + span tree)",
        time(&mut || {
            parse_source(&file).unwrap();
        }),
    );
    stats(
        "  lint_paths_with (discover, read, parse, model, rules)",
        time(&mut || {
            lint_paths_with(std::slice::from_ref(&path), &overlay);
        }),
    );
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    stats(
        "  the same in a one-thread rayon pool (no wake-ups)",
        single.install(|| {
            time(&mut || {
                lint_paths_with(std::slice::from_ref(&path), &overlay);
            })
        }),
    );
    let policy_samples = (0..runs)
        .map(|_| {
            let mut o = lint_paths_with(std::slice::from_ref(&path), &overlay);
            let t = Instant::now();
            let policy = kmslint::policy::Policy::new(
                std::slice::from_ref(&path),
                &kmslint::policy::PolicyOptions::default(),
            )
            .unwrap();
            policy.apply(&mut o);
            t.elapsed()
        })
        .collect();
    stats(
        "  policy pass (.kmslint.toml lookup, suppressions)",
        policy_samples,
    );
    let out = lint_paths_with(std::slice::from_ref(&path), &overlay);
    let uri: lsp_types::Uri = file_uri(&path).parse().unwrap();
    stats(
        "  findings -> LSP diagnostics (ranges, data, related)",
        time(&mut || {
            let docs = [kmslint::lsp::diagnostics::OpenDoc {
                uri: &uri,
                path: &path,
                version: 1,
            }];
            std::hint::black_box(kmslint::lsp::diagnostics::split(
                &out,
                &docs,
                kmslint::lsp::position::Encoding::Utf16,
            ));
        }),
    );
}
