import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BrokenCircuitError, BulkheadRejectedError } from 'cockatiel';
import { Catalog } from '../../src/manager/catalog.ts';
import { foldName, toolFilter } from '../../src/manager/tool-filter.ts';
import { classify, fallbackResult, FAILURE_META_KEY, isFault, UpstreamFailure } from '../../src/manager/failures.ts';
import { LocalErrorCode, McpLocalError } from '../../src/protocol/local-errors.ts';
import { McpError } from '../../src/protocol/wire-errors.ts';
import { parseManagerConfig } from '../../src/manager/config.ts';
import { LatencyWindow } from '../../src/manager/latency.ts';
import { Namespace } from '../../src/manager/names.ts';
import { MAX_QUERY_WORDS, queryProblem, ToolIndex, words } from '../../src/manager/tool-search.ts';
import type { Tool } from '../../src/protocol/types.ts';

const ns = new Namespace('__');

describe('namespacing', () => {
  it('prefixes names and splits them at the first separator', () => {
    assert.equal(ns.name('github', 'create_issue'), 'github__create_issue');
    assert.deepEqual(ns.splitName('a__b__c'), { upstream: 'a', name: 'b__c' });
    assert.equal(ns.splitName('plain'), undefined);
    assert.equal(ns.splitName('__x'), undefined);
  });

  it('namespaces URIs behind their scheme, so ui:// stays ui://, and back', () => {
    const cases: Array<[string, string]> = [
      ['ui://widget/panel.html', 'ui://apps__widget/panel.html'],
      ['file:///etc/hosts', 'file://apps__/etc/hosts'],
      ['demo://resource/{id}', 'demo://apps__resource/{id}'],
      ['urn:isbn:123', 'urn:apps__isbn:123'],
      ['{+path}', 'apps__{+path}'],
    ];
    for (const [uri, exposed] of cases) {
      assert.equal(ns.uri('apps', uri), exposed);
      assert.deepEqual(ns.splitUri(exposed), { upstream: 'apps', uri });
    }
    assert.equal(ns.splitUri('ui://widget/panel.html'), undefined);
  });

  it('rewrites MCP Apps resource URIs in definitions, and links and embedded resources in results', () => {
    const rewriter = new Catalog(ns).rewriter('apps');
    assert.deepEqual(rewriter.meta({ ui: { resourceUri: 'ui://w/p.html', visibility: ['app'] }, 'ui/resourceUri': 'ui://w/p.html' }), {
      ui: { resourceUri: 'ui://apps__w/p.html', visibility: ['app'] },
      'ui/resourceUri': 'ui://apps__w/p.html',
    });
    const result = { content: [{ type: 'text', text: 'x' }, { type: 'resource_link', uri: 'file:///a', name: 'a' }, { type: 'resource', resource: { uri: 'ui://w', text: '' } }] };
    assert.deepEqual(rewriter.toolResult(result).content, [
      { type: 'text', text: 'x' },
      { type: 'resource_link', uri: 'file://apps__/a', name: 'a' },
      { type: 'resource', resource: { uri: 'ui://apps__w', text: '' } },
    ]);
    const plain = { content: [{ type: 'text', text: 'x' }] };
    assert.equal(rewriter.toolResult(plain), plain, 'nothing to rewrite: the same object');
    assert.deepEqual(rewriter.readResult({ contents: [{ uri: 'ui://w', text: '<p>' }] }), { contents: [{ uri: 'ui://apps__w', text: '<p>' }] });
  });
});

describe('the aggregate', () => {
  const tool = (name: string, extra: Partial<Tool> = {}): Tool => ({ name, inputSchema: { type: 'object' }, ...extra });

  it('lists upstreams in config order, filters tools, reports duplicates without shadowing', () => {
    const spec = parseManagerConfig({
      mcpServers: { b: { command: 'x', tools: { deny: ['secret_*'] } }, a: { command: 'x', tools: { allow: ['read*', 'list'] } } },
    }, {});
    const catalog = new Catalog(ns);
    catalog.setUpstreams(spec.upstreams);
    const empty = { resources: [], templates: [], prompts: [] };
    catalog.update('a', 'tools', { tools: [tool('read_file'), tool('write_file'), tool('list')], ...empty });
    catalog.update('b', 'tools', { tools: [tool('echo', { annotations: { readOnlyHint: true } }), tool('secret_x'), tool('echo', { description: 'again' })], ...empty });
    assert.deepEqual(catalog.tools().map((route) => route.wire.name), ['b__echo', 'a__read_file', 'a__list']);
    assert.deepEqual(catalog.tool('b__echo'), { upstream: 'b', name: 'echo', wire: tool('b__echo', { annotations: { readOnlyHint: true } }), safe: true, taskSupport: 'forbidden' });
    assert.equal(catalog.tool('a__read_file')?.safe, false);
    assert.deepEqual(catalog.collisions(), [{ kind: 'tool', name: 'b__echo', upstream: 'b', reason: 'b lists b__echo more than once; the first is kept' }]);
    catalog.clear('b');
    assert.deepEqual(catalog.tools().map((route) => route.wire.name), ['a__read_file', 'a__list']);
    assert.equal(catalog.tool('b__echo'), undefined);
  });

  it('filters with * patterns', () => {
    const [spec] = parseManagerConfig({ mcpServers: { a: { command: 'x', tools: { allow: ['get_*', 'ping'], deny: ['get_secret'] } } } }, {}).upstreams;
    const allowed = toolFilter(spec);
    assert.deepEqual(['get_a', 'get_secret', 'ping', 'pingx', 'put_a', 'get.'].filter(allowed), ['get_a', 'ping']);
  });

  it('regression: a deny pattern holds against the name in another case, compatibility form, with invisible characters or spaces; allow stays exact', () => {
    const [spec] = parseManagerConfig({ mcpServers: { a: { command: 'x', tools: { deny: ['delete_*', '*_ADMIN'] } } } }, {}).upstreams;
    const offered = toolFilter(spec);
    const variants = ['Delete_File', 'DELETE_FILE', 'delete_file ', ' delete_file', 'ｄｅｌｅｔｅ_file', 'delete\u200b_file', 'de\u00adlete_file', 'delete\ufeff_x', 'set_admin'];
    assert.deepEqual(variants.filter(offered), []);
    assert.deepEqual(['deleted', 'read_file', 'admin_set'].filter(offered), ['deleted', 'read_file', 'admin_set']);
    assert.equal(foldName(' Ｄｅｌｅｔｅ\u200b_File '), 'delete_file');
    const [exact] = parseManagerConfig({ mcpServers: { a: { command: 'x', tools: { allow: ['read_*'] } } } }, {}).upstreams;
    assert.deepEqual(['read_file', 'Read_file', 'read_file ', 'ｒｅａｄ_file'].filter(toolFilter(exact)), ['read_file', 'read_file ']);
  });

  it('regression: a pattern of many stars against a long name is matched in linear time (a RegExp took 51 s for 4,000 characters)', { timeout: 30_000 }, () => {
    const [spec] = parseManagerConfig({ mcpServers: { a: { command: 'x', tools: { allow: ['*a*b*c*'], deny: ['*a*b*c*d'] } } } }, {}).upstreams;
    const offered = toolFilter(spec);
    assert.equal(offered(`${'ab'.repeat(50_000)}${'c'.repeat(100_000)}`), true);
    assert.equal(offered(`${'ab'.repeat(50_000)}${'c'.repeat(100_000)}d`), false);
    assert.equal(offered('bca'), false);
    assert.equal(offered('abc'), true);
    // A piece may not overlap the last: `*ab*b` needs two b's.
    assert.equal(toolFilter({ tools: { allow: ['*ab*b'], deny: [] } })('ab'), false);
    assert.equal(toolFilter({ tools: { allow: ['a*a'], deny: [] } })('a'), false);
  });

  it('regression: a resource whose namespaced URI would lead to another upstream is left out and reported (separator ".")', () => {
    const dot = new Namespace('.');
    const catalog = new Catalog(dot);
    catalog.setUpstreams(parseManagerConfig({ mcpServers: { a: { command: 'x' }, b: { command: 'x' } }, gateway: { separator: '.' } }, {}).upstreams);
    // From a, `.x:b.y` would be `a..x:b.y`: scheme `a..x`, then `b.y`, which names upstream b.
    catalog.update('a', 'resources', { tools: [], prompts: [], resources: [{ uri: '.x:b.y', name: 'sly' }, { uri: 'file:///ok', name: 'ok' }], templates: [{ uriTemplate: '-t:b.{id}', name: 'sly' }] });
    assert.deepEqual(catalog.resources().map((entry) => entry.wire.uri), ['file://a./ok']);
    assert.deepEqual(catalog.templates(), []);
    assert.deepEqual(catalog.collisions().map((collision) => collision.reason), [
      'a\'s resource ".x:b.y" is left out: namespaced as "a..x:b.y", it would not lead back to it',
      'a\'s template "-t:b.{id}" is left out: namespaced as "a.-t:b.{id}", it would not lead back to it',
    ]);
  });
});

describe('tool search', () => {
  const tools: Tool[] = [
    { name: 'github__create_issue', description: 'Create a new issue in a GitHub repository', inputSchema: { type: 'object' } },
    { name: 'github__list_issues', description: 'List issues of a repository', inputSchema: { type: 'object' } },
    { name: 'jira__createTicket', description: 'Open a ticket (an issue) in Jira', inputSchema: { type: 'object' } },
    { name: 'files__read_file', description: 'Read a file from disk', inputSchema: { type: 'object' } },
  ];

  it('splits names into words in every common style', () => {
    assert.deepEqual(words('github__createIssue-now'), ['github', 'create', 'issue', 'now']);
  });

  it('ranks name matches over description matches and leaves out what matches nothing', () => {
    const index = new ToolIndex(tools);
    const hits = index.search('create issue', 10);
    assert.equal(hits[0].name, 'github__create_issue');
    assert.deepEqual(hits.map((hit) => hit.name).sort(), ['github__create_issue', 'github__list_issues', 'jira__createTicket'].sort());
    assert.deepEqual(index.search('read file', 1).map((hit) => hit.name), ['files__read_file']);
    assert.deepEqual(index.search('weather', 5), []);
    assert.ok(hits[0].inputSchema, 'hits carry the input schema, to call the tool with');
  });

  it('refuses a query past its bounds, saying which', () => {
    assert.equal(queryProblem('create issue'), undefined);
    assert.equal(queryProblem('x'.repeat(2000)), 'A query has at most 1000 characters; this one has 2000. Use a few words that say what the tool does.');
    assert.equal(queryProblem(Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ')), 'A query has at most 32 distinct words; this one has 40. Keep the words that say what the tool does.');
    assert.equal(queryProblem('read '.repeat(100)), undefined, 'a word repeated counts once');
  });

  it('regression: reads only the first words of a query (100,000 words against 1,000 tools held the event loop for 4.7 s)', () => {
    const index = new ToolIndex(tools);
    const filler = Array.from({ length: MAX_QUERY_WORDS - 2 }, (_, i) => `w${i}x`).join(' ');
    assert.deepEqual(index.search(`${filler} weather weather read`, 5).map((hit) => hit.name), ['files__read_file'], 'the last word read (a repeated one counts once)');
    assert.deepEqual(index.search(`${filler} weather wind read`, 5), [], 'the word after the last read');
    const endless = `${Array.from({ length: 100_000 }, (_, i) => `w${i}x`).join(' ')} read`;
    assert.deepEqual(index.search(endless, 5), []);
  });
});

describe('latency window', () => {
  it('reports p50 and p99 of the recent calls only', () => {
    const window = new LatencyWindow(100);
    assert.deepEqual(window.summary(), { p50: null, p99: null, samples: 0 });
    for (let i = 1; i <= 100; i++) window.record(i);
    assert.deepEqual(window.summary(), { p50: 50, p99: 99, samples: 100 });
    for (let i = 0; i < 100; i++) window.record(1000);
    assert.deepEqual(window.summary(), { p50: 1000, p99: 1000, samples: 100 });
  });
});

describe('upstream failures', () => {
  it('regression: an ordinary local error is not taken for an UpstreamFailure (instanceof went by the base class brand)', () => {
    const timeout = new McpLocalError(LocalErrorCode.Timeout, 'tools/call timed out after 300 ms');
    assert.equal(timeout instanceof UpstreamFailure, false);
    const failure = classify('fx', timeout)!;
    assert.equal(failure instanceof UpstreamFailure, true);
    assert.equal(failure.reason, 'slow');
    assert.equal(failure.message, 'Upstream "fx" did not answer in time (slow): tools/call timed out after 300 ms');
    assert.deepEqual(fallbackResult(failure)._meta, { [FAILURE_META_KEY]: { upstream: 'fx', reason: 'slow' } });
  });

  it('sorts errors into reasons; the upstream\'s own JSON-RPC errors and cancellation are not its failures', () => {
    const reason = (error: unknown) => classify('u', error)?.reason;
    assert.equal(reason(new McpLocalError(LocalErrorCode.ConnectionClosed, 'Server process exited (code 1)')), 'dead');
    assert.equal(reason(new McpLocalError(LocalErrorCode.ProtocolViolation, 'HTTP 401: no')), 'auth');
    assert.equal(reason(new McpLocalError(LocalErrorCode.ProtocolViolation, 'HTTP 502: bad gateway')), 'dead');
    assert.equal(reason(new BrokenCircuitError()), 'breaker_open');
    assert.equal(reason(new BulkheadRejectedError(1, 1)), 'overloaded');
    assert.equal(reason(new McpError(-32602, 'Unknown tool')), undefined);
    assert.equal(reason(new McpLocalError(LocalErrorCode.Cancelled, 'cancelled')), undefined);
    assert.equal(isFault(new UpstreamFailure('u', 'breaker_open', 'x')), false);
    assert.equal(isFault(new McpLocalError(LocalErrorCode.Timeout, 'x')), true);
  });
});
