/**
 * An upstream's `tools.allow` and `tools.deny`: which of its tools the gateway offers, by the
 * upstream's own names, `*` matching any run of characters.
 *
 * Two choices, both for the side of caution:
 * - A deny pattern also holds against the name folded: NFKC (`ｄｅｌｅｔｅ` is `delete`), lower
 *   case, without invisible characters (zero-width spaces, soft hyphens) and surrounding
 *   white space. Tool names are case-sensitive (spec: server/tools, Tool Names), but an
 *   upstream that answers `Delete_File`, `delete_file ` or `delete\u200b_file` as it does
 *   `delete_file` would otherwise offer what `delete_*` keeps out. An allow pattern matches
 *   the name exactly: folding would let more in. Look-alike letters of other scripts (Cyrillic
 *   `е` for `e`) are not folded: to offer a closed set of tools, list them in `allow`.
 * - Matching takes time linear in the name (each piece between stars found in turn, the
 *   leftmost, which is enough when `*` is the only wildcard): a RegExp of `.*` runs
 *   backtracks, and `*a*b*c*d` against a tool name of 4,000 characters took 51 s, the
 *   gateway's whole event loop with it, at each listing of that upstream.
 */
import type { UpstreamSpec } from './config.ts';

/** A pattern as its pieces between stars: `get_*_x` is `['get_', '_x']`. */
type Glob = readonly string[];

function compile(pattern: string): Glob {
  return pattern.split('*');
}

/** Whether `name` matches a pattern of pieces between stars. */
function matches(glob: Glob, name: string): boolean {
  const first = glob[0];
  if (glob.length === 1) return name === first;
  const last = glob[glob.length - 1];
  const end = name.length - last.length;
  if (end < first.length || !name.startsWith(first) || !name.endsWith(last)) return false;
  let at = first.length;
  for (let index = 1; index < glob.length - 1; index++) {
    const piece = glob[index];
    const found = name.indexOf(piece, at);
    if (found === -1 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

/** Invisible characters: zero-width spaces and joiners, soft hyphens, variation selectors, BOM... */
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * A name as a deny pattern also sees it: NFKC, lower case, no invisible characters nor
 * surrounding white space.
 *
 * @example
 * foldName(' Ｄｅｌｅｔｅ\u200b_File '); // 'delete_file'
 */
export function foldName(name: string): string {
  return name.normalize('NFKC').replace(IGNORABLE, '').trim().toLowerCase().normalize('NFKC');
}

/**
 * The test of one upstream's tool names: allowed (exactly), and denied neither as they are
 * nor folded.
 *
 * @example
 * const offered = toolFilter(spec); // tools: { allow: ['get_*'], deny: ['get_secret*'] }
 * offered('get_user'); // true
 * offered('Get_Secret_Key'); // false: not allowed, as allow is exact
 */
export function toolFilter(spec: Pick<UpstreamSpec, 'tools'>): (name: string) => boolean {
  const allow = spec.tools.allow?.map(compile);
  const deny = spec.tools.deny.map(compile);
  const foldedDeny = spec.tools.deny.map((pattern) => compile(foldName(pattern)));
  return (name) => {
    if (allow !== undefined && !allow.some((glob) => matches(glob, name))) return false;
    if (deny.length === 0) return true;
    if (deny.some((glob) => matches(glob, name))) return false;
    const folded = foldName(name);
    return !foldedDeny.some((glob) => matches(glob, folded));
  };
}
