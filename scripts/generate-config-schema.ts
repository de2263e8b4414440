/**
 * Writes schema/mcp-core.schema.json, the configuration's JSON Schema for editors, from the
 * sections in src/config/sections/. A test fails when the file and the sources differ.
 *
 *   npm run generate:config-schema
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSchemaText } from '../src/config/schema-file.ts';

const path = join(import.meta.dirname, '..', 'schema', 'mcp-core.schema.json');
writeFileSync(path, configSchemaText());
console.log(`wrote ${path}`);
