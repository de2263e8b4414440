/** The type-level JSON Schema reader lives in protocol/ (configuration uses it too). */
export type { FromSchema, JsonSchema } from '../protocol/schema-types.ts';
