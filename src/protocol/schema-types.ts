/**
 * Type-level JSON Schema: the TypeScript type of the values a schema accepts, so a literal
 * schema needs no second declaration. Tool arguments are typed with {@link FromSchema} (a
 * property is present when `required`); configuration settings with {@link SettingsOf} (also
 * present when the schema gives a `default`, which loading fills in). Covers the keywords
 * these schemas use; anything else falls back to `unknown`.
 */

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** Which properties are always present: `required` ones, and in settings those with a default. */
type Mode = 'required' | 'defaulted';

type PresentKeys<P, R, M extends Mode> = {
  [K in keyof P]: K extends R ? K : M extends 'defaulted' ? (P[K] extends { default: unknown } ? K : never) : never;
}[keyof P];

type ObjectOf<P, R, M extends Mode> = Simplify<
  { -readonly [K in keyof P as K extends PresentKeys<P, R, M> ? K : never]: Read<P[K], M> } & {
    -readonly [K in keyof P as K extends PresentKeys<P, R, M> ? never : K]?: Read<P[K], M>;
  }
>;

type RequiredOf<S> = S extends { required: readonly (infer R)[] } ? R : never;

type FromType<S, T, M extends Mode> = T extends 'string'
  ? string
  : T extends 'number' | 'integer'
    ? number
    : T extends 'boolean'
      ? boolean
      : T extends 'null'
        ? null
        : T extends 'array'
          ? S extends { items: infer I }
            ? Read<I, M>[]
            : unknown[]
          : T extends 'object'
            ? S extends { properties: infer P }
              ? ObjectOf<P, RequiredOf<S>, M>
              : S extends { additionalProperties: infer A extends object }
                ? Record<string, Read<A, M>>
                : Record<string, unknown>
            : unknown;

type Read<S, M extends Mode> = S extends { const: infer C }
  ? C
  : S extends { enum: readonly (infer E)[] }
    ? E
    : S extends { anyOf: readonly (infer U)[] }
      ? Read<U, M>
      : S extends { oneOf: readonly (infer U)[] }
        ? Read<U, M>
        : S extends { type: readonly (infer T)[] }
          ? FromType<S, T, M>
          : S extends { type: infer T }
            ? FromType<S, T, M>
            : S extends { properties: infer P }
              ? ObjectOf<P, RequiredOf<S>, M>
              : unknown;

/** @example type Args = FromSchema<{ type: 'object', properties: { a: { type: 'number' } }, required: ['a'] }> // { a: number } */
export type FromSchema<S> = Read<S, 'required'>;

/**
 * @example
 * const limits = { type: 'object', default: {}, properties: { maxBytes: { type: 'integer', default: 1024 } } } as const;
 * type Limits = SettingsOf<typeof limits>; // { maxBytes: number }
 */
export type SettingsOf<S> = Read<S, 'defaulted'>;

/** A JSON Schema object as accepted by the authoring API. */
export type JsonSchema = { readonly [key: string]: unknown };
