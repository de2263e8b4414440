/**
 * Reading a YAML config file in time linear in its size. yaml's own check for a key given
 * twice compares each key with every key before it in its map: a map of 20,000 upstreams took
 * seconds to parse, and a 4 MiB file of short keys would have held the event loop for minutes
 * (at start, and at each hot reload while every call waited). The check is made here with a
 * set per map instead: the first key found twice, and where.
 */
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';

/** A key found twice in one map: the key, and the keys (or list indexes) leading to that map. */
export interface DuplicateKey {
  key: string;
  path: Array<string | number>;
}

/** A node still to look into, and how it was reached (the path is made only for a duplicate). */
interface Visit {
  node: unknown;
  at: string | number;
  parent: Visit | undefined;
}

/**
 * The YAML document's value, and its first key given twice in one map (undefined when none).
 * Throws yaml's error for text that is not YAML.
 */
export function parseYaml(text: string): { value: unknown; twice: DuplicateKey | undefined } {
  const document = parseDocument(text, { uniqueKeys: false });
  if (document.errors.length > 0) throw document.errors[0];
  for (const warning of document.warnings) process.emitWarning(warning.message, 'YAMLWarning');
  return { value: document.toJS(), twice: duplicateKey(document.contents) };
}

/** Depth first in document order, without recursion: a document may nest deeply. */
function duplicateKey(root: unknown): DuplicateKey | undefined {
  const stack: Visit[] = [{ node: root, at: '', parent: undefined }];
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    const { node } = visit;
    const children: Visit[] = [];
    if (isMap(node)) {
      const keys = new Set<string>();
      for (const { key, value } of node.items) {
        // As the value will have it: keys become the names of a plain object's members.
        const name = String(isScalar(key) ? key.value : key);
        if (keys.has(name)) return { key: name, path: pathTo(visit) };
        keys.add(name);
        children.push({ node: value, at: name, parent: visit });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => children.push({ node: item, at: index, parent: visit }));
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return undefined;
}

function pathTo(visit: Visit): Array<string | number> {
  const path: Array<string | number> = [];
  for (let at: Visit | undefined = visit; at?.parent !== undefined; at = at.parent) path.unshift(at.at);
  return path;
}
