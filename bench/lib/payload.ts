/** The echo payloads: a short sentence, and large strings that need no JSON escaping. */

export const SMALL_TEXT = 'hello from the mcp-core benchmark';

/** Decimal megabyte, as in "1 MB / 10 MB payloads". */
export const MB = 1_000_000;

/** `bytes` characters of plain ASCII, so the JSON string is the same size as the text. */
export function largeText(bytes: number): string {
  const unit = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_';
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}
