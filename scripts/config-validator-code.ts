/**
 * The config validator as standalone code (ajv's `standalone` output for the config schema,
 * with the same options as src/config/validator.ts), so the bundled binary validates a config
 * file without loading ajv or compiling anything at startup.
 */
import standaloneCode from 'ajv/dist/standalone/index.js';
import { CONFIG_SCHEMA } from '../src/config/schema.ts';
import { createConfigAjv } from '../src/config/validator.ts';

/**
 * ajv's runtime helpers the generated code may call, written out so the module needs no
 * require() (loading node:module and CommonJS files costs a configured start several ms).
 * Helpers not listed here are still reached through require().
 */
const INLINE_HELPERS: Record<string, string> = {
  // String length in code points, as JSON Schema counts it.
  'ajv/dist/runtime/ucs2length': '(text) => { let length = 0; for (const _ of text) length++; return length; }',
};

/** An ES module exporting `configValidator()`, in place of src/config/validator.ts. */
export function configValidatorModule(): string {
  const ajv = createConfigAjv({ code: { source: true, esm: true } });
  const validate = ajv.compile(CONFIG_SCHEMA);
  let code = (standaloneCode as unknown as (ajv: unknown, validate: unknown) => string)(ajv, validate).replace(/^"use strict";/, '');
  code = code.replace(/require\("([^"]+)"\)\.default/g, (call, module: string) => INLINE_HELPERS[module] ?? call);
  // What is left (deep equality, formats) gets a require() of its own.
  const prelude = code.includes('require(') ? ["import { createRequire } from 'node:module';", 'const require = createRequire(import.meta.url);'] : [];
  return [...prelude, code, 'export function configValidator() { return validate; }', ''].join('\n');
}
