/**
 * The texts of generated turns (stdio-turns.ts) as a hostile peer plays them: the request's id
 * put in, and huge answers made. Kept apart from the generators: a server process loads this.
 */

/** Stands for the id of the request a turn answers, in the turn's texts. */
export const TURN_ID = '\u0001id\u0001';

const ID_TEXT = JSON.stringify(TURN_ID);

/** A turn's text for the request with `id`. */
export function withId(text: string, id: unknown): string {
  return text.replaceAll(ID_TEXT, JSON.stringify(id) ?? 'null');
}

/** An answer to the request with `id` whose text is `size` bytes long. */
export function hugeAnswer(id: unknown, size: number): string {
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id) ?? 'null'},"result":{"content":[{"type":"text","text":"${'x'.repeat(size)}"}]}}`;
}
