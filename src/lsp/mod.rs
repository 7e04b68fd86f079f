//! `kmslint lsp`: a language server (LSP 3.17 over stdio) with live diagnostics and fixes.
//!
//! One thread handles every message in order, so a request always sees the latest text of
//! every buffer. The unit of linting is a directory (a Terraform module): all open buffers of
//! a directory are linted together in one [`lint_paths_with`] call, with their unsaved texts
//! as the overlay and the rest of the module read from disk, and the result is split between
//! them. Edits are debounced ([`DEFAULT_DEBOUNCE`]); opening and saving lint at once; a pull
//! request (`textDocument/diagnostic`) or a code action lints first if anything is stale.
//!
//! Diagnostics are pushed (`textDocument/publishDiagnostics`) unless the client supports pull
//! diagnostics, in which case they are only pulled, and `workspace/diagnostic/refresh` asks
//! the client to pull again when another file of the module changed.
//!
//! Every lint goes through the same policy pass as `kmslint check` ([`Policy`]): the nearest
//! `.kmslint.toml` (rules enabled or disabled, severities, excluded paths) and inline
//! suppressions; suppressed findings are not shown. A configuration file that does not parse
//! is shown as an error on the first line of each document it governs, and the lint is shown
//! without it. Changes to it re-lint through `workspace/didChangeWatchedFiles`.

mod actions;
pub mod diagnostics;
pub mod position;
pub mod transport;
pub mod uri;

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, Diagnostic, DiagnosticOptions,
    DiagnosticServerCapabilities, PositionEncodingKind, SaveOptions, ServerCapabilities,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Uri,
};
use serde_json::{json, Value};

use crate::discover::input_syntax;
use crate::finding::Finding;
use crate::lint::{lint_paths_with, Overlay};
use crate::policy::{Policy, PolicyOptions};
use diagnostics::OpenDoc;
use position::Encoding;
use transport::log;

/// How long edits are coalesced before a re-lint (the last edit restarts the wait).
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(50);
/// How long `exit` or the end of input waits for a lint that is running before the server
/// ends without it.
const EXIT_GRACE: Duration = Duration::from_millis(200);
/// Continuous typing still re-lints at least this often.
const MAX_DEBOUNCE: Duration = Duration::from_millis(250);

pub const FIX_ALL_KIND: &str = "source.fixAll.kmslint";

/// Runs the server on stdin/stdout; returns the process exit code (0 after `shutdown` and
/// `exit`, 1 when the client went away without `shutdown`, as the specification asks).
pub fn run_stdio() -> i32 {
    let (connection, io) = transport::stdio();
    let code = serve(connection);
    io.join();
    code
}

/// Serves one client over `connection` until `exit` or until the client disconnects.
pub fn serve(connection: Connection) -> i32 {
    Server::new(connection).run()
}

struct Document {
    uri: Uri,
    /// Set when the document is a local file kmslint lints.
    path: Option<PathBuf>,
    text: String,
    version: i32,
    /// The last lint of the current text and context; `None` when stale.
    lint: Option<DocLint>,
}

struct DocLint {
    diagnostics: Vec<Diagnostic>,
    findings: Vec<(Finding, lsp_types::Range)>,
    result_id: String,
}

struct Pending {
    first: Instant,
    due: Instant,
    /// Pull mode: whether other documents than the one that changed must be re-pulled.
    refresh: bool,
}

enum Phase {
    Uninitialized,
    Running,
    ShutDown,
}

struct Server {
    conn: Connection,
    phase: Phase,
    encoding: Encoding,
    /// The client pulls diagnostics (`textDocument/diagnostic`); nothing is pushed.
    pull: bool,
    refresh_support: bool,
    document_changes: bool,
    watch_registration: bool,
    debounce: Duration,
    docs: HashMap<Uri, Document>,
    /// Directories whose open documents must be re-linted (push) or re-pulled (pull).
    pending: HashMap<PathBuf, Pending>,
    next_request: i32,
    /// Messages that arrived while a lint ran, handled next, in order.
    backlog: VecDeque<Message>,
    /// Set when `exit` or the end of the input arrived while a lint ran: the exit code.
    exit: Option<i32>,
}

/// A lint's output and the configuration errors of its policy, or why it failed.
type LintResult = Result<(crate::finding::LintOutput, Vec<crate::config::ConfigError>), String>;

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

impl Server {
    fn new(conn: Connection) -> Server {
        Server {
            conn,
            phase: Phase::Uninitialized,
            encoding: Encoding::Utf16,
            pull: false,
            refresh_support: false,
            document_changes: false,
            watch_registration: false,
            debounce: DEFAULT_DEBOUNCE,
            docs: HashMap::new(),
            pending: HashMap::new(),
            next_request: 0,
            backlog: VecDeque::new(),
            exit: None,
        }
    }

    fn run(mut self) -> i32 {
        loop {
            if let Some(code) = self.exit {
                return code;
            }
            let message = match self.backlog.pop_front() {
                Some(m) => Some(m),
                None => match self.pending.values().map(|p| p.due).min() {
                    Some(due) => {
                        let wait = due.saturating_duration_since(Instant::now());
                        match self.conn.receiver.recv_timeout(wait) {
                            Ok(m) => Some(m),
                            Err(e) if e.is_timeout() => None,
                            Err(_) => break,
                        }
                    }
                    None => match self.conn.receiver.recv() {
                        Ok(m) => Some(m),
                        Err(_) => break,
                    },
                },
            };
            if let Some(message) = message {
                if let Some(code) = self.dispatch(message) {
                    return code;
                }
            }
            if self.exit.is_none() {
                self.guarded("a scheduled lint", |s| s.run_due());
            }
        }
        self.exit_code()
    }

    /// Runs `f`, turning a panic (a bug, never the input's fault) into a log line so that
    /// one bad buffer cannot take the editor's server down.
    fn guarded<T>(&mut self, what: &str, f: impl FnOnce(&mut Self) -> T) -> Option<T> {
        match std::panic::catch_unwind(AssertUnwindSafe(|| f(self))) {
            Ok(v) => Some(v),
            Err(panic) => {
                log(&format!(
                    "internal error in {what}: {}",
                    panic_message(&*panic)
                ));
                None
            }
        }
    }

    /// Handles one message; returns the exit code when the client said `exit`.
    fn dispatch(&mut self, message: Message) -> Option<i32> {
        match message {
            Message::Request(req) => {
                let id = req.id.clone();
                let method = req.method.clone();
                match self.guarded(&method, |s| s.request(req)) {
                    Some(response) => self.send(response.into()),
                    None => self.send(
                        Response::new_err(
                            id,
                            ErrorCode::InternalError as i32,
                            format!("kmslint failed on `{method}` (see the server log)"),
                        )
                        .into(),
                    ),
                }
                None
            }
            Message::Notification(n) if n.method == "exit" => Some(match self.phase {
                Phase::ShutDown => 0,
                _ => 1,
            }),
            Message::Notification(n) => {
                let method = n.method.clone();
                self.guarded(&method, |s| s.notification(n));
                None
            }
            // Replies to our own requests (registration, refresh): nothing to do.
            Message::Response(_) => None,
        }
    }

    fn send(&self, message: Message) {
        let _ = self.conn.sender.send(message);
    }

    fn request(&mut self, req: Request) -> Response {
        let id = req.id.clone();
        let err = |code: ErrorCode, msg: String| Response::new_err(id.clone(), code as i32, msg);
        match (&self.phase, req.method.as_str()) {
            (Phase::Uninitialized, "initialize") => {
                let result = self.initialize(&req.params);
                self.phase = Phase::Running;
                Response::new_ok(req.id, result)
            }
            (Phase::Uninitialized, _) => err(
                ErrorCode::ServerNotInitialized,
                "the server is not initialized".into(),
            ),
            (Phase::ShutDown, _) => err(
                ErrorCode::InvalidRequest,
                "the server is shutting down".into(),
            ),
            (Phase::Running, "initialize") => {
                err(ErrorCode::InvalidRequest, "already initialized".into())
            }
            (Phase::Running, "shutdown") => {
                self.phase = Phase::ShutDown;
                Response::new_ok(req.id, Value::Null)
            }
            (Phase::Running, "textDocument/diagnostic") => {
                match serde_json::from_value(req.params.clone()) {
                    Ok(params) => Response::new_ok(req.id, self.pull_diagnostics(params)),
                    Err(e) => err(ErrorCode::InvalidParams, e.to_string()),
                }
            }
            (Phase::Running, "textDocument/codeAction") => {
                match serde_json::from_value(req.params.clone()) {
                    Ok(params) => Response::new_ok(req.id, self.code_actions(params)),
                    Err(e) => err(ErrorCode::InvalidParams, e.to_string()),
                }
            }
            (Phase::Running, method) => err(
                ErrorCode::MethodNotFound,
                format!("unsupported request `{method}`"),
            ),
        }
    }

    fn initialize(&mut self, params: &Value) -> Value {
        let caps = params.get("capabilities").unwrap_or(&Value::Null);
        let flag = |pointer: &str| caps.pointer(pointer).and_then(Value::as_bool) == Some(true);
        let offers_utf8 = caps
            .pointer("/general/positionEncodings")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|e| e.as_str() == Some("utf-8")));
        self.encoding = if offers_utf8 {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        self.pull = caps
            .pointer("/textDocument/diagnostic")
            .is_some_and(Value::is_object);
        self.refresh_support = flag("/workspace/diagnostics/refreshSupport");
        self.document_changes = flag("/workspace/workspaceEdit/documentChanges");
        self.watch_registration = flag("/workspace/didChangeWatchedFiles/dynamicRegistration");
        if let Some(ms) = params
            .pointer("/initializationOptions/debounceMs")
            .and_then(Value::as_u64)
        {
            self.debounce = Duration::from_millis(ms.min(10_000));
        }
        let capabilities = ServerCapabilities {
            position_encoding: Some(PositionEncodingKind::new(self.encoding.as_str())),
            text_document_sync: Some(TextDocumentSyncCapability::Options(
                TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                        include_text: Some(false),
                    })),
                    ..TextDocumentSyncOptions::default()
                },
            )),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![
                    CodeActionKind::QUICKFIX,
                    CodeActionKind::new(FIX_ALL_KIND),
                ]),
                resolve_provider: Some(false),
                ..CodeActionOptions::default()
            })),
            diagnostic_provider: self.pull.then(|| {
                DiagnosticServerCapabilities::Options(DiagnosticOptions {
                    identifier: Some("kmslint".into()),
                    inter_file_dependencies: true,
                    workspace_diagnostics: false,
                    ..DiagnosticOptions::default()
                })
            }),
            ..ServerCapabilities::default()
        };
        json!({
            "capabilities": capabilities,
            "serverInfo": { "name": "kmslint", "version": env!("CARGO_PKG_VERSION") },
        })
    }

    fn notification(&mut self, n: Notification) {
        if !matches!(self.phase, Phase::Running) {
            return;
        }
        macro_rules! params {
            () => {
                match serde_json::from_value(n.params) {
                    Ok(p) => p,
                    Err(e) => {
                        log(&format!("ignored `{}`: invalid params: {e}", n.method));
                        return;
                    }
                }
            };
        }
        match n.method.as_str() {
            "initialized" => self.register_watchers(),
            "textDocument/didOpen" => {
                let p: lsp_types::DidOpenTextDocumentParams = params!();
                let doc = p.text_document;
                let path = uri::to_path(&doc.uri).filter(|p| lintable(p));
                let dir = path.as_deref().and_then(parent);
                let uri = doc.uri.clone();
                self.docs.insert(
                    doc.uri.clone(),
                    Document {
                        uri: doc.uri,
                        path,
                        text: doc.text,
                        version: doc.version,
                        lint: None,
                    },
                );
                if let Some(dir) = dir {
                    self.changed(&dir, Duration::ZERO, Some(&uri));
                }
            }
            "textDocument/didChange" => {
                let p: lsp_types::DidChangeTextDocumentParams = params!();
                let encoding = self.encoding;
                let Some(doc) = self.docs.get_mut(&p.text_document.uri) else {
                    log("ignored a change to a document that is not open");
                    return;
                };
                for change in &p.content_changes {
                    position::apply_change(&mut doc.text, change, encoding);
                }
                doc.version = p.text_document.version;
                doc.lint = None;
                if let Some(dir) = doc.path.as_deref().and_then(parent) {
                    self.changed(&dir, self.debounce, Some(&p.text_document.uri));
                }
            }
            "textDocument/didSave" => {
                let p: lsp_types::DidSaveTextDocumentParams = params!();
                let dir = self.docs.get_mut(&p.text_document.uri).and_then(|doc| {
                    if let Some(text) = p.text {
                        doc.text = text;
                    }
                    doc.path.as_deref().and_then(parent)
                });
                if let Some(dir) = dir {
                    self.changed(&dir, Duration::ZERO, None);
                }
            }
            "textDocument/didClose" => {
                let p: lsp_types::DidCloseTextDocumentParams = params!();
                if let Some(doc) = self.docs.remove(&p.text_document.uri) {
                    if !self.pull && doc.path.is_some() {
                        self.publish(&doc.uri, Vec::new(), None);
                    }
                    // Its unsaved text no longer counts: the others see the disk again.
                    if let Some(dir) = doc.path.as_deref().and_then(parent) {
                        self.changed(&dir, Duration::ZERO, None);
                    }
                }
            }
            "workspace/didChangeWatchedFiles" => {
                let p: lsp_types::DidChangeWatchedFilesParams = params!();
                let mut dirs: Vec<PathBuf> = Vec::new();
                for change in p.changes {
                    let Some(path) = uri::to_path(&change.uri) else {
                        continue;
                    };
                    let Some(dir) = parent(&path) else { continue };
                    let config = path.file_name().is_some_and(|n| n == ".kmslint.toml");
                    for d in self.open_dirs() {
                        if (d == dir || (config && d.starts_with(&dir))) && !dirs.contains(&d) {
                            dirs.push(d);
                        }
                    }
                }
                for dir in dirs {
                    self.changed(&dir, Duration::ZERO, None);
                }
            }
            "workspace/didChangeConfiguration" => {
                for dir in self.open_dirs() {
                    self.changed(&dir, Duration::ZERO, None);
                }
            }
            _ => {}
        }
    }

    /// Asks the client to tell us about changes to Terraform files made outside the editor.
    fn register_watchers(&mut self) {
        if !self.watch_registration {
            return;
        }
        let watchers: Vec<Value> = [
            "**/*.{tf,tofu,tfvars}",
            "**/*.{tf,tofu,tfvars}.json",
            "**/.kmslint.toml",
        ]
        .iter()
        .map(|g| json!({ "globPattern": g }))
        .collect();
        let params = json!({ "registrations": [{
            "id": "kmslint-watched-files",
            "method": "workspace/didChangeWatchedFiles",
            "registerOptions": { "watchers": watchers },
        }]});
        self.request_client("client/registerCapability", params);
    }

    fn request_client(&mut self, method: &str, params: Value) {
        self.next_request += 1;
        let id = RequestId::from(format!("kmslint-{}", self.next_request));
        self.send(Request::new(id, method.to_string(), params).into());
    }

    fn open_dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = self
            .docs
            .values()
            .filter_map(|d| d.path.as_deref().and_then(parent))
            .collect();
        dirs.sort();
        dirs.dedup();
        dirs
    }

    /// Something in `dir` changed (`source`: the document that changed, if it was one): every
    /// open document there is stale. Push clients get a re-lint after `delay`; pull clients
    /// are asked to pull again when documents other than `source` are affected.
    fn changed(&mut self, dir: &Path, delay: Duration, source: Option<&Uri>) {
        let mut others = false;
        for doc in self.docs.values_mut() {
            if in_dir(doc, dir) {
                doc.lint = None;
                others |= Some(&doc.uri) != source;
            }
        }
        let now = Instant::now();
        let pending = self.pending.entry(dir.to_path_buf()).or_insert(Pending {
            first: now,
            due: now + delay,
            refresh: false,
        });
        pending.due = (now + delay).min(pending.first + MAX_DEBOUNCE);
        pending.refresh |= others;
    }

    /// Runs the re-lints (or refreshes) whose time has come.
    fn run_due(&mut self) {
        let now = Instant::now();
        let due: Vec<PathBuf> = self
            .pending
            .iter()
            .filter(|(_, p)| p.due <= now)
            .map(|(d, _)| d.clone())
            .collect();
        let mut refresh = false;
        for dir in due {
            let Some(pending) = self.pending.remove(&dir) else {
                continue;
            };
            if self.pull {
                refresh |= pending.refresh;
                continue;
            }
            if self
                .docs
                .values()
                .any(|d| in_dir(d, &dir) && d.lint.is_none())
            {
                self.lint_dir(&dir);
            }
            if self.exit.is_some() || matches!(self.phase, Phase::ShutDown) {
                return;
            }
            let mut uris: Vec<&Uri> = self
                .docs
                .values()
                .filter(|d| in_dir(d, &dir))
                .map(|d| &d.uri)
                .collect();
            uris.sort();
            for uri in uris {
                let doc = &self.docs[uri];
                let diagnostics = doc
                    .lint
                    .as_ref()
                    .map(|l| l.diagnostics.clone())
                    .unwrap_or_default();
                self.publish(uri, diagnostics, Some(doc.version));
            }
        }
        if refresh && self.refresh_support {
            self.request_client("workspace/diagnostic/refresh", Value::Null);
        }
    }

    fn publish(&self, uri: &Uri, diagnostics: Vec<Diagnostic>, version: Option<i32>) {
        let params = lsp_types::PublishDiagnosticsParams {
            uri: uri.clone(),
            diagnostics,
            version,
        };
        self.send(Notification::new("textDocument/publishDiagnostics".into(), params).into());
    }

    /// Lints every open document of `dir` together and stores each one's diagnostics.
    ///
    /// The lint runs on a worker thread while this one keeps reading messages, so that
    /// `exit` or the end of the input ends the server at once even during a long lint (the
    /// worker is abandoned; the process exits under it). Other messages that arrive
    /// meanwhile (`shutdown` too: what was linted before it is still published) are kept in
    /// order and handled after the lint. A lint that fails (a panic: a bug,
    /// never the input's fault) gives each document an error diagnostic instead of silence.
    fn lint_dir(&mut self, dir: &Path) {
        let mut open: Vec<&Document> = self.docs.values().filter(|d| in_dir(d, dir)).collect();
        if open.is_empty() || self.exit.is_some() || matches!(self.phase, Phase::ShutDown) {
            return;
        }
        open.sort_by(|a, b| a.path.cmp(&b.path));
        let overlay: Overlay = open
            .iter()
            .map(|d| (d.path.clone().expect("lintable"), d.text.clone()))
            .collect();
        let paths: Vec<PathBuf> = open.iter().filter_map(|d| d.path.clone()).collect();
        let Some(result) = self.lint_off_thread(paths, overlay) else {
            return; // exit or end of input while linting
        };
        let open: Vec<&Document> = {
            let mut open: Vec<&Document> = self.docs.values().filter(|d| in_dir(d, dir)).collect();
            open.sort_by(|a, b| a.path.cmp(&b.path));
            open
        };
        let docs: Vec<OpenDoc> = open
            .iter()
            .map(|d| OpenDoc {
                uri: &d.uri,
                path: d.path.as_deref().expect("lintable"),
                version: d.version,
            })
            .collect();
        let results = match &result {
            Ok((out, config_errors)) => {
                let mut results = diagnostics::split(out, &docs, self.encoding);
                for result in &mut results {
                    result
                        .diagnostics
                        .extend(config_errors.iter().map(diagnostics::config_error));
                }
                results
            }
            Err(why) => {
                log(&format!(
                    "internal error while linting {}: {why}",
                    dir.display()
                ));
                docs.iter()
                    .map(|_| diagnostics::DocResult {
                        diagnostics: vec![diagnostics::internal_error(why)],
                        findings: Vec::new(),
                    })
                    .collect()
            }
        };
        let uris: Vec<Uri> = open.iter().map(|d| d.uri.clone()).collect();
        for (uri, result) in uris.into_iter().zip(results) {
            let result_id = result_id(&result.diagnostics);
            if let Some(doc) = self.docs.get_mut(&uri) {
                doc.lint = Some(DocLint {
                    diagnostics: result.diagnostics,
                    findings: result.findings,
                    result_id,
                });
            }
        }
    }

    /// Runs the lint of `paths` (the CLI's pipeline and budgets, then the policy pass) on a
    /// worker thread and waits for it while reading messages (see [`Server::lint_dir`]).
    /// `None` when the server must stop waiting: `exit` or the end of the input.
    fn lint_off_thread(&mut self, paths: Vec<PathBuf>, overlay: Overlay) -> Option<LintResult> {
        let (done, result) = crossbeam_channel::bounded::<LintResult>(1);
        let spawned = std::thread::Builder::new()
            .name("kmslint-lsp-lint".into())
            // Evaluation recurses (bounded); the same stack as the CLI's worker threads.
            .stack_size(8 << 20)
            .spawn(move || {
                let run = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    let mut out = lint_paths_with(&paths, &overlay);
                    let config_errors = match Policy::new(&paths, &PolicyOptions::default()) {
                        Ok(policy) => {
                            policy.apply(&mut out);
                            policy.errors()
                        }
                        Err(errors) => errors,
                    };
                    (out, config_errors)
                }));
                let _ = done.send(run.map_err(|panic| panic_message(&*panic)));
            });
        if let Err(e) = spawned {
            return Some(Err(format!("cannot start a lint thread: {e}")));
        }
        loop {
            crossbeam_channel::select! {
                recv(result) -> r => {
                    return Some(r.unwrap_or_else(|_| Err("the lint thread ended".into())));
                }
                recv(self.conn.receiver) -> m => match m {
                    // The client is gone, or said `exit`: stop now, whatever is running. A
                    // lint about to finish gets a moment (a scripted client sends everything
                    // at once), so that what came before is still answered in order.
                    Err(_) => return self.stop(&result, None),
                    Ok(Message::Notification(n)) if n.method == "exit" => {
                        return self.stop(&result, Some(Message::Notification(n)));
                    }
                    Ok(message) => self.backlog.push_back(message),
                },
            }
        }
    }

    /// `exit` (`last`) or the end of input while a lint runs: the lint's result if it comes
    /// within [`EXIT_GRACE`] (the backlog, then `last`, are handled after it), else `None`
    /// and the server ends with the exit code of what it has seen (a `shutdown` still in the
    /// backlog counts, and is answered).
    fn stop(
        &mut self,
        result: &crossbeam_channel::Receiver<LintResult>,
        last: Option<Message>,
    ) -> Option<LintResult> {
        if let Ok(r) = result.recv_timeout(EXIT_GRACE) {
            self.backlog.extend(last);
            return Some(r);
        }
        let shutdown = self.backlog.iter().find_map(|m| match m {
            Message::Request(r) if r.method == "shutdown" => Some(r.id.clone()),
            _ => None,
        });
        if let (Some(id), Phase::Running) = (shutdown, &self.phase) {
            self.send(Response::new_ok(id, Value::Null).into());
            self.phase = Phase::ShutDown;
        }
        // As when the input ends between messages: 0 after `shutdown`, else 1.
        drop(last);
        self.exit = Some(self.exit_code());
        None
    }

    fn exit_code(&self) -> i32 {
        match self.phase {
            Phase::ShutDown => 0,
            _ => 1,
        }
    }

    /// The current lint of a document, linting its directory first if it is stale (a push
    /// client waiting for that directory's debounced lint then gets it at once).
    fn fresh(&mut self, uri: &Uri) -> Option<&Document> {
        let doc = self.docs.get(uri)?;
        if doc.lint.is_none() {
            if let Some(dir) = doc.path.as_deref().and_then(parent) {
                self.lint_dir(&dir);
                if let Some(pending) = self.pending.get_mut(&dir) {
                    pending.due = Instant::now();
                }
            }
        }
        self.docs.get(uri)
    }

    fn pull_diagnostics(&mut self, params: lsp_types::DocumentDiagnosticParams) -> Value {
        let previous = params.previous_result_id;
        let uri = params.text_document.uri;
        let Some(lint) = self.fresh(&uri).and_then(|d| d.lint.as_ref()) else {
            return json!({ "kind": "full", "items": [] });
        };
        if previous.as_deref() == Some(lint.result_id.as_str()) {
            return json!({ "kind": "unchanged", "resultId": lint.result_id });
        }
        json!({ "kind": "full", "resultId": lint.result_id, "items": lint.diagnostics })
    }
}

/// A result id that changes exactly when the diagnostics do.
fn result_id(diagnostics: &[Diagnostic]) -> String {
    let mut h = DefaultHasher::new();
    serde_json::to_string(diagnostics)
        .unwrap_or_default()
        .hash(&mut h);
    format!("{:016x}", h.finish())
}

/// Whether kmslint reads this file as part of a module.
fn lintable(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| input_syntax(&n.to_string_lossy()).is_some())
}

fn in_dir(doc: &Document, dir: &Path) -> bool {
    doc.path.as_deref().and_then(Path::parent) == Some(dir)
}

fn parent(path: &Path) -> Option<PathBuf> {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
}
