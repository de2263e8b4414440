/**
 * The config validator as standalone code (ajv's `standalone` output for the config schema,
 * with the same options as src/config/validator.ts), so the bundled binary validates a config
 * file without loading ajv or compiling anything at startup.
 */
import standaloneCode from 'ajv/dist/standalone/index.js';
import { CONFIG_SCHEMA } from '../src/config/schema.ts';
import { createConfigAjv } from '../src/config/validator.ts';

/** An ES module exporting `configValidator()`, in place of src/config/validator.ts. */
export function configValidatorModule(): string {
  const ajv = createConfigAjv({ code: { source: true, esm: true } });
  const validate = ajv.compile(CONFIG_SCHEMA);
  // ajv's standalone code reaches its runtime helpers (string length, deep equality, formats)
  // with require(); give the ES module one.
  const code = (standaloneCode as unknown as (ajv: unknown, validate: unknown) => string)(ajv, validate).replace(/^"use strict";/, '');
  return [
    "import { createRequire } from 'node:module';",
    'const require = createRequire(import.meta.url);',
    code,
    'export function configValidator() { return validate; }',
    '',
  ].join('\n');
}
