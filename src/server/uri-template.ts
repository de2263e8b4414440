/**
 * RFC 6570 URI templates, as resource templates use them: expansion, and matching a
 * concrete URI back to its variables. Matching supports the operators servers use in practice
 * (simple, `+`, `#`, `/`, `.`, `?`, `&`) with one or more variables per expression.
 */

type Operator = '' | '+' | '#' | '/' | '.' | '?' | '&' | ';';

interface Expression {
  operator: Operator;
  names: string[];
}

const EXPRESSION = /\{([+#./;?&]?)([^}]+)\}/g;

/**
 * The longest URI a template matches. Matching backtracks: some templates take time quadratic
 * in the URI's length (`{+path}{?q}` against a URI of question marks), and URIs come from
 * clients. Longer URIs match only resources registered under exactly that URI.
 */
export const MAX_MATCHED_URI_LENGTH = 8192;

export class UriTemplate {
  readonly template: string;
  readonly variableNames: readonly string[];
  readonly #parts: Array<string | Expression>;
  readonly #pattern: RegExp;

  constructor(template: string) {
    this.template = template;
    this.#parts = [];
    let last = 0;
    for (const match of template.matchAll(EXPRESSION)) {
      if (match.index > last) this.#parts.push(template.slice(last, match.index));
      const names = match[2].split(',').map((name) => name.trim().replace(/\*$|:\d+$/, ''));
      this.#parts.push({ operator: match[1] as Operator, names });
      last = match.index + match[0].length;
    }
    if (last < template.length) this.#parts.push(template.slice(last));
    this.variableNames = this.#parts.flatMap((part) => (typeof part === 'string' ? [] : part.names));
    this.#pattern = new RegExp(`^${this.#parts.map((part, i) => toPattern(part, this.#parts[i + 1])).join('')}$`);
  }

  /** Whether the template has no variables, i.e. names exactly one URI. */
  get isLiteral(): boolean {
    return this.variableNames.length === 0;
  }

  /** The variables of `uri`, or undefined when it does not match (or is too long to try). */
  match(uri: string): Record<string, string> | undefined {
    if (uri.length > MAX_MATCHED_URI_LENGTH) return undefined;
    const found = this.#pattern.exec(uri);
    if (!found) return undefined;
    const variables: Record<string, string> = {};
    let group = 1;
    for (const part of this.#parts) {
      if (typeof part === 'string') continue;
      if (part.operator === '?' || part.operator === '&' || part.operator === ';') {
        const query = found[group++];
        if (query) readNamed(query, part.operator === ';' ? ';' : '&', part.names, variables);
        continue;
      }
      for (const name of part.names) {
        const value = found[group++];
        if (value !== undefined) variables[name] = safeDecode(value);
      }
    }
    return variables;
  }

  /** Expands the template with `variables`; absent variables expand to nothing. */
  expand(variables: Record<string, string | undefined>): string {
    return this.#parts
      .map((part) => {
        if (typeof part === 'string') return part;
        const present = part.names.filter((name) => variables[name] !== undefined);
        if (present.length === 0) return '';
        const { operator } = part;
        // A lone surrogate cannot be percent-encoded (URIError): it becomes U+FFFD first.
        const escape = operator === '+' || operator === '#' ? encodeURI : encodeURIComponent;
        const encode = (value: string) => escape(value.toWellFormed());
        if (operator === '?' || operator === '&' || operator === ';') {
          const separator = operator === ';' ? ';' : '&';
          return operator + present.map((name) => `${name}=${encode(variables[name]!)}`).join(separator);
        }
        const separator = operator === '/' ? '/' : operator === '.' ? '.' : ',';
        const prefix = operator === '' || operator === '+' ? '' : operator;
        return prefix + present.map((name) => encode(variables[name]!)).join(separator);
      })
      .join('');
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What a reserved expansion's last value may hold: like a URL, it ends at a query or fragment that follows. */
function reservedTail(next: string | Expression | undefined): string {
  if (typeof next !== 'object') return '(.*?)';
  if (next.operator === '?' || next.operator === '&') return '([^?#]*)';
  return next.operator === '#' ? '([^#]*)' : '(.*?)';
}

function toPattern(part: string | Expression, next: string | Expression | undefined): string {
  if (typeof part === 'string') return escapeRegExp(part);
  const { operator, names } = part;
  const many = (value: string, separator: string) => names.map(() => value).join(separator);
  // Reserved expansion: every value but the last stops at its comma, so that several variables
  // do not multiply the ways a URI can split (cubic for three).
  const reserved = names.map((_, i) => (i === names.length - 1 ? reservedTail(next) : '([^,]*)')).join(',');
  switch (operator) {
    case '':
      return many('([^/?#,]*?)', ',');
    case '+':
      return reserved;
    case '#':
      return `(?:#${reserved})?`;
    case '/':
      return `(?:/${many('([^/?#]*)', '/')})?`;
    case '.':
      return `(?:\\.${many('([^/?#.]*)', '\\.')})?`;
    case '?':
    case '&':
      return `(?:\\${operator}([^#]*))?`;
    case ';':
      return '(?:;([^/?#]*))?';
  }
}

function readNamed(query: string, separator: string, names: string[], into: Record<string, string>): void {
  for (const pair of query.split(separator)) {
    const equals = pair.indexOf('=');
    const name = equals === -1 ? pair : pair.slice(0, equals);
    if (names.includes(name)) into[name] = equals === -1 ? '' : safeDecode(pair.slice(equals + 1));
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
