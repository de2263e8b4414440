/**
 * Type-level JSON Schema: the TypeScript type of the values a schema accepts, so a tool
 * defined with a literal `inputSchema` gets typed arguments without a second declaration.
 * Covers the keywords tool schemas use; anything else falls back to `unknown`.
 */

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type ObjectOf<P, Required> = Simplify<
  { -readonly [K in keyof P as K extends Required ? K : never]: FromSchema<P[K]> } & {
    -readonly [K in keyof P as K extends Required ? never : K]?: FromSchema<P[K]>;
  }
>;

type RequiredOf<S> = S extends { required: readonly (infer R)[] } ? R : never;

type FromType<S, T> = T extends 'string'
  ? string
  : T extends 'number' | 'integer'
    ? number
    : T extends 'boolean'
      ? boolean
      : T extends 'null'
        ? null
        : T extends 'array'
          ? S extends { items: infer I }
            ? FromSchema<I>[]
            : unknown[]
          : T extends 'object'
            ? S extends { properties: infer P }
              ? ObjectOf<P, RequiredOf<S>>
              : Record<string, unknown>
            : unknown;

/** @example type Args = FromSchema<{ type: 'object', properties: { a: { type: 'number' } }, required: ['a'] }> // { a: number } */
export type FromSchema<S> = S extends { const: infer C }
  ? C
  : S extends { enum: readonly (infer E)[] }
    ? E
    : S extends { anyOf: readonly (infer U)[] }
      ? FromSchema<U>
      : S extends { oneOf: readonly (infer U)[] }
        ? FromSchema<U>
        : S extends { type: readonly (infer T)[] }
          ? FromType<S, T>
          : S extends { type: infer T }
            ? FromType<S, T>
            : S extends { properties: infer P }
              ? ObjectOf<P, RequiredOf<S>>
              : unknown;

/** A JSON Schema object as accepted by the authoring API. */
export type JsonSchema = { readonly [key: string]: unknown };
