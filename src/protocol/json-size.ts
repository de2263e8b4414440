/**
 * How much room a client value takes once kept, measured as the length of its JSON text
 * without making it: a walk that stops as soon as the budget is spent, so a hostile value
 * costs no more than the budget to measure, whatever its size or depth.
 */

/**
 * About the length of `JSON.stringify(value)`, never less but for escapes in strings, or
 * undefined as soon as it passes `budget`.
 *
 * @example
 * jsonSizeWithin({ name: 'x' }, 1024); // 13
 * jsonSizeWithin('a'.repeat(5000), 1024); // undefined
 */
export function jsonSizeWithin(value: unknown, budget: number): number | undefined {
  let size = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const node = pending.pop();
    switch (typeof node) {
      case 'string':
        size += node.length + 2;
        break;
      case 'number':
        size += String(node).length;
        break;
      case 'boolean':
        size += 5;
        break;
      case 'object':
        if (node === null) {
          size += 4;
        } else if (Array.isArray(node)) {
          size += 2 + node.length;
          if (size > budget) return undefined;
          for (const item of node) pending.push(item);
        } else {
          size += 2;
          for (const key of Object.keys(node)) {
            size += key.length + 4;
            if (size > budget) return undefined;
            pending.push((node as Record<string, unknown>)[key]);
          }
        }
        break;
      default:
        // undefined and functions do not survive JSON; they take no room.
        break;
    }
    if (size > budget) return undefined;
  }
  return size;
}
