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
    this.#pattern = new RegExp(`^${this.#parts.map(toPattern).join('')}$`);
  }

  /** Whether the template has no variables, i.e. names exactly one URI. */
  get isLiteral(): boolean {
    return this.variableNames.length === 0;
  }

  /** The variables of `uri`, or undefined when it does not match. */
  match(uri: string): Record<string, string> | undefined {
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
        const encode = operator === '+' || operator === '#' ? encodeURI : encodeURIComponent;
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

function toPattern(part: string | Expression): string {
  if (typeof part === 'string') return escapeRegExp(part);
  const { operator, names } = part;
  const many = (value: string, separator: string) => names.map(() => value).join(separator);
  switch (operator) {
    case '':
      return many('([^/?#,]*?)', ',');
    case '+':
      return many('(.*?)', ',');
    case '#':
      return `(?:#${many('(.*?)', ',')})?`;
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
