"""Scripted LSP client tests for `kmslint lsp` (run by tests/lsp.rs with pytest-lsp).

Each test starts the real server binary (`$KMSLINT_BIN lsp`), initializes it with a real
client's capability set (the snapshots shipped in pytest-lsp), works on files in a temporary
module directory, and shuts it down.
"""

import asyncio
import os
import pathlib
import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

KMSLINT = os.environ.get("KMSLINT_BIN", "kmslint")
RULE = "kms-key-rotation-disabled"
VERSION = os.environ.get("KMSLINT_VERSION", "")
UNICODE_LINE = "  /*🔑é*/ enable_key_rotation = false"

MAIN_TF = f"""resource "aws_kms_key" "logs" {{
  description = "CloudWatch Logs"
{UNICODE_LINE}
}}
"""


def make_client() -> LanguageClient:
    """pytest-lsp's client, also keeping every publishDiagnostics and registration."""
    client = LanguageClient()
    client.publishes = []
    client.registrations = []
    features = dict(DEFAULT_CLIENT_FEATURES)

    def register(client: LanguageClient, params: types.RegistrationParams):
        client.registrations.extend(params.registrations)

    features[types.CLIENT_REGISTER_CAPABILITY] = register

    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams):
        client.diagnostics[params.uri] = params.diagnostics
        client.publishes.append(params)

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    register_lsp_features(client, features)
    return client


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[KMSLINT, "lsp"], client_factory=make_client)
)
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


async def initialize(client, spec, *, encodings=None, debounce_ms=None, workspace=None):
    caps = client_capabilities(spec)
    if encodings is not None:
        caps.general = types.GeneralClientCapabilities(position_encodings=encodings)
    options = {"debounceMs": debounce_ms} if debounce_ms is not None else None
    result = await client.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            initialization_options=options,
            root_uri=workspace.as_uri() if workspace else None,
        )
    )
    return result


async def until(predicate, what, timeout=10.0):
    """Waits until `predicate()` is truthy; fails with `what` after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def published(client, uri, version=None, after=0):
    """The first publish for `uri` (at `version`, if given) among those after index `after`."""

    def find():
        for p in client.publishes[after:]:
            if p.uri == uri and (version is None or p.version == version):
                return p
        return None

    return await until(find, f"diagnostics for {uri} (version {version})")


def open_doc(client, path: pathlib.Path, version=1, text=None):
    text = path.read_text(encoding="utf-8") if text is None else text
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=path.as_uri(), language_id="terraform", version=version, text=text
            )
        )
    )
    return path.as_uri()


def change(client, uri, version, *edits):
    """Sends one didChange; each edit is (range or None, text)."""
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(range=r, text=t)
                if r is not None
                else types.TextDocumentContentChangeWholeDocument(text=t)
                for r, t in edits
            ],
        )
    )


def rng(l1, c1, l2, c2):
    return types.Range(start=types.Position(l1, c1), end=types.Position(l2, c2))


def apply_edits(text: str, edits, encoding: str) -> str:
    """Applies LSP TextEdits (non-overlapping) to `text` the way a client does."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[-1].endswith("\n"):
        lines.append("")

    def offset(pos):
        start = sum(len(line) for line in lines[: pos.line])
        line = lines[pos.line] if pos.line < len(lines) else ""
        content = line.rstrip("\r\n")
        if encoding == "utf-8":
            prefix = content.encode("utf-8")[: pos.character].decode("utf-8")
        else:
            prefix = content.encode("utf-16-le")[: 2 * pos.character].decode("utf-16-le")
        return start + len(prefix)

    out = text
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        a, b = offset(e.range.start), offset(e.range.end)
        out = out[:a] + e.new_text + out[b:]
    return out


def edits_for(edit: types.WorkspaceEdit, uri: str):
    if edit.changes is not None:
        return edit.changes[uri]
    (doc,) = [d for d in edit.document_changes if d.text_document.uri == uri]
    return doc.edits


def module(tmp_path, **files):
    for name, text in files.items():
        (tmp_path / name.replace("__", ".")).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.asyncio
async def test_utf8_is_negotiated_and_diagnostics_are_pulled(client, tmp_path):
    module(tmp_path, main__tf=MAIN_TF)
    # Neovim 0.11 offers utf-8, utf-16 and utf-32 and supports pull diagnostics.
    caps = client_capabilities("neovim@v0.11")
    caps.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    result = await client.initialize_session(
        types.InitializeParams(capabilities=caps, root_uri=tmp_path.as_uri())
    )
    caps = result.capabilities
    assert caps.position_encoding == types.PositionEncodingKind.Utf8
    assert caps.diagnostic_provider is not None
    assert result.server_info.name == "kmslint"
    uri = open_doc(client, tmp_path / "main.tf")
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert report.kind == "full"
    (d,) = report.items
    # Bytes: `  /*` 4, 🔑 4, é 2, `*/ ` 3.
    assert d.range == rng(2, 13, 2, 40)
    assert d.code == RULE
    assert d.source == "kmslint"
    assert d.severity == types.DiagnosticSeverity.Warning
    assert d.code_description.href == (
        f"https://github.com/kmslint/kmslint/blob/v{VERSION}/rules/{RULE}.md"
    )
    assert d.data["fix"]["edits"][0]["range"] == {
        "start": {"line": 2, "character": 35},
        "end": {"line": 2, "character": 40},
    }
    # Nothing is pushed to a pull client.
    await asyncio.sleep(0.2)
    assert client.publishes == []
    # Same text, same result id: "unchanged".
    again = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            previous_result_id=report.result_id,
        )
    )
    assert again.kind == "unchanged"
    # A pull right after an edit sees the edit, whatever the debounce.
    change(client, uri, 2, (rng(2, 35, 2, 40), "true"))
    fixed = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert fixed.kind == "full" and list(fixed.items) == []
    # Editing another file of the module asks the client to pull again.
    (tmp_path / "variables.tf").write_text('variable "x" {}\n', encoding="utf-8")
    variables = open_doc(client, tmp_path / "variables.tf")
    refreshes = client.diagnostic_refresh_count
    change(client, variables, 2, (rng(0, 0, 0, 0), "# edited\n"))
    await until(lambda: client.diagnostic_refresh_count > refreshes, "a diagnostic refresh")


@pytest.mark.asyncio
async def test_emacs_gets_utf8_and_vscode_gets_utf16(client, tmp_path):
    # Emacs (eglot) offers utf-32 first, then utf-8: we take utf-8.
    result = await initialize(client, "emacs@v29.1")
    assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
    assert result.capabilities.diagnostic_provider is None


@pytest.mark.asyncio
async def test_utf16_ranges_push_and_incremental_edits(client, tmp_path):
    module(tmp_path, main__tf=MAIN_TF)
    # VS Code 1.65 offers no position encodings (so UTF-16) and no pull diagnostics.
    result = await initialize(client, "visual-studio-code@v1.65.2", debounce_ms=20)
    assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf16
    assert result.capabilities.diagnostic_provider is None
    sync = result.capabilities.text_document_sync
    assert sync.open_close and sync.change == types.TextDocumentSyncKind.Incremental
    assert sync.save is not None
    kinds = result.capabilities.code_action_provider.code_action_kinds
    assert "quickfix" in kinds and "source.fixAll.kmslint" in kinds

    uri = open_doc(client, tmp_path / "main.tf")
    p = await published(client, uri, version=1)
    (d,) = p.diagnostics
    # UTF-16: `  /*` 4, 🔑 2, é 1, `*/ ` 3.
    assert d.range == rng(2, 10, 2, 37)
    assert d.related_information is None or isinstance(d.related_information, list)
    assert d.data["fix"]["edits"][0]["range"]["start"] == {"line": 2, "character": 32}

    # VS Code supports versioned edits: the fix says which version it applies to.
    fix, ignore, fix_all = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=d.range,
            context=types.CodeActionContext(diagnostics=[d]),
        )
    )
    assert (fix.kind, ignore.kind, fix_all.kind) == ("quickfix", "quickfix", "source.fixAll.kmslint")
    (doc_edit,) = fix.edit.document_changes
    assert doc_edit.text_document.version == 1
    assert doc_edit.edits[0].range == rng(2, 32, 2, 37)
    # It watches Terraform files through a dynamic registration.
    await until(lambda: client.registrations, "client/registerCapability")
    assert client.registrations[0].method == "workspace/didChangeWatchedFiles"

    # Incremental edits in UTF-16 units: type `x` after é (column 7), then remove it and
    # replace `false` with `true`, in one didChange.
    n = len(client.publishes)
    change(client, uri, 2, (rng(2, 7, 2, 7), "x"))
    p = await published(client, uri, version=2, after=n)
    assert p.diagnostics[0].range == rng(2, 11, 2, 38)
    n = len(client.publishes)
    change(client, uri, 3, (rng(2, 7, 2, 8), ""), (rng(2, 32, 2, 37), "true"))
    p = await published(client, uri, version=3, after=n)
    assert list(p.diagnostics) == []

    # Closing clears.
    n = len(client.publishes)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    p = await published(client, uri, after=n)
    assert list(p.diagnostics) == []


@pytest.mark.asyncio
async def test_quick_fix_ignore_and_fix_all(client, tmp_path):
    text = MAIN_TF + '\nresource "aws_kms_key" "data" {\n  description = "data"\n}\n'
    module(tmp_path, main__tf=text)
    await initialize(client, "neovim@v0.7", debounce_ms=0)
    uri = open_doc(client, tmp_path / "main.tf")
    p = await published(client, uri, version=1)
    assert [d.range.start.line for d in p.diagnostics] == [2, 5]
    first = p.diagnostics[0]

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=first.range,
            context=types.CodeActionContext(diagnostics=[first], only=["quickfix"]),
        )
    )
    fix, ignore = actions
    assert fix.kind == "quickfix" and fix.is_preferred
    assert fix.title == "Set `enable_key_rotation = true`"
    assert fix.diagnostics[0].code == RULE
    fixed = apply_edits(text, edits_for(fix.edit, uri), "utf-16")
    assert "/*🔑é*/ enable_key_rotation = true" in fixed

    assert ignore.kind == "quickfix" and not ignore.is_preferred
    ignored = apply_edits(text, edits_for(ignore.edit, uri), "utf-16")
    assert ignored.splitlines()[2] == f"  # kmslint:ignore {RULE} -- TODO: reason"
    assert ignored.splitlines()[3] == UNICODE_LINE
    # With the comment in place the finding is suppressed, so it is no longer shown.
    n = len(client.publishes)
    change(client, uri, 2, (None, ignored))
    p = await published(client, uri, version=2, after=n)
    assert [d.range.start.line for d in p.diagnostics] == [6]

    # Fix all: every safe fix of the file in one action, as `kmslint check --fix` would.
    n = len(client.publishes)
    change(client, uri, 3, (None, text))
    await published(client, uri, version=3, after=n)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=rng(0, 0, 0, 0),
            context=types.CodeActionContext(diagnostics=[], only=["source.fixAll"]),
        )
    )
    (fix_all,) = actions
    assert fix_all.kind == "source.fixAll.kmslint"
    all_fixed = apply_edits(text, edits_for(fix_all.edit, uri), "utf-16")
    n = len(client.publishes)
    change(client, uri, 4, (None, all_fixed))
    p = await published(client, uri, version=4, after=n)
    assert list(p.diagnostics) == []
    assert all_fixed.count("enable_key_rotation = true") == 2


@pytest.mark.asyncio
async def test_variables_and_tfvars_edits_relint_the_other_files(client, tmp_path):
    module(
        tmp_path,
        main__tf='resource "aws_kms_key" "k" {\n  enable_key_rotation = var.rotate\n}\n',
        variables__tf='variable "rotate" {\n  default = true\n}\n',
    )
    await initialize(client, "neovim@v0.7", debounce_ms=10)
    main = open_doc(client, tmp_path / "main.tf")
    p = await published(client, main, version=1)
    assert list(p.diagnostics) == []
    variables = open_doc(client, tmp_path / "variables.tf")
    await published(client, variables, version=1)
    # An unsaved edit of variables.tf re-lints main.tf.
    n = len(client.publishes)
    change(client, variables, 2, (rng(1, 12, 1, 16), "false"))
    p = await published(client, main, after=n)
    (d,) = p.diagnostics
    assert d.code == RULE and d.range.start.line == 1
    assert any(r.location.uri == variables for r in d.related_information)
    # A terraform.tfvars written on disk (a watched-file change) wins over the default.
    (tmp_path / "terraform.tfvars").write_text("rotate = true\n", encoding="utf-8")
    n = len(client.publishes)
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[
                types.FileEvent(
                    uri=(tmp_path / "terraform.tfvars").as_uri(),
                    type=types.FileChangeType.Created,
                )
            ]
        )
    )
    p = await published(client, main, after=n)
    assert list(p.diagnostics) == []
    # Open terraform.tfvars and make it false: main.tf shows the finding.
    tfvars = open_doc(client, tmp_path / "terraform.tfvars")
    await published(client, tfvars, version=1)
    n = len(client.publishes)
    change(client, tfvars, 2, (rng(0, 9, 0, 13), "false"))
    p = await published(client, main, after=n)
    assert [d.code for d in p.diagnostics] == [RULE]
    p = await published(client, tfvars, version=2, after=n)
    assert list(p.diagnostics) == []
    # With main.tf closed, the tfvars buffer shows the finding at the value that causes it.
    n = len(client.publishes)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=main))
    )
    p = await published(client, main, after=n)
    assert list(p.diagnostics) == []
    p = await published(client, tfvars, version=2, after=n)
    (d,) = p.diagnostics
    assert d.code == RULE
    assert d.range == rng(0, 9, 0, 14)
    assert any(r.location.uri == main for r in d.related_information)


@pytest.mark.asyncio
async def test_a_half_typed_file_is_one_parse_error(client, tmp_path):
    module(tmp_path, main__tf=MAIN_TF)
    await initialize(client, "neovim@v0.7", debounce_ms=0)
    uri = open_doc(client, tmp_path / "main.tf", text='resource "aws_kms_key" "k" {\n  enable_key_rotation = \n')
    p = await published(client, uri, version=1)
    (d,) = p.diagnostics
    assert d.severity == types.DiagnosticSeverity.Error
    assert d.source == "kmslint"
    n = len(client.publishes)
    change(client, uri, 2, (None, MAIN_TF))
    p = await published(client, uri, version=2, after=n)
    assert [d.code for d in p.diagnostics] == [RULE]


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


@pytest.mark.asyncio
async def test_garbage_input_does_not_kill_the_server(client, tmp_path):
    module(tmp_path, main__tf=MAIN_TF)
    await initialize(client, "neovim@v0.7", debounce_ms=0)
    server = client._server
    server.stdin.write(
        frame(b"{this is not json")
        + b"X-Garbage: yes\r\n\r\n"
        + frame(b'{"jsonrpc":"2.0","id":"bad","method":42}')
        + frame(b"[]")
        + frame(b'{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":7}}')
        + frame(b'{"jsonrpc":"2.0","method":"textDocument/didChange","params":{}}')
        + frame('{"jsonrpc":"2.0","method":"no/such/notification","params":"🔑"}'.encode())
        + frame(b'{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":'
                b'{"uri":"untitled:Untitled-1","languageId":"terraform","version":1,"text":"x"}}}')
    )
    await server.stdin.drain()
    # Unknown requests, bad params and bad URIs are errors, not crashes.
    with pytest.raises(Exception, match="unsupported request"):
        await client.protocol.send_request_async("kmslint/nonsense", {})
    with pytest.raises(Exception):
        await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri="not a uri"),
                range=rng(0, 0, 0, 0),
                context=types.CodeActionContext(diagnostics=[]),
            )
        )
    # Edits far outside the text, and garbage text, are taken in stride.
    uri = open_doc(client, tmp_path / "main.tf")
    await published(client, uri, version=1)
    n = len(client.publishes)
    change(
        client,
        uri,
        2,
        (rng(999, 999, 1000, 0), "\x00}}}{{{ \"unterminated\n"),
        (rng(1, 5, 0, 2), "\u200b🔑"),
    )
    p = await published(client, uri, version=2, after=n)
    assert p.diagnostics and p.diagnostics[0].severity == types.DiagnosticSeverity.Error
    # Still answering.
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=rng(0, 0, 0, 0),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert not actions
    assert server.returncode is None


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
