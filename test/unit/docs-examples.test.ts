/**
 * The user documentation against the code, cheaply: every `MCP__` variable, config key path,
 * config example and `mcp-core` command line written in README.md and docs/ names something
 * that exists, and the errors it quotes are the ones given. A renamed setting or flag fails
 * here instead of leaving a paste that no longer works.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { parseCommandLine, USAGE } from '../../src/cli/args.ts';
import { UsageError } from '../../src/cli/usage-error.ts';
import { checkConfig, loadConfig } from '../../src/config/config.ts';
import { EnvNameError, settingsFromEnv } from '../../src/config/env.ts';
import { CONFIG_SCHEMA } from '../../src/config/schema.ts';
import { childSchema, type SchemaNode } from '../../src/config/schema-walk.ts';
import { configValidator } from '../../src/config/validator.ts';
import { registerDemo } from '../../src/demo.ts';
import { McpServer } from '../../src/server/server.ts';

const ROOT = CONFIG_SCHEMA as unknown as SchemaNode;
const SECTIONS = Object.keys(CONFIG_SCHEMA.properties).filter((key) => key !== '$schema');
/** The user documentation, and the schema file editors show descriptions from. */
const DOCS = ['README.md', 'docs/OPERATIONS.md', 'docs/GATEWAY.md', 'docs/SCALING.md', 'schema/mcp-core.schema.json'];
/** Placeholders the docs write for "any setting". */
const PLACEHOLDER_VARIABLES = new Set(['MCP__SECTION__KEY']);

const root = new URL('../../', import.meta.url);
const docs = await Promise.all(DOCS.map(async (name) => ({ name, text: await readFile(new URL(name, root), 'utf8') })));

/** Where `index` falls in `doc`, as `file:line`. */
function at(doc: { name: string; text: string }, index: number): string {
  return `${doc.name}:${doc.text.slice(0, index).split('\n').length}`;
}

/** The schema node of a dotted path (`*` for any key of a map), or undefined. */
function settingAt(path: string): SchemaNode | undefined {
  let node: SchemaNode | undefined = ROOT;
  for (const key of path.split('.')) {
    node = key === '*' ? (node?.additionalProperties as SchemaNode | undefined) : childSchema(node, key);
    if (node === undefined || typeof node !== 'object') return undefined;
  }
  return node;
}

interface Block {
  where: string;
  lang: string;
  text: string;
}

/** Fenced code blocks, indented ones (inside list items) too. */
function blocks(): Block[] {
  const out: Block[] = [];
  for (const doc of docs) {
    for (const match of doc.text.matchAll(/^( *)```(\w*)\n([\s\S]*?)^\1```$/gm)) {
      const indent = match[1];
      const text = match[3].split('\n').map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line)).join('\n');
      out.push({ where: at(doc, match.index), lang: match[2], text });
    }
  }
  return out;
}

/**
 * `mcp-core ...` as written in a shell line (an image's command after `docker run ... mcp-core`
 * too) or inline code, up to what the shell takes as its end; a synopsis whole.
 */
function commandLines(): Array<{ where: string; env: Record<string, string>; text: string }> {
  const found: Array<{ where: string; env: Record<string, string>; text: string }> = [];
  const take = (where: string, line: string, inline = false) => {
    const match = /^(?:\$ )?((?:[A-Z_][A-Z0-9_]*=\S+ )*)(?:.*\s)?mcp-core ((?:serve|config|login|tools|call|engine)\b.*)$/.exec(line.trim());
    // Inline, `mcp-core login` or `mcp-core config check` alone names the command rather than running it.
    if (match === null || (inline && /^(?:config check|\w+)$/.test(match[2]))) return;
    const env = Object.fromEntries(match[1].trim().split(/\s+/).filter(Boolean).map((pair) => pair.split(/=(.*)/s).slice(0, 2)));
    const synopsis = /\[/.test(match[2]);
    found.push({ where, env, text: synopsis ? match[2] : match[2].split(/\s+(?:#|\||&|2?>|;)/)[0].trim() });
  };
  for (const block of blocks()) {
    if (block.lang !== 'sh' && block.lang !== '') continue;
    // A synopsis goes on in indented lines of options.
    for (const line of block.text.replace(/\n\s+(?=\[)/g, ' ').split('\n')) take(block.where, line);
  }
  for (const doc of docs) {
    // Inline code outside fences: strip the fences first so their backticks do not pair up.
    const prose = doc.text.replace(/^( *)```\w*\n[\s\S]*?^\1```$/gm, (fence) => fence.replace(/[^\n]/g, ' '));
    for (const match of prose.matchAll(/`([^`\n]*mcp-core [^`\n]*)`/g)) take(at(doc, match.index), match[1], true);
  }
  return found;
}

/** Splits a command line as a shell would, for the quoting the docs use. */
function words(text: string): string[] {
  return [...text.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2] ?? match[3]);
}

/** Whether `command` accepts `--flag`, with or without a value. */
function accepts(command: string, flag: string): boolean {
  const base: Record<string, string[]> = {
    serve: ['serve'],
    config: ['config', 'check', 'base.yaml'],
    login: ['login', 'https://mcp.example.com/mcp', '--client-id', 'svc', '--issuer', 'https://auth.example.com'],
    tools: ['tools', '--config', 'gateway.yaml'],
    call: ['call', 'echo', '--config', 'gateway.yaml'],
    engine: ['engine'],
  };
  for (const argv of [[...base[command], flag], [...base[command], `${flag}=1`]]) {
    try {
      parseCommandLine(argv);
      return true;
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      // Refusals of the flag itself; anything else is about its value or its company.
      if (!/Unknown option|takes no option|applies to commands that call a server|takes only authentication options|takes no arguments/.test(error.message)) return true;
    }
  }
  return false;
}

describe('the documentation names what exists', () => {
  it('every MCP__ variable is a setting, and a quoted refusal is the one given', () => {
    let checked = 0;
    for (const doc of docs) {
      for (const match of doc.text.matchAll(/MCP__[A-Za-z0-9_]*[A-Za-z0-9]/g)) {
        const variable = match[0];
        if (PLACEHOLDER_VARIABLES.has(variable)) continue;
        const found = new RegExp(`${variable} does not name a setting[^\`]*`).exec(doc.text.slice(match.index));
        if (found !== null && found.index === 0) {
          const quoted = found[0].replace(/\s+/g, ' ');
          assert.throws(() => settingsFromEnv(ROOT, { [variable]: '1' }), (error: unknown) => {
            assert.ok(error instanceof EnvNameError);
            assert.ok(error.message.startsWith(quoted.replace(/, \.\.\.$/, '')), `${at(doc, match.index)} quotes "${quoted}"; the loader says "${error.message}"`);
            return true;
          });
        } else {
          assert.doesNotThrow(() => settingsFromEnv(ROOT, { [variable]: '1' }), `${at(doc, match.index)}: ${variable}`);
        }
        checked++;
      }
    }
    assert.ok(checked > 30, `only ${checked} variables found: is the pattern still right?`);
  });

  it('every dotted key path of a section is a setting', () => {
    let checked = 0;
    for (const doc of docs) {
      for (const match of doc.text.matchAll(/`((?:[A-Za-z$][\w$]*|\*)(?:\.(?:[\w$]+|\*))+)`/g)) {
        const path = match[1];
        if (!SECTIONS.includes(path.split('.')[0])) continue;
        assert.ok(settingAt(path) !== undefined, `${at(doc, match.index)}: ${path} is not a setting`);
        checked++;
      }
    }
    assert.ok(checked > 100, `only ${checked} key paths found`);
  });

  it('every default a settings table states is the schema\'s', () => {
    let checked = 0;
    for (const doc of docs) {
      let section: string | undefined;
      let defaults = false;
      for (const [index, line] of doc.text.split('\n').entries()) {
        // A table's keys are relative to the section its text names last (`server`: ...), or whole paths.
        const named = /^`(\w+)`:/.exec(line) ?? /^#+ .*`(\w+)`/.exec(line);
        if (named !== null) section = SECTIONS.includes(named[1]) ? named[1] : undefined;
        else if (line.startsWith('#')) section = undefined;
        if (line.startsWith('| ')) defaults ||= /^\| [^|]* \| default \|/.test(line);
        else defaults = false;
        const cells = defaults && line.startsWith('| `') ? line.split('|').map((cell) => cell.trim()) : [];
        if (cells.length < 4) continue;
        const keys = [...cells[1].matchAll(/`([^`]+)`/g)].map((match) => match[1]);
        const values = [...cells[2].matchAll(/`([^`]+)`/g)].map((match) => match[1]);
        if (keys.length !== values.length) continue;
        keys.forEach((key, n) => {
          // Not under a map (mcpServers), where any name is a key.
          const candidates = [key, ...SECTIONS.map((name) => `${name}.${key}`)].filter((path) => settingAt(path) !== undefined && !path.startsWith('mcpServers.'));
          const path = SECTIONS.includes(key.split('.')[0]) ? key : section !== undefined && candidates.includes(`${section}.${key}`) ? `${section}.${key}` : candidates.length === 1 ? candidates[0] : undefined;
          const node = path === undefined ? undefined : settingAt(path);
          // A default written as another setting (`http.path`) or in words is not a value to compare.
          if (node === undefined || !Object.hasOwn(node, 'default') || settingAt(values[n]) !== undefined) return;
          assert.equal(values[n], typeof node.default === 'string' ? node.default : JSON.stringify(node.default), `${doc.name}:${index + 1}: ${path}`);
          checked++;
        });
      }
    }
    assert.ok(checked >= 50, `only ${checked} defaults found`);
  });

  it('every configuration example is valid as it is', () => {
    let checked = 0;
    for (const block of blocks()) {
      if (block.lang !== 'yaml' && block.lang !== 'json') continue;
      const value: unknown = block.lang === 'json' ? JSON.parse(block.text) : parseYaml(block.text);
      // Examples of other things (a Kubernetes probe, a log line, a health answer) name no section.
      if (value === null || typeof value !== 'object' || !Object.keys(value).some((key) => SECTIONS.includes(key))) continue;
      assert.doesNotThrow(() => checkConfig(value as Record<string, unknown>, configValidator(), block.where), `${block.where}`);
      checked++;
    }
    assert.ok(checked > 20, `only ${checked} configuration examples found`);
  });

  it('the quoted configuration errors are the ones given', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'docs-'));
    await writeFile(join(dir, 'base.yaml'), 'htp:\n  port: 80\n');
    const operations = docs.find((doc) => doc.name === 'docs/OPERATIONS.md')!.text;
    const quoted = /```\n(mcp-core: invalid configuration:\n[\s\S]*?)```/.exec(operations);
    assert.ok(quoted !== null, 'OPERATIONS quotes a configuration error');
    try {
      await assert.rejects(loadConfig([join(dir, 'base.yaml')], { MCP__HTTP__PORT: 'eighty' }), (error: Error) => {
        assert.equal(`mcp-core: ${error.message.replaceAll(join(dir, 'base.yaml'), 'base.yaml')}\n`, quoted[1]);
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('every mcp-core command line parses, and every flag written is one its command takes', () => {
    const lines = commandLines();
    assert.ok(lines.length > 20, `only ${lines.length} command lines found`);
    for (const { where, env, text } of lines) {
      const argv = words(text);
      const command = argv[0];
      // A synopsis (brackets, FILE, URL): its flags must exist; a real command line must parse whole.
      if (/[[\]]|(?:^|\s)[A-Z][A-Z:_.]*(?=\s|$)/.test(text.replace(/\$\w+|"[^"]*"|'[^']*'/g, ''))) {
        for (const flag of text.match(/--[a-z][a-z-]*/g) ?? []) assert.ok(accepts(command, flag), `${where}: mcp-core ${command} does not take ${flag}`);
        continue;
      }
      const saved = { ...process.env };
      Object.assign(process.env, env);
      try {
        assert.doesNotThrow(() => parseCommandLine(argv), `${where}: mcp-core ${text}`);
      } finally {
        for (const key of Object.keys(env)) {
          if (saved[key] === undefined) delete process.env[key];
          else process.env[key] = saved[key];
        }
      }
    }
  });

  it('every command and flag of --help is documented in the README', () => {
    const readme = docs.find((doc) => doc.name === 'README.md')!.text;
    for (const flag of new Set(USAGE.match(/--[a-z][a-z-]*/g))) assert.ok(readme.includes(flag), `--help names ${flag}; the README does not`);
    const commands = /Commands:\n([\s\S]*?)\n\n/.exec(USAGE)![1];
    for (const [, command] of commands.matchAll(/^ {2}(\w+)/gm)) assert.ok(readme.includes(`mcp-core ${command}`), `--help names ${command}; the README does not`);
  });

  it('the demo tools are the ones --help and the README name', () => {
    const names: string[] = [];
    const server = new McpServer({ name: 'demo', version: '1.0.0' });
    const tool = server.tool.bind(server);
    server.tool = ((name: string, ...rest: unknown[]) => (names.push(name), (tool as (...args: unknown[]) => unknown)(name, ...rest))) as typeof server.tool;
    registerDemo(server);
    const help = /--demo\s+Register the demo tools \(([^)]*)\)/.exec(USAGE);
    assert.deepEqual(help?.[1].split(', ').sort(), [...names].sort(), '--help');
    const readme = docs.find((doc) => doc.name === 'README.md')!.text;
    const bullet = /`--demo` registers the demo tools:([\s\S]*?)plus a resource/.exec(readme);
    assert.ok(bullet !== null);
    for (const name of names) assert.match(bullet[1], new RegExp(`\`${name}(?: \\{[^}]*\\})?\``), `the README's --demo does not name ${name}`);
  });
});
