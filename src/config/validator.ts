/**
 * The configuration's validator: the schema compiled with ajv (JSON Schema 2020-12, formats),
 * once per process and only when there is something to check.
 *
 * The bundled `mcp-core` binary does not compile it at run time: scripts/bundle-cli.ts puts
 * ajv's standalone code for the same schema and options in place of this module, so a
 * configured server starts without loading ajv at all.
 */
import { createRequire } from 'node:module';
import type { Ajv, Options } from 'ajv';
import { CONFIG_SCHEMA } from './schema.ts';

/** One problem found by the validator, as ajv reports it. */
export interface ValidationError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

export interface ConfigValidator {
  (value: unknown): boolean;
  errors?: ValidationError[] | null;
}

/**
 * strict: a schema keyword ajv does not know is a mistake in a section file, not an annotation.
 * Conditional `required` (in if/then) may name properties declared beside the condition.
 */
export const CONFIG_AJV_OPTIONS: Options = { strict: true, strictRequired: false, allErrors: true, allowUnionTypes: true };

const load = createRequire(import.meta.url);

/** An ajv instance with the config's options; the bundler uses it to emit standalone code. */
export function createConfigAjv(extra: Options = {}): Ajv {
  const { Ajv2020 } = load('ajv/dist/2020.js') as { Ajv2020: new (options: Options) => Ajv };
  const ajv = new Ajv2020({ ...CONFIG_AJV_OPTIONS, ...extra });
  (load('ajv-formats').default as (ajv: Ajv) => void)(ajv);
  return ajv;
}

let compiled: ConfigValidator | undefined;

/** The compiled validator of {@link CONFIG_SCHEMA}. */
export function configValidator(): ConfigValidator {
  return (compiled ??= createConfigAjv().compile(CONFIG_SCHEMA) as ConfigValidator);
}
