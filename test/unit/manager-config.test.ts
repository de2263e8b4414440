import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseCommandLine } from '../../src/cli/args.ts';
import { UsageError } from '../../src/cli/usage-error.ts';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { parseManagerConfig, resolveManagerConfig, sameTransport } from '../../src/manager/config.ts';
import { McpManager } from '../../src/manager/manager.ts';

describe('manager configuration (mcpServers, gateway)', () => {
  it('reads the desktop clients format and resolves every option from gateway.defaults', () => {
    const spec = parseManagerConfig({
      mcpServers: {
        files: { command: 'npx', args: ['-y', 'server-files', '${HOME_DIR:-/tmp}'], env: { TOKEN: '${TOKEN}' } },
        search: { url: 'http://127.0.0.1:8080/mcp', headers: { authorization: 'Bearer ${TOKEN}' }, timeoutMs: 500, breaker: { failureRate: 0.5 } },
        off: { command: 'x', disabled: true, stderr: { burstBytes: 4096 } },
      },
      gateway: { separator: '.', defaults: { retries: 1, breaker: { consecutiveFailures: 3 } } },
    }, { TOKEN: 'secret' });
    const [files, search, off] = spec.upstreams;
    const stderr = { bytesPerSecond: 65_536, burstBytes: 1_048_576 };
    assert.deepEqual(files.transport, { kind: 'stdio', command: 'npx', args: ['-y', 'server-files', '/tmp'], env: { TOKEN: 'secret' }, cwd: undefined, stderr });
    assert.deepEqual(off.transport.kind === 'stdio' && off.transport.stderr, { bytesPerSecond: 65_536, burstBytes: 4096 });
    assert.equal(files.timeoutMs, 60_000);
    assert.equal(files.retries, 1);
    assert.deepEqual(files.breaker, { consecutiveFailures: 3, failureRate: undefined, window: 20, halfOpenAfterMs: 10_000 });
    assert.deepEqual(search.transport, { kind: 'http', url: 'http://127.0.0.1:8080/mcp', headers: { authorization: 'Bearer secret' } });
    assert.equal(search.timeoutMs, 500);
    assert.equal(search.breaker.failureRate, 0.5);
    assert.equal(search.breaker.consecutiveFailures, 3);
    assert.equal(off.enabled, false);
    assert.equal(spec.gateway.separator, '.');
  });

  it('refuses what cannot work, naming the setting', () => {
    const bad = (mcpServers: Record<string, unknown>, gateway: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}) =>
      () => parseManagerConfig({ mcpServers: mcpServers as never, gateway }, env);
    assert.throws(bad({ a: { command: 'x', url: 'http://h/mcp' } }), (e: unknown) => e instanceof ConfigError && /mcpServers\.a: give command \(stdio\) or url \(HTTP\), not both/.test(e.message));
    assert.throws(bad({ a: {} }), /mcpServers\.a: command \(a stdio server\) or url \(Streamable HTTP\) is needed/);
    assert.throws(bad({ a: { url: 'ftp://h' } }), /mcpServers\.a\.url/);
    assert.throws(bad({ a: { url: 'http://h/mcp', args: ['x'] } }), /mcpServers\.a\.args applies to command upstreams only/);
    assert.throws(bad({ a: { url: 'http://h/mcp', stderr: { burstBytes: 1 } } }), /mcpServers\.a\.stderr applies to command upstreams only/);
    assert.throws(bad({ a: { command: 'x', stderr: { bytesPerSecond: 0 } } }), /bytesPerSecond/);
    assert.throws(bad({ a__b: { command: 'x' } }), /an upstream's name must not contain the separator "__"/);
    // Regression: `a_` + `__` + `b` read as upstream `a`'s `_b`: both exposed `a___b`, and a_'s URIs and task ids led to a.
    assert.throws(bad({ a: { command: 'x' }, a_: { command: 'x' } }), /mcpServers\.a_: an upstream's name must not end in a part of the separator "__": "a___x" would read as upstream "a"'s "_x"/);
    assert.throws(bad({ 'x.': { command: 'x' } }, { separator: '..' }), /must not end in a part of the separator "\.\."/);
    assert.throws(bad({ 'a b': { command: 'x' } }), ConfigError);
    assert.throws(bad({ a: { command: 'x', timeoutMs: 0 } }), /timeoutMs/);
    assert.throws(bad({ a: { command: 'x', colour: 'red' } }), /colour/);
    assert.throws(bad({ a: { command: '${MISSING}' } }), /mcpServers\.a\.command uses \$\{MISSING\}, which is not set/);
    // Regression: an empty one was said to be "not set" while the operator could see it set.
    assert.throws(bad({ a: { command: 'x', args: ['${EMPTY}'] } }, {}, { EMPTY: '' }), /mcpServers\.a\.args\[0\] uses \$\{EMPTY\}, which is empty/);
    // Regression: an unset variable in an HTTP upstream's headers was reported as "mcpServers.a.url is not a URL".
    assert.throws(bad({ a: { url: 'https://h/mcp', headers: { authorization: 'Bearer ${MISSING}' } } }), /mcpServers\.a\.headers\.authorization uses \$\{MISSING\}, which is not set/);
    assert.throws(bad({ a: { command: 'x', reconnect: { initialDelayMs: 10, maxDelayMs: 5 } } }), /maxDelayMs must be at least initialDelayMs/);
    assert.throws(bad({}, { separator: '' }), /separator/);
    assert.throws(bad({ a: { command: 'x', headers: { a: 'b' } } }), /mcpServers\.a\.headers applies to url upstreams only/);
    assert.throws(bad({ a: { command: 'x', type: 'http' } }), /mcpServers\.a\.type is http, but command starts a stdio server/);
    assert.throws(bad({ a: { url: 'http://h/mcp', type: 'stdio' } }), /mcpServers\.a\.type is stdio, but url names an HTTP server/);
    assert.throws(bad({ a: { url: 'http://${HOST}/mcp' } }, {}, { HOST: 'not a host' }), /mcpServers\.a\.url is not a URL: "http:\/\/not a host\/mcp"/);
    assert.throws(bad({ a: { command: 'x', enabled: true, disabled: true } }), /mcpServers\.a: enabled and disabled disagree/);
    assert.equal(parseManagerConfig({ mcpServers: { a: { command: 'x', enabled: false, disabled: true } } }).upstreams[0].enabled, false, 'they may agree');
    for (const config of [null, [], 'mcpServers']) assert.throws(() => parseManagerConfig(config as never), /The manager's configuration must be an object with mcpServers/);
  });

  it('regression: a resolved spec given to McpManager has its names checked against the separator too', () => {
    const spec = parseManagerConfig({ mcpServers: { a: { command: 'x' } } }, {});
    const renamed = { ...spec, upstreams: [{ ...spec.upstreams[0], name: 'a_' }] };
    assert.throws(() => new McpManager(renamed), /Upstream a_: an upstream's name must not end in a part of the separator "__"/);
  });

  it('regression: a resolved spec\'s breaker is checked before any upstream is made: a reload that failed making one had applied half of itself (its message cockatiel\'s, naming nothing)', async () => {
    const spec = parseManagerConfig({ mcpServers: { a: { command: 'x' } } }, {});
    const withBreaker = (breaker: object) => ({ ...spec, upstreams: [{ ...spec.upstreams[0], breaker: { ...spec.upstreams[0].breaker, ...breaker } }] });
    assert.throws(() => new McpManager(withBreaker({ failureRate: 0.5, window: 1e12 })), /Upstream a: breaker\.window must be a whole number from 2 to 10000/);
    assert.throws(() => new McpManager(withBreaker({ failureRate: 1 })), /Upstream a: breaker\.failureRate must be more than 0 and less than 1/);
    const manager = new McpManager({ ...spec, upstreams: [] });
    await assert.rejects(manager.reload(withBreaker({ failureRate: 1 })), /breaker\.failureRate/);
    assert.deepEqual(manager.spec.upstreams, []);
    await manager.close();
  });

  it('loads from a YAML file with the rest of the configuration; MCP__ variables reach an upstream by name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcp-core-gateway-config-'));
    const file = join(dir, 'gateway.yaml');
    await writeFile(file, 'mcpServers:\n  github:\n    url: https://example.com/mcp\n  files:\n    command: mcp-files\ngateway:\n  toolSearch: true\n');
    const config = await loadConfig(file, { MCP__MCPSERVERS__GITHUB__TIMEOUTMS: '1234' });
    const spec = resolveManagerConfig(config, {});
    assert.deepEqual(spec.upstreams.map((u) => u.name), ['github', 'files']);
    assert.equal(spec.upstreams[0].timeoutMs, 1234);
    assert.equal(spec.gateway.toolSearch, true);
  });

  it('reads type sse as the HTTP+SSE transport of 2024-11-05, in the legacy era unless told otherwise', () => {
    const [old, streamable, told] = parseManagerConfig({
      mcpServers: { old: { type: 'sse', url: 'http://127.0.0.1:8080/sse' }, streamable: { url: 'http://127.0.0.1:8080/sse' }, told: { type: 'sse', url: 'http://127.0.0.1:8080/sse', era: 'auto' } },
    }, {}).upstreams;
    assert.deepEqual(old.transport, { kind: 'http', url: 'http://127.0.0.1:8080/sse', headers: {}, sse: true });
    assert.equal(old.era, 'legacy');
    assert.equal(streamable.era, 'auto');
    assert.equal(told.era, 'auto');
    assert.equal(sameTransport({ ...old, name: 'streamable' }, streamable), false, 'a change of transport reconnects');
    assert.throws(() => parseManagerConfig({ mcpServers: { x: { type: 'sse', command: 'y' } } }, {}), /type is sse, but command starts a stdio server/);
  });

  it('tells a change of options from a change of how the upstream is reached', () => {
    const [a, b, c] = parseManagerConfig({ mcpServers: { a: { command: 'x' }, b: { command: 'x', timeoutMs: 5 } } }, {}).upstreams.concat(
      parseManagerConfig({ mcpServers: { a: { command: 'y' } } }, {}).upstreams,
    );
    assert.equal(sameTransport({ ...a, name: 'b' }, b), true);
    assert.equal(sameTransport(a, c), false);
  });

  it('parses tools and call', () => {
    assert.deepEqual(parseCommandLine(['tools', '--config', 'g.yaml']), { command: 'tools', config: ['g.yaml'], json: false });
    assert.deepEqual(parseCommandLine(['call', 'files__read', '--args', '{"path":"a"}', '--config', 'g.yaml', '--json']), {
      command: 'call', config: ['g.yaml'], tool: 'files__read', args: '{"path":"a"}', json: true,
    });
    assert.equal((parseCommandLine(['call', 't', '--config', 'g.yaml']) as { args: string }).args, '{}');
    assert.throws(() => parseCommandLine(['tools']), UsageError);
    assert.throws(() => parseCommandLine(['call', '--config', 'g.yaml']), /call needs the name of a tool/);
    assert.throws(() => parseCommandLine(['serve', '--json']), /serve takes no option --json/);
    assert.throws(() => parseCommandLine(['tools', '--stdio', '--config', 'g.yaml']), /tools takes no option --stdio/);
  });
});
