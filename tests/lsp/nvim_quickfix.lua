-- Headless Neovim (0.7+) drives `kmslint lsp` like a user would: open a file, get the
-- diagnostic, apply the first quick fix, and see the diagnostics re-published without it.
--
--   KMSLINT_BIN=target/debug/kmslint KMSLINT_WORKSPACE=/tmp/copy-of-tests/lsp/fixture \
--     nvim --headless --clean -c 'luafile tests/lsp/nvim_quickfix.lua'
--
-- Prints one `ok: ...` line per check and `PASS` at the end; on failure prints `FAIL: ...`
-- and exits with status 1.

local bin = os.getenv('KMSLINT_BIN') or 'kmslint'
local workspace = assert(os.getenv('KMSLINT_WORKSPACE'), 'set KMSLINT_WORKSPACE')

local function out(s)
  io.stdout:write(s .. '\n')
end

local function fail(s)
  out('FAIL: ' .. s)
  vim.cmd('cquit 1')
end

local function check(cond, what)
  if not cond then
    fail(what)
    error(what)
  end
  out('ok: ' .. what)
end

local publishes = {}
local client_id = vim.lsp.start_client({
  name = 'kmslint',
  cmd = { bin, 'lsp' },
  root_dir = workspace,
  handlers = {
    ['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
      table.insert(publishes, result)
      return vim.lsp.handlers['textDocument/publishDiagnostics'](err, result, ctx, config)
    end,
  },
  on_exit = function(code, signal)
    if code ~= 0 and code ~= nil then
      out('server exited with ' .. tostring(code) .. ' signal ' .. tostring(signal))
    end
  end,
})
check(client_id ~= nil, 'the server started')

vim.cmd('edit ' .. vim.fn.fnameescape(workspace .. '/main.tf'))
local bufnr = vim.api.nvim_get_current_buf()
local uri = vim.uri_from_bufnr(bufnr)
vim.lsp.buf_attach_client(bufnr, client_id)

local function wait_publish(from, pred, what)
  local found
  local ok = vim.wait(10000, function()
    for i = from, #publishes do
      local p = publishes[i]
      if p.uri == uri and pred(p) then
        found = p
        return true
      end
    end
    return false
  end, 20)
  check(ok, what)
  return found
end

local first = wait_publish(1, function(p)
  return #p.diagnostics > 0
end, 'diagnostics published on open')
local d = first.diagnostics[1]
out('raw: ' .. vim.json.encode(d))
check(d.code == 'kms-key-rotation-disabled', 'code is the rule id')
check(d.source == 'kmslint', 'source is kmslint')
check(d.severity == 2, 'severity is Warning')
check(d.codeDescription ~= nil and d.codeDescription.href:match('/rules/kms%-key%-rotation%-disabled%.md$') ~= nil,
  'codeDescription links the rule doc')
check(d.data ~= nil and d.data.fix ~= nil, 'the fix travels in data')
-- Neovim 0.7 offers no position encodings: UTF-16. `  /*` 4 + 🔑 2 + é 1 + `*/ ` 3 = 10.
check(d.range.start.line == 2 and d.range.start.character == 10 and d.range['end'].character == 37,
  'the range is in UTF-16 code units (2:10-2:37)')
local client = vim.lsp.get_client_by_id(client_id)
check(client.offset_encoding == 'utf-16', 'the negotiated encoding is utf-16')
local stored = vim.diagnostic.get(bufnr)
check(#stored == 1 and stored[1].lnum == 2 and stored[1].col == 13 and stored[1].end_col == 40,
  'Neovim stores it at byte columns 13-40')

local resp = client.request_sync('textDocument/codeAction', {
  textDocument = { uri = uri },
  range = d.range,
  context = { diagnostics = first.diagnostics, only = { 'quickfix' } },
}, 5000, bufnr)
check(resp ~= nil and resp.err == nil and resp.result ~= nil and #resp.result >= 2, 'code actions returned')
local fix = resp.result[1]
out('action: ' .. fix.title)
check(fix.kind == 'quickfix' and fix.isPreferred == true, 'the first action is the preferred quick fix')
check(resp.result[2].title:match('kmslint:ignore') ~= nil, 'the second action adds an ignore comment')

local before = #publishes
vim.lsp.util.apply_workspace_edit(fix.edit, client.offset_encoding)
local line = vim.api.nvim_buf_get_lines(bufnr, 2, 3, false)[1]
out('line 3: ' .. line)
check(line == '  /*🔑é*/ enable_key_rotation = true', 'the fix rewrote the value')

wait_publish(before + 1, function(p)
  return #p.diagnostics == 0
end, 'diagnostics re-published without the finding')
check(#vim.diagnostic.get(bufnr) == 0, 'Neovim shows no diagnostic any more')

out('PASS')
vim.cmd('qa!')
