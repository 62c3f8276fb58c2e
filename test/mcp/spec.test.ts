import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/parse.js';
import { parseArgsFlag, readArgsFile } from '../../src/targets/mcp/args.js';
import { selectTools } from '../../src/targets/mcp/bench.js';
import { parseHeader, parseHttpTarget, parseStdioTarget, splitCommandLine } from '../../src/targets/mcp/spec.js';
import { protocolReason } from '../../src/targets/mcp/workload.js';
import { splitFullKey } from '../../src/mcp/tools/memory.js';
import { clientBackendSpec } from '../../src/mcp/tools/benchmark.js';
import { ErrorCode, McpError, type Tool } from '@modelcontextprotocol/sdk/types.js';

describe('mcp target spec', () => {
  it('splits command lines like a shell, without expansion', () => {
    expect(splitCommandLine('--stdio', 'node server.js --flag value')).toEqual(['node', 'server.js', '--flag', 'value']);
    expect(splitCommandLine('--stdio', `node "my server.js" 'a b' c\\ d "x\\"y" $HOME`)).toEqual(['node', 'my server.js', 'a b', 'c d', 'x"y', '$HOME']);
    expect(splitCommandLine('--stdio', `  npx  ''  `)).toEqual(['npx', '']);
    expect(() => splitCommandLine('--stdio', 'node "open')).toThrow(/--stdio: unterminated double quote/);
    expect(() => splitCommandLine('--stdio', "node 'open")).toThrow(/unterminated single quote/);
  });

  it('rejects an empty command and bad URLs, naming the flag', () => {
    expect(() => parseStdioTarget('--stdio', '   ')).toThrow(UsageError);
    expect(() => parseHttpTarget('--url', 'not a url')).toThrow(/--url: expected an http/);
    expect(() => parseHttpTarget('--url', 'ftp://x/mcp')).toThrow(/protocol ftp:/);
  });

  it('keeps credentials out of the URL it displays', () => {
    const t = parseHttpTarget('--url', 'http://user:secret@127.0.0.1:9/mcp');
    expect(t.display).toBe('http://127.0.0.1:9/mcp');
    expect(t.display).not.toContain('secret');
  });

  it('parses headers as "Name: value"', () => {
    expect(parseHeader('--header', 'Authorization: Bearer x:y')).toEqual(['Authorization', 'Bearer x:y']);
    expect(() => parseHeader('--header', 'no colon')).toThrow(/--header: expected "Name: value"/);
  });
});

describe('mcp-bench arguments', () => {
  it('--args must be a JSON object, with the position of a syntax error', () => {
    expect(parseArgsFlag('--args', '{"a":1}')).toEqual({ a: 1 });
    expect(() => parseArgsFlag('--args', '[1]')).toThrow(/--args: expected a JSON object.*got an array/);
    expect(() => parseArgsFlag('--args', '{"a":\n 1,}')).toThrow(/--args: not valid JSON: .*line 2, column/);
  });

  it('--args-file: unreadable, invalid and wrongly shaped files are named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmperf-mcp-'));
    const file = join(dir, 'args.json');
    expect(() => readArgsFile('--args-file', join(dir, 'missing.json'))).toThrow(/--args-file .*missing.json: cannot read the file \(ENOENT\)/);
    writeFileSync(file, '{"echo": "hi"}');
    expect(() => readArgsFile('--args-file', file)).toThrow(/arguments for tool "echo" must be a JSON object, got a string/);
    writeFileSync(file, '{\n  "echo": {"text": "hi"},\n  oops\n}');
    expect(() => readArgsFile('--args-file', file)).toThrow(/not valid JSON: .*line 3/);
    writeFileSync(file, '{"echo": {"text": "hi"}}');
    expect(readArgsFile('--args-file', file).get('echo')).toEqual({ text: 'hi' });
  });

  const tools: Tool[] = [
    { name: 'echo', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } },
    { name: 'ping', inputSchema: { type: 'object', properties: {} } },
  ];

  it('checks a tool and its arguments against tools/list before measuring', () => {
    expect(() => selectTools(tools, { mode: 'one', tool: 'nope', args: {} })).toThrow(/--tool: the server has no tool "nope"; its tools: echo, ping/);
    expect(() => selectTools(tools, { mode: 'one', tool: 'echo', args: {} })).toThrow(/--args: arguments do not match the input schema of tool "echo": .*text/);
    expect(() => selectTools(tools, { mode: 'one', tool: 'echo', args: { text: 5 } })).toThrow(/--args: .*string/);
    expect(selectTools(tools, { mode: 'one', tool: 'echo', args: { text: 'x' } }).calls).toEqual([{ name: 'echo', args: { text: 'x' } }]);
  });

  it('all-tools: skips tools that need arguments it was not given, rejects wrong ones', () => {
    const none = selectTools(tools, { mode: 'all', argsByTool: new Map(), exclude: [], argsSource: '--args-file' });
    expect(none.calls.map((c) => c.name)).toEqual(['ping']);
    expect(none.skipped.map((s) => s.tool)).toEqual(['echo']);
    const given = selectTools(tools, { mode: 'all', argsByTool: new Map([['echo', { text: 'a' }]]), exclude: [], argsSource: '--args-file f.json' });
    expect(given.calls.map((c) => c.name)).toEqual(['echo', 'ping']);
    expect(() => selectTools(tools, { mode: 'all', argsByTool: new Map([['echo', { text: 1 }]]), exclude: [], argsSource: '--args-file f.json' })).toThrow(/--args-file f.json: arguments for tool "echo" do not match/);
    expect(() => selectTools(tools, { mode: 'all', argsByTool: new Map([['ghost', {}]]), exclude: [], argsSource: '--args-file f.json' })).toThrow(/names tool "ghost"/);
    expect(() => selectTools(tools, { mode: 'all', argsByTool: new Map(), exclude: ['ping'], argsSource: '--args-file' })).toThrow(/no tool left to call/);
  });

  it('protocol errors are named by JSON-RPC code', () => {
    expect(protocolReason(new McpError(ErrorCode.RequestTimeout, 'timed out'))).toBe('protocol: -32001 RequestTimeout');
    expect(protocolReason(new McpError(-1234, 'odd'))).toBe('protocol: -1234');
    expect(protocolReason(new Error('Not connected'))).toBe('protocol: Not connected');
  });
});

describe('mcp server input rules', () => {
  it('full keys split at the first "/"', () => {
    expect(splitFullKey('performance/swarmperf/r1/results')).toEqual({ namespace: 'performance', key: 'swarmperf/r1/results' });
    expect(() => splitFullKey('nokey')).toThrow(/must be "namespace\/key"/);
    expect(() => splitFullKey('/x')).toThrow(/non-empty namespace/);
    expect(() => splitFullKey('ns/')).toThrow(/empty key/);
  });

  it('a client cannot point a backend at a path', () => {
    expect(clientBackendSpec('sqlite', '/tmp/d')).toBe('sqlite');
    expect(clientBackendSpec('sqlite?busyTimeout=50', '/tmp/d')).toBe('sqlite?busyTimeout=50');
    expect(() => clientBackendSpec('sqlite:/etc/evil.db', '/tmp/d')).toThrow(/paths are not accepted/);
    expect(() => clientBackendSpec('jsonfile:../../x', '/tmp/d')).toThrow(/paths are not accepted/);
    expect(() => clientBackendSpec('mongodb', '/tmp/d')).toThrow(/unknown backend/);
  });
});
