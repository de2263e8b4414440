import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseCommandLine, parseHostPort, type ServeArgs } from '../../src/cli/args.ts';
import { toolCommand } from '../../src/cli/tool-commands.ts';
import { UsageError } from '../../src/cli/usage-error.ts';
import { ConfigError, configFromEnv, DEFAULT_CONFIG, loadConfig } from '../../src/config/config.ts';
import { configSchemaText } from '../../src/config/schema-file.ts';
import { CONFIG_SCHEMA } from '../../src/config/schema.ts';
import { MAX_TIMER_MS } from '../../src/protocol/timer-limit.ts';

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

  it('reports a wrong setting with its source, its name, the value and what was expected', async () => {
    const expectProblem = async (text: string, env: NodeJS.ProcessEnv, pattern: RegExp) => {
      const path = await file('bad.yaml', text);
      await assert.rejects(loadConfig(path, env), (e: unknown) => e instanceof ConfigError && pattern.test(e.message.replaceAll(path, 'FILE')));
    };
    await expectProblem('http:\n  port: "eighty"\n', {}, /^FILE: http\.port is "eighty"; expected an integer from 0 to 65535$/);
    await expectProblem('http:\n  port: 70000\n', {}, /^FILE: http\.port is 70000; expected an integer from 0 to 65535$/);
    await expectProblem('htp:\n  port: 1\n', {}, /^FILE: htp is not a known setting; did you mean http\?$/);
    await expectProblem('http:\n  sessions: { maxSessions: 0 }\n', {}, /http\.sessions\.maxSessions is 0; expected an integer >= 1/);
    await expectProblem('http:\n  allowedOrigins: [1]\n', {}, /http\.allowedOrigins\[0\] is 1; expected a string/);
    await expectProblem('http:\n  path: mcp\n', {}, /http\.path is "mcp"; expected a string matching \^\//);
    await expectProblem('stdio: yes\n', {}, /stdio is "yes"; expected an object/);
    await expectProblem('zzz: 1\n', {}, /zzz is not a known setting; known here: \$schema, server, http/);
    // Every problem at once, each with its own source.
    await expectProblem('workers: 0\n', { MCP__DEMO: 'maybe' }, /invalid configuration:\n {2}MCP__DEMO: demo is "maybe"; expected true or false\n {2}FILE: workers is 0; expected an integer from 1 to 256$/);
    await assert.rejects(loadConfig(await file('bad.json', '{ nope'), {}), /is not valid JSON/);
    await assert.rejects(loadConfig(await file('list.yaml', '- a\n'), {}), /must hold an object \(a map of sections\), not a list/);
    await assert.rejects(loadConfig('/no/such/file.yaml', {}), /Cannot read config file/);
    assert.throws(() => configFromEnv({ MCP__HTTP__NOPE: '1' }), /^Error: MCP__HTTP__NOPE does not name a setting; http has: host, port, path/);
    await assert.rejects(loadConfig(undefined, { MCP__DEMO: 'maybe' }), /^Error: MCP__DEMO: demo is "maybe"; expected true or false$/);
    await assert.rejects(loadConfig(undefined, { MCP__HTTP__PORT: '65536' }), /MCP__HTTP__PORT: http\.port is 65536; expected an integer from 0 to 65535/);
    await assert.rejects(loadConfig(undefined, { MCP__HTTP__MAXBODYBYTES: '1.5' }), /MCP__HTTP__MAXBODYBYTES: http\.maxBodyBytes is 1\.5; expected an integer >= 1/);
    await assert.rejects(loadConfig(undefined, { MCP__LOGGING__LEVEL: 'loud' }), /^Error: MCP__LOGGING__LEVEL: logging\.level is "loud"; expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent"$/);
    await expectProblem('mcpServers:\n  a: { command: x, breaker: { failureRate: 1 } }\n', {}, /^FILE: mcpServers\.a\.breaker\.failureRate is 1; expected a number > 0 and < 1$/);
    await expectProblem('auth:\n  requiredScopes: mcp\n', {}, /^FILE: auth\.requiredScopes is "mcp"; expected a list, each a non-empty string matching /);
  });

  it('regression: refuses a JSON key given twice (the last was taken silently) and a document nested past 64 levels (a RangeError naming nothing), naming the file and where', async () => {
    const twice = async (text: string) => loadConfig(await file('twice.json', text), {}).then(() => 'accepted', (error: Error) => error.message.replace(/^.*twice\.json /, ''));
    assert.equal(await twice('{"mcpServers":{"a":{"command":"x"},"a":{"command":"y"}}}'), 'has the key "a" twice in mcpServers');
    assert.equal(await twice('{"http":{"port":1},"http":{"port":2}}'), 'has the key "http" twice in the configuration');
    assert.equal(await twice('{"http":{"allowedOrigins":["a","b"],"allowedHosts":["a","a"],"port":1,"port":2}}'), 'has the key "port" twice in http');
    assert.equal(await twice('{"mcpServers":{"a":{"command":"x","args":["[\\"{", "}"],"env":{"K\\"":"1","K\\u0022":"2"}}}}'), 'has the key "K\\"" twice in mcpServers.a.env');
    assert.equal(await twice('{"mcpServers":{"a":{"command":"x","args":["k","k"],"env":{"k":"k"}}}}'), 'accepted');
    const deep = `{"server":${'{"x":'.repeat(100_000)}1${'}'.repeat(100_000)}}`;
    await assert.rejects(loadConfig(await file('deep.json', deep), {}), (error: unknown) => error instanceof ConfigError && /deep\.json nests deeper than 64 levels$/.test(error.message));
  });

  it('regression: refuses a YAML key given twice as a JSON one, in time linear in the file (a map of 100,000 keys took two minutes: yaml compares each key with every key before it)', { timeout: 30_000 }, async () => {
    const twice = async (text: string) => loadConfig(await file('twice.yaml', text), {}).then(() => 'accepted', (error: Error) => error.message.replace(/^.*twice\.yaml /, ''));
    assert.equal(await twice('mcpServers:\n  a: {command: x}\n  a: {command: y}\n'), 'has the key "a" twice in mcpServers');
    assert.equal(await twice('http: {port: 1}\nhttp: {port: 2}\n'), 'has the key "http" twice in the configuration');
    assert.equal(await twice('http:\n  allowedHosts: [a, a]\n  port: 1\n  "port": 2\n'), 'has the key "port" twice in http');
    // Keys become the names of an object's members: 1 and "1" are one name.
    assert.equal(await twice('mcpServers:\n  a:\n    command: x\n    env: {1: a, "1": b}\n'), 'has the key "1" twice in mcpServers.a.env');
    assert.equal(await twice('mcpServers:\n  a: {command: x, args: [k, k], env: {k: k}}\n'), 'accepted');
    assert.match(await twice('http: [\n'), /^is not valid YAML: /);
    const many = Array.from({ length: 100_000 }, (_, i) => `  k${i}: ${i}\n`).join('');
    assert.equal(await twice(`mcpServers:\n  a: {command: x, env: {k1: x, k1: y}}\nserver:\n${many}  k7: 7\n`), 'has the key "k1" twice in mcpServers.a.env');
    assert.equal(await twice(`notes:\n${many}  k99999: again\n`), 'has the key "k99999" twice in notes');
  });

  it('regression: refuses a duration longer than a timer holds, which setTimeout would fire after 1 ms', async () => {
    // Every duration in milliseconds, wherever it is (sections, an upstream's options), is bounded.
    const unbounded: string[] = [];
    (function walk(node: unknown, key: string): void {
      if (typeof node !== 'object' || node === null) return;
      const schema = node as Record<string, unknown>;
      if (key.endsWith('Ms') && (schema.type === 'integer' || schema.type === 'number') && !((schema.maximum as number) <= MAX_TIMER_MS)) unbounded.push(key);
      for (const [name, child] of Object.entries(schema)) walk(child, name);
    })(CONFIG_SCHEMA, '');
    assert.deepEqual(unbounded, []);
    await assert.rejects(
      loadConfig(undefined, { MCP__GATEWAY__INPUTTIMEOUTMS: '3000000000' }),
      /MCP__GATEWAY__INPUTTIMEOUTMS: gateway\.inputTimeoutMs is 3000000000; expected an integer from 1 to 2147483647/,
    );
    const path = await file('upstream.json', '{"mcpServers":{"a":{"command":"x","timeoutMs":3000000000}}}');
    await assert.rejects(loadConfig(path, {}), /mcpServers\.a\.timeoutMs is 3000000000; expected an integer from 1 to 2147483647/);
    assert.equal((await loadConfig(undefined, { MCP__SERVER__SHUTDOWNDEADLINEMS: String(MAX_TIMER_MS) })).server.shutdownDeadlineMs, MAX_TIMER_MS);
  });

  it('layers a base file, then an override file, then the environment', async () => {
    const base = await file('base.yaml', 'server: { name: base, instructions: from-base }\nhttp: { port: 4000, allowedOrigins: [https://a.example] }\n');
    const override = await file('override.json', JSON.stringify({ server: { name: 'override' }, http: { allowedOrigins: ['https://b.example'] } }));
    const config = await loadConfig([base, override], { MCP__SERVER__NAME: 'env' });
    assert.equal(config.server.name, 'env');
    assert.equal(config.server.instructions, 'from-base', 'kept from the base file');
    assert.equal(config.http.port, 4000);
    assert.deepEqual(config.http.allowedOrigins, ['https://b.example'], 'a list is replaced, not appended to');
    // The source named in an error is the layer that set the value last.
    await assert.rejects(loadConfig([base, await file('o.yaml', 'http: { port: -1 }\n')], {}), /o\.yaml: http\.port is -1/);
  });

  it('types MCP__ variables by the schema', () => {
    assert.deepEqual(
      configFromEnv({
        MCP__HTTP__PORT: '8080',
        MCP__HTTP__SESSIONS__ENABLED: 'FALSE',
        MCP__HTTP__SESSIONS__IDLETIMEOUTMS: '2.5e3',
        MCP__HTTP__ALLOWEDHOSTS: '["a.example:1","b.example"]',
        MCP__HTTP__ALLOWEDORIGINS: '',
        MCP__SERVER__VERSION: '2',
        MCP__WORKERS: ' 3 ',
        OTHER: 'ignored',
      }),
      {
        http: { port: 8080, sessions: { enabled: false, idleTimeoutMs: 2500 }, allowedHosts: ['a.example:1', 'b.example'], allowedOrigins: [] },
        server: { version: '2' },
        workers: 3,
      },
    );
    assert.throws(() => configFromEnv({ MCP__: 'x' }), /MCP__ does not name a setting/);
    assert.throws(() => configFromEnv({ MCP__HTTP__PORT__X: '1' }), /MCP__HTTP__PORT__X does not name a setting/);
  });

  it('store.redis.url comes from MCP__STORE__REDIS__URL, must be a redis URL, and is a secret', async () => {
    const config = await loadConfig(undefined, { MCP__STORE__REDIS__URL: 'redis://:pw@cache:6379/2' });
    assert.equal(config.store.redis.url, 'redis://:pw@cache:6379/2');
    assert.equal(config.store.redis.keyPrefix, 'mcp-core');
    assert.deepEqual(config.store.redis.onUnavailable, { sessions: 'closed', tasks: 'closed' });
    assert.equal(DEFAULT_CONFIG.store.redis.url, undefined, 'memory unless set');
    await assert.rejects(
      loadConfig(undefined, { MCP__STORE__REDIS__URL: 'http://cache:6379' }),
      (e: unknown) => e instanceof ConfigError && /store\.redis\.url is \(hidden\)/.test(e.message) && !e.message.includes('cache:6379'),
    );
  });

  it('takes __proto__ and constructor keys as the unknown settings they are, polluting nothing', async () => {
    const path = await file('proto.json', '{"__proto__": {"polluted": true}, "http": {"constructor": 1}}');
    await assert.rejects(loadConfig(path, {}), (e: unknown) => e instanceof ConfigError && /__proto__ is not a known setting/.test(e.message) && /http\.constructor is not a known setting/.test(e.message));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('never shows a secret in an error', async () => {
    const path = await file('secret.yaml', 'server:\n  requestStateSecret: ["s3cret-value"]\n');
    await assert.rejects(loadConfig(path, {}), (e: unknown) => e instanceof ConfigError && /server\.requestStateSecret is \(hidden\)/.test(e.message) && !e.message.includes('s3cret-value'));
  });

  it('never quotes a secret given in the wrong shape, nor the text around a parse error', async () => {
    // A section holding secrets given as text (a URL one level too high, JSON that does not
    // parse) was quoted whole, as were the lines a parser quotes around its fault.
    const refused = async (files: string[], env: NodeJS.ProcessEnv, pattern: RegExp) => {
      await assert.rejects(loadConfig(files, env), (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, pattern);
        assert.doesNotMatch(e.message, /s3cret/);
        return true;
      });
    };
    await refused([], { MCP__STORE__REDIS: 'redis://user:s3cret@cache:6379' }, /^MCP__STORE__REDIS: store\.redis is \(hidden\); expected an object$/);
    await refused([], { MCP__AUTH__APIKEYS__ALICE: '{"key": "s3cret-s3cret-s3cret"' }, /^MCP__AUTH__APIKEYS__ALICE: auth\.apiKeys\.ALICE is \(hidden\); expected an object$/);
    await refused([], { MCP__MCPSERVERS: '["s3cret"]' }, /mcpServers is \(hidden\)/);
    await refused([await file('store.yaml', 'store: redis://user:s3cret@cache\n')], {}, /store is \(hidden\); expected an object/);
    await refused([await file('quote.yaml', 'server:\n  requestStateSecret: "s3cret\n  name: x\n')], {}, /is not valid YAML: Missing closing "quote at line 4, column 1$/);
    await refused([await file('nested.yaml', 'server:\n  requestStateSecret: s3cret: x\n')], {}, /is not valid YAML: .* at line 2, column 23$/);
    await refused([await file('bare.json', '{"server": {"requestStateSecret": s3cret}}')], {}, /is not valid JSON: Unexpected token 's' \(the text there is not shown: it may hold a secret\)$/);
    // What holds no secret is still shown, and a section's secrets hidden inside it.
    await refused([], { MCP__HTTP: 'nope' }, /^MCP__HTTP: http is "nope"; expected an object$/);
    await refused([], { MCP__SERVER: '{"name": 5, "requestStateSecret": "s3cret"}' }, /^MCP__SERVER: server\.name is 5; expected a non-empty string$/);
  });

  it('embedded defaults satisfy the schema, and the published schema file matches the sources', async () => {
    const { configValidator } = await import('../../src/config/validator.ts');
    const validate = configValidator();
    assert.ok(validate(structuredClone(DEFAULT_CONFIG)), JSON.stringify(validate.errors));
    const published = await readFile(new URL('../../schema/mcp-core.schema.json', import.meta.url), 'utf8');
    assert.equal(published, configSchemaText(), 'schema/mcp-core.schema.json is out of date: run npm run generate:config-schema');
  });

  it('a config key named after an Object.prototype member is not a known setting', async () => {
    for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      await assert.rejects(loadConfig(await file('proto.json', `{"${key}": {}}`), {}), new RegExp(`${key} is not a known setting`));
      await assert.rejects(loadConfig(await file('proto.json', `{"http": {"${key}": {}}}`), {}), new RegExp(`${key} is not a known setting`));
    }
  });
});

describe('command line', () => {
  it('parses serve and its options', () => {
    assert.deepEqual(parseCommandLine(['serve', '--stdio', '--demo']), { command: 'serve', config: [], stdio: true, http: undefined, demo: true, workers: undefined });
    assert.equal((parseCommandLine(['serve', '--workers', '4']) as ServeArgs).workers, 4);
    assert.throws(() => parseCommandLine(['serve', '--workers', '0']), /--workers expects/);
    assert.deepEqual((parseCommandLine(['serve', '--http', '0.0.0.0:8080', '--config', 'c.yaml']) as ServeArgs).http, { host: '0.0.0.0', port: 8080 });
    assert.deepEqual(parseHostPort('[::1]:9000'), { host: '::1', port: 9000 });
    assert.deepEqual(parseHostPort('3000'), { host: '127.0.0.1', port: 3000 });
    assert.equal(parseCommandLine([]).command, 'help');
    assert.equal(parseCommandLine(['--version']).command, 'version');
    assert.deepEqual(parseCommandLine(['config', 'check', 'c.yaml']), { command: 'config-check', files: ['c.yaml'] });
    assert.deepEqual(parseCommandLine(['config', 'check', 'base.yaml', 'override.yaml']), { command: 'config-check', files: ['base.yaml', 'override.yaml'] });
    assert.deepEqual((parseCommandLine(['serve', '--config', 'base.yaml', '--config=override.yaml']) as ServeArgs).config, ['base.yaml', 'override.yaml']);
  });

  it('refuses what it does not understand', () => {
    assert.throws(() => parseCommandLine(['launch']), UsageError);
    assert.throws(() => parseCommandLine(['serve', '--http', 'nope']), /HOST:PORT/);
    assert.throws(() => parseCommandLine(['serve', '--verbose']), UsageError);
    assert.throws(() => parseCommandLine(['config']), /config needs a subcommand: check FILE/);
    assert.throws(() => parseCommandLine(['config', 'show', 'c.yaml']), /Unknown config subcommand "show"/);
    assert.throws(() => parseCommandLine(['config', 'check']), /config check takes at least one FILE/);
    assert.throws(() => parseCommandLine(['config', 'check', 'c.yaml', '--demo']), /config check takes no option --demo/);
    assert.throws(() => parseCommandLine(['engine', '--demo']), /engine takes no arguments/);
    assert.throws(() => parseCommandLine(['serve', '--json']), /serve takes no option --json/);
    assert.throws(() => parseCommandLine(['serve', 'extra']), /Unexpected argument "extra"/);
    assert.throws(() => parseCommandLine(['serve', '--client-id', 'x']), /--client-id applies to commands that call a server/);
    assert.throws(() => parseCommandLine(['tools']), /tools needs --config FILE \(with mcpServers\)/);
    assert.throws(() => parseCommandLine(['tools', '--config', 'c.json', '--stdio']), /tools takes no option --stdio/);
    assert.throws(() => parseCommandLine(['tools', 'x', '--config', 'c.json']), /Unexpected argument "x"/);
    assert.throws(() => parseCommandLine(['tools', '--config', 'c.json', '--args', '{}']), /tools takes no option --args/);
    assert.throws(() => parseCommandLine(['call', '--config', 'c.json']), /call needs the name of a tool$/);
    assert.throws(() => parseCommandLine(['call', 'a', 'b', '--config', 'c.json']), /Unexpected argument "b"/);
    assert.throws(() => parseCommandLine(['login', 'https://a.example', 'https://b.example']), /login takes the URL of an MCP server/);
    assert.throws(() => parseCommandLine(['login', 'https://a.example', '--demo']), /login takes only authentication options/);
    assert.throws(() => parseCommandLine(['login', 'not a url']), /login expects an http\(s\) URL, got "not a url"/);
    assert.deepEqual(parseCommandLine(['call', 't', '--config', 'c.json', '--json']), { command: 'call', config: ['c.json'], tool: 't', args: '{}', json: true });
    assert.deepEqual(parseCommandLine(['engine']), { command: 'engine' });
  });

  it('regression: refuses an option given twice, and an empty tool name (the last value was taken silently; `call \'\'` ran and said "Unknown tool: ")', () => {
    assert.throws(() => parseCommandLine(['serve', '--http', ':1', '--http=:2']), (error: Error) => error instanceof UsageError && error.message === 'Option --http is given twice');
    assert.throws(() => parseCommandLine(['call', 't', '--args', '{}', '--args', '{"a":1}', '--config', 'c.json']), /Option --args is given twice/);
    assert.throws(() => parseCommandLine(['login', 'https://a.example', '--scope', 'a', '--scope', 'b']), /Option --scope is given twice/);
    assert.throws(() => parseCommandLine(['call', '', '--config', 'c.json']), /call needs the name of a tool, not an empty one/);
    assert.deepEqual((parseCommandLine(['serve', '--stdio', '--stdio', '--config', 'a.json', '--config', 'b.json']) as ServeArgs).config, ['a.json', 'b.json']);
  });

  it('regression: `call` refuses --args nested past what a server takes as a usage error (exit 2), before any upstream starts (it started them, and the call failed with exit 1)', async () => {
    const call = (depth: number) => toolCommand({ command: 'call', config: ['no-such-file.json'], tool: 't', args: '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1), json: false });
    await assert.rejects(call(1000), (error: Error) => error instanceof UsageError && error.message === '--args nests deeper than 999 levels');
    // 999 levels pass on to the configuration, here a file that does not exist.
    await assert.rejects(call(999), (error: Error) => !(error instanceof UsageError) && /no-such-file/.test(error.message));
  });

  it('`call` refuses --args that are no JSON, and `tools` and `call` a configuration without upstreams, as usage errors', async () => {
    await assert.rejects(toolCommand({ command: 'call', config: ['c.json'], tool: 't', args: '{a: 1}', json: false }), (error: Error) => error instanceof UsageError && /^--args must be JSON: /.test(error.message));
    const empty = await file('empty.json', JSON.stringify({ mcpServers: {} }));
    for (const command of ['tools', 'call'] as const) {
      const args = command === 'tools' ? { command, config: [empty], json: false } : { command, config: [empty], tool: 't', args: '{}', json: false };
      await assert.rejects(toolCommand(args), (error: Error) => error instanceof UsageError && error.message === `no upstreams: ${empty} has no mcpServers`);
    }
  });
});

describe('command line forms', () => {
  it('accepts --name=value, a value after the name, -h and --', () => {
    assert.deepEqual((parseCommandLine(['serve', '--config=c.json']) as ServeArgs).config, ['c.json']);
    assert.deepEqual((parseCommandLine(['serve', '--config', 'c.json']) as ServeArgs).config, ['c.json']);
    assert.equal(parseCommandLine(['-h']).command, 'help');
    assert.equal(parseCommandLine(['-v']).command, 'version');
    assert.throws(() => parseCommandLine(['serve', '--config']), /--config needs a value/);
    assert.throws(() => parseCommandLine(['serve', '--stdio=yes']), /Unknown option/);
    assert.throws(() => parseCommandLine(['serve', '--', '--demo']), /Unexpected argument "--demo"/);
  });
});
