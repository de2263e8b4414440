import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseCommandLine, parseHostPort, UsageError, type ServeArgs } from '../../src/cli/args.ts';
import { ConfigError, configFromEnv, DEFAULT_CONFIG, loadConfig } from '../../src/config/config.ts';

async function file(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-core-config-'));
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('configuration', () => {
  it('layers defaults, a YAML or JSON file, then MCP__ variables', async () => {
    const yaml = await file('c.yaml', 'server:\n  name: from-file\nhttp:\n  port: 4000\n  sessions:\n    maxSessions: 5\n');
    const config = await loadConfig(yaml, { MCP__HTTP__PORT: '5000', MCP__HTTP__ALLOWEDORIGINS: 'https://a.example,https://b.example' });
    assert.equal(config.server.name, 'from-file');
    assert.equal(config.server.version, DEFAULT_CONFIG.server.version);
    assert.equal(config.http.port, 5000);
    assert.equal(config.http.sessions.maxSessions, 5);
    assert.equal(config.http.sessions.idleTimeoutMs, DEFAULT_CONFIG.http.sessions.idleTimeoutMs);
    assert.deepEqual(config.http.allowedOrigins, ['https://a.example', 'https://b.example']);
    const json = await file('c.json', JSON.stringify({ demo: true, stdio: { enabled: true } }));
    const fromJson = await loadConfig(json, {});
    assert.equal(fromJson.demo, true);
    assert.equal(fromJson.stdio.enabled, true);
  });

  it('reports a wrong setting with its path and source', async () => {
    await assert.rejects(loadConfig(await file('bad.yaml', 'http:\n  port: "eighty"\n'), {}), (e: unknown) => e instanceof ConfigError && /config\.http\.port must be a port number from 0 to 65535/.test(e.message));
    await assert.rejects(loadConfig(await file('bad.yaml', 'htp:\n  port: 1\n'), {}), /config\.htp is not a known setting/);
    await assert.rejects(loadConfig(await file('bad.json', '{ nope'), {}), /is not valid JSON/);
    await assert.rejects(loadConfig('/no/such/file.yaml', {}), /Cannot read config file/);
    assert.throws(() => configFromEnv({ MCP__HTTP__NOPE: '1' }), /MCP__HTTP__NOPE does not name a setting/);
    assert.throws(() => configFromEnv({ MCP__DEMO: 'maybe' }), /MCP__DEMO must be a boolean/);
    assert.throws(() => configFromEnv({ MCP__HTTP__PORT: '65536' }), /MCP__HTTP__PORT must be a port number from 0 to 65535/);
    assert.throws(() => configFromEnv({ MCP__HTTP__MAXBODYBYTES: '1.5' }), /must be a whole number, at least 1/);
    assert.throws(() => configFromEnv({ MCP__HTTP__SESSIONS__MAXSESSIONS: '0' }), /must be a whole number, at least 1/);
  });
});

describe('command line', () => {
  it('parses serve and its options', () => {
    assert.deepEqual(parseCommandLine(['serve', '--stdio', '--demo']), { command: 'serve', config: undefined, stdio: true, http: undefined, demo: true, workers: undefined });
    assert.equal((parseCommandLine(['serve', '--workers', '4']) as ServeArgs).workers, 4);
    assert.throws(() => parseCommandLine(['serve', '--workers', '0']), /--workers expects/);
    assert.deepEqual((parseCommandLine(['serve', '--http', '0.0.0.0:8080', '--config', 'c.yaml']) as ServeArgs).http, { host: '0.0.0.0', port: 8080 });
    assert.deepEqual(parseHostPort('[::1]:9000'), { host: '::1', port: 9000 });
    assert.deepEqual(parseHostPort('3000'), { host: '127.0.0.1', port: 3000 });
    assert.equal(parseCommandLine([]).command, 'help');
    assert.equal(parseCommandLine(['--version']).command, 'version');
    assert.deepEqual(parseCommandLine(['config', 'check', 'c.yaml']), { command: 'config-check', file: 'c.yaml' });
  });

  it('refuses what it does not understand', () => {
    assert.throws(() => parseCommandLine(['launch']), UsageError);
    assert.throws(() => parseCommandLine(['serve', '--http', 'nope']), /HOST:PORT/);
    assert.throws(() => parseCommandLine(['serve', '--verbose']), UsageError);
    assert.throws(() => parseCommandLine(['config']), /config needs a subcommand: check FILE/);
    assert.throws(() => parseCommandLine(['config', 'show', 'c.yaml']), /Unknown config subcommand "show"/);
    assert.throws(() => parseCommandLine(['config', 'check']), /config check takes one FILE/);
    assert.throws(() => parseCommandLine(['config', 'check', 'c.yaml', '--demo']), /config check takes no option --demo/);
  });
});

describe('command line forms', () => {
  it('accepts --name=value, a value after the name, -h and --', () => {
    assert.equal((parseCommandLine(['serve', '--config=c.json']) as ServeArgs).config, 'c.json');
    assert.equal((parseCommandLine(['serve', '--config', 'c.json']) as ServeArgs).config, 'c.json');
    assert.equal(parseCommandLine(['-h']).command, 'help');
    assert.equal(parseCommandLine(['-v']).command, 'version');
    assert.throws(() => parseCommandLine(['serve', '--config']), /--config needs a value/);
    assert.throws(() => parseCommandLine(['serve', '--stdio=yes']), /Unknown option/);
    assert.throws(() => parseCommandLine(['serve', '--', '--demo']), /Unexpected argument "--demo"/);
  });
});
