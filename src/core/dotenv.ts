/**
 * One dotenv parser for the whole product: the graph reads bindings with it and the .env target
 * rewrites values with it, so both agree on what a file means. It records, for every entry, the
 * exact byte span of the value as written (quotes included), so a rewrite can replace just that
 * span and leave comments, `export`, spacing, CRLF, BOM and duplicates untouched.
 *
 * Semantics (the common ground of dotenv, docker compose and direnv):
 *   - `NAME=value`, optional `export ` prefix, spaces around `=` allowed; `#` starts a comment line.
 *   - Unquoted values are trimmed; ` #` (whitespace then #) starts an inline comment.
 *   - 'single' quotes are literal; "double" quotes expand \n \r \t \" \\ ; `backticks` are literal.
 *   - Quoted values may span lines. Duplicates: the last one wins (all are kept in `entries`).
 *   - A line that is none of these is a warning naming the line (never quoting it: it may be
 *     secret material), never an exception.
 */
export type DotenvQuote = '' | "'" | '"' | '`';

export interface DotenvEntry {
  name: string;
  value: string;
  /** 1-based line of the name. */
  line: number;
  /** Offsets in the source string of the value as written: quotes included, inline comment excluded. */
  valueStart: number;
  valueEnd: number;
  quote: DotenvQuote;
  exported: boolean;
}

export interface DotenvWarning {
  line: number;
  message: string;
}

export interface DotenvParse {
  entries: DotenvEntry[];
  /** Last value per name (dotenv's "last wins"). */
  values: Map<string, DotenvEntry>;
  warnings: DotenvWarning[];
  /** The file starts with a UTF-8 byte-order mark (offsets still index the string as given). */
  bom: boolean;
  eol: '\n' | '\r\n';
}

const NAME_RE = /[A-Za-z_][A-Za-z0-9_.-]*/y;

export function parseDotenv(src: string): DotenvParse {
  const entries: DotenvEntry[] = [];
  const warnings: DotenvWarning[] = [];
  const bom = src.charCodeAt(0) === 0xfeff;
  const eol = src.includes('\r\n') ? '\r\n' : '\n';
  let i = bom ? 1 : 0;
  let line = 1;
  const n = src.length;

  const skipInlineSpace = () => {
    while (i < n && (src[i] === ' ' || src[i] === '\t')) i++;
  };
  const toEol = () => {
    while (i < n && src[i] !== '\n') i++;
  };
  const nextLine = () => {
    toEol();
    if (i < n) {
      i++;
      line++;
    }
  };

  while (i < n) {
    skipInlineSpace();
    if (i >= n) break;
    const ch = src[i];
    if (ch === '\n' || ch === '\r' || ch === '#') {
      nextLine();
      continue;
    }
    const entryLine = line;
    let exported = false;
    if (src.startsWith('export', i) && (src[i + 6] === ' ' || src[i + 6] === '\t')) {
      exported = true;
      i += 6;
      skipInlineSpace();
    }
    NAME_RE.lastIndex = i;
    const nm = NAME_RE.exec(src);
    if (!nm) {
      warnings.push({ line: entryLine, message: 'not a NAME=value line' });
      nextLine();
      continue;
    }
    const name = nm[0];
    i += name.length;
    skipInlineSpace();
    if (src[i] !== '=' && src[i] !== ':') {
      // Never quote the line: a line that is not an assignment may be secret material itself
      // (the body of a PEM key pasted unquoted).
      warnings.push({ line: entryLine, message: 'not a NAME=value line' });
      nextLine();
      continue;
    }
    i++;
    skipInlineSpace();
    const q = src[i];
    if (q === '"' || q === "'" || q === '`') {
      const valueStart = i;
      let j = i + 1;
      let value = '';
      let closed = false;
      let linesInValue = 0;
      while (j < n) {
        const c = src[j];
        if (c === q) {
          closed = true;
          break;
        }
        if (c === '\\' && q === '"' && j + 1 < n) {
          const e = src[j + 1];
          value += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === '"' || e === '\\' || e === '$' ? e : '\\' + e;
          j += 2;
          continue;
        }
        if (c === '\n') linesInValue++;
        value += c;
        j++;
      }
      if (!closed) {
        warnings.push({ line: entryLine, message: `unterminated ${q} quote for ${name}` });
        i = valueStart;
        nextLine();
        continue;
      }
      // A quoted value written with CRLF line endings means LF inside the value.
      if (eol === '\r\n') value = value.replace(/\r\n/g, '\n');
      const valueEnd = j + 1;
      i = valueEnd;
      line += linesInValue;
      skipInlineSpace();
      if (i < n && src[i] !== '\n' && src[i] !== '\r' && src[i] !== '#') {
        warnings.push({ line: line, message: `unexpected text after the quoted value of ${name}` });
      }
      entries.push({ name, value, line: entryLine, valueStart, valueEnd, quote: q as DotenvQuote, exported });
      nextLine();
      continue;
    }
    // Unquoted: up to end of line or an inline comment (whitespace then #), trimmed.
    const valueStart = i;
    let j = i;
    while (j < n && src[j] !== '\n') {
      if (src[j] === '#' && j > valueStart && (src[j - 1] === ' ' || src[j - 1] === '\t')) break;
      j++;
    }
    let end = j;
    while (end > valueStart && /[ \t\r]/.test(src[end - 1]!)) end--;
    entries.push({ name, value: src.slice(valueStart, end), line: entryLine, valueStart, valueEnd: end, quote: '', exported });
    i = j;
    nextLine();
  }

  const values = new Map<string, DotenvEntry>();
  for (const e of entries) values.set(e.name, e);
  return { entries, values, warnings, bom, eol };
}
