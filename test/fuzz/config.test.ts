/**
 * Fuzzing configuration loading: any JSON or YAML file and any MCP__ variables either load or
 * are refused with a ConfigError (never another error, never a pollution of Object.prototype).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { SECTIONS } from '../../src/config/schema.ts';
import { anyJson, hostileKey } from './support/arbitraries.ts';
import { fuzzParameters } from './support/runs.ts';

const SECTION_NAMES = Object.keys(SECTIONS);
/** Setting names of every section, to build plausible paths. */
const SETTING_NAMES = Object.values(SECTIONS).flatMap((section) => Object.keys((section as { properties?: object }).properties ?? {}));

const key = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...SECTION_NAMES, ...SETTING_NAMES) }, { weight: 1, arbitrary: hostileKey });
/** Config documents: sections and settings by their names, with values of any JSON type. */
const document: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    anyJson,
    fc.array(fc.tuple(key, tie('node')), { maxLength: 5 }).map((entries) => Object.fromEntries(entries)),
  ),
})).node;

/** Loading either succeeds or fails with a ConfigError; nothing leaks onto Object.prototype. */
async function loadsOrRefuses(load: () => Promise<unknown>): Promise<void> {
  try {
    const config = await load();
    assert.equal(typeof config, 'object');
  } catch (error) {
    assert.ok(error instanceof ConfigError, `not a ConfigError: ${(error as Error)?.stack ?? String(error)}`);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf({}), Object.prototype);
}

describe('fuzz: configuration loading', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcp-core-fuzz-config-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('loads or refuses any JSON or YAML file', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(document, fc.boolean(), async (value, asYaml) => {
        const file = join(dir, `c${n++}.${asYaml ? 'yaml' : 'json'}`);
        let text: string;
        try {
          text = asYaml ? stringify(value) : (JSON.stringify(value) ?? 'null');
        } catch {
          return; // a value the writer itself cannot write
        }
        await writeFile(file, text);
        await loadsOrRefuses(() => loadConfig([file], {}));
      }),
      fuzzParameters('config files', 300),
    );
  });

  it('loads or refuses any MCP__ variables', async () => {
    const name = fc.array(fc.oneof(key, fc.string({ maxLength: 6 })), { minLength: 1, maxLength: 3 }).map((parts) => `MCP__${parts.join('__').toUpperCase()}`);
    const value = fc.oneof(fc.string({ maxLength: 12 }), anyJson.map((v) => JSON.stringify(v) ?? ''));
    await fc.assert(
      fc.asyncProperty(fc.dictionary(name, value, { maxKeys: 4 }), async (env) => {
        await loadsOrRefuses(() => loadConfig(undefined, env));
      }),
      fuzzParameters('config environment', 1000),
    );
  });
});
