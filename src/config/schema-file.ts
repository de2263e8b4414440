/** The text of `schema/mcp-core.schema.json`, the published form of {@link CONFIG_SCHEMA}. */
import { CONFIG_SCHEMA } from './schema.ts';

/** The published schema, as written by `npm run generate:config-schema`. */
export function configSchemaText(): string {
  return `${JSON.stringify(CONFIG_SCHEMA, null, 2)}\n`;
}
