/**
 * Keys a JSON text holds twice in one object. JSON.parse keeps the last of them and says
 * nothing: an upstream written twice under `mcpServers` (the first one edited, the second
 * forgotten below it) ran as the one nobody was editing. YAML files are checked by yaml-keys.ts.
 */

/** Where the scan is: an object (its keys so far, the current one) or an array (its index). */
interface Level {
  keys: Set<string> | undefined;
  at: string | number;
  expectKey: boolean;
}

/**
 * The first key found twice in one object of `text`, with the keys leading to that object;
 * undefined when there is none. `text` must be valid JSON (JSON.parse took it already).
 *
 * @example
 * duplicateKey('{"mcpServers":{"a":{},"a":{}}}'); // { key: 'a', path: ['mcpServers'] }
 */
export function duplicateKey(text: string): { key: string; path: Array<string | number> } | undefined {
  const levels: Level[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let end = i + 1;
      while (text.charCodeAt(end) !== 0x22) end += text.charCodeAt(end) === 0x5c /* \ */ ? 2 : 1;
      const level = levels.at(-1);
      if (level?.keys !== undefined && level.expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (level.keys.has(key)) return { key, path: levels.slice(0, -1).map((outer) => outer.at) };
        level.keys.add(key);
        level.at = key;
        level.expectKey = false;
      }
      i = end;
    } else if (c === 0x7b /* { */) {
      levels.push({ keys: new Set(), at: '', expectKey: true });
    } else if (c === 0x5b /* [ */) {
      levels.push({ keys: undefined, at: 0, expectKey: false });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      levels.pop();
    } else if (c === 0x2c /* , */) {
      const level = levels.at(-1)!;
      if (level.keys !== undefined) level.expectKey = true;
      else level.at = (level.at as number) + 1;
    }
  }
  return undefined;
}
