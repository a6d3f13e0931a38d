import { StringDecoder } from 'node:string_decoder';

/**
 * A streaming reader of `git log -p` / `git diff` output (unified diff, any context size) that
 * yields, per commit and file, the lines the change added with their line numbers in the new
 * file. Hunk headers' line counts are tracked, so an added line that itself starts with `++ `
 * or `diff --git` is content, not a header.
 */
export interface CommitInfo {
  hash: string;
  author: string;
  /** Author date, ISO 8601. */
  date: string;
  /** Author date, Unix seconds (for ordering). */
  time: number;
}

export interface AddedLines {
  commit?: CommitInfo;
  /** Path in the new tree, repository-relative, `/` separators. */
  path: string;
  lines: string[];
  /** New-file line number of each entry in `lines`. */
  lineNumbers: number[];
  bytes: number;
}

/** The `--format` for git log that this parser understands: one header line per commit. */
export const COMMIT_FORMAT = '--format=%x00commit%x00%H%x00%an%x00%aI%x00%at';
const COMMIT_MARK = '\0commit\0';

/** Split a byte stream into lines (LF; a trailing CR is dropped), decoding UTF-8 leniently. */
export async function* splitLines(stream: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream) {
    const text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      yield text.charCodeAt(nl - 1) === 13 && nl > start ? text.slice(start, nl - 1) : text.slice(start, nl);
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest) yield rest;
}

/** Undo git's C-style quoting of unusual paths: "a\tb\303\251" → a<TAB>bé. */
export function unquoteGitPath(p: string): string {
  if (!p.startsWith('"') || !p.endsWith('"') || p.length < 2) return p;
  const body = p.slice(1, -1);
  const bytes: number[] = [];
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, '"': 34, '\\': 92, a: 7, b: 8, f: 12, v: 11 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
      continue;
    }
    const n = body[i + 1] ?? '';
    if (/[0-7]/.test(n)) {
      bytes.push(parseInt(body.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(simple[n] ?? n.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

const HUNK = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

export interface ParseOptions {
  /** Added lines beyond this many bytes per file per commit are dropped (and `truncated` counted). */
  maxBytes?: number;
  onCommit?: (c: CommitInfo) => void;
  onTooLarge?: (path: string) => void;
  onBinary?: () => void;
}

export async function* addedLines(lines: AsyncIterable<string>, options: ParseOptions = {}): AsyncGenerator<AddedLines> {
  const maxBytes = options.maxBytes ?? Infinity;
  let commit: CommitInfo | undefined;
  let current: AddedLines | undefined;
  let tooLarge = false;
  let oldLeft = 0;
  let newLeft = 0;
  let newLine = 0;

  const flush = (): AddedLines | undefined => {
    const out = current && current.lines.length > 0 && !tooLarge ? current : undefined;
    if (current && tooLarge) options.onTooLarge?.(current.path);
    current = undefined;
    tooLarge = false;
    return out;
  };

  for await (const line of lines) {
    if (oldLeft > 0 || newLeft > 0) {
      const c = line.charCodeAt(0);
      if (c === 43 /* + */) {
        newLeft--;
        if (current && !tooLarge) {
          const text = line.slice(1);
          current.bytes += text.length + 1;
          if (current.bytes > maxBytes) tooLarge = true;
          else {
            current.lines.push(text);
            current.lineNumbers.push(newLine);
          }
        }
        newLine++;
        continue;
      }
      if (c === 45 /* - */) {
        oldLeft--;
        continue;
      }
      if (c === 32 /* space */) {
        oldLeft--;
        newLeft--;
        newLine++;
        continue;
      }
      if (c === 92 /* \ No newline at end of file */) continue;
      // Anything else means the hunk ended early (should not happen): fall through to headers.
      oldLeft = newLeft = 0;
    }
    if (line.startsWith(COMMIT_MARK)) {
      const done = flush();
      if (done) yield done;
      const [, , hash = '', author = '', date = '', time = '0'] = line.split('\0');
      commit = { hash, author, date, time: Number(time) };
      options.onCommit?.(commit);
      continue;
    }
    if (line.startsWith('diff --git ') || line.startsWith('diff --cc ') || line.startsWith('diff --combined ')) {
      const done = flush();
      if (done) yield done;
      continue;
    }
    if (line.startsWith('+++ ')) {
      // git appends a TAB after names containing spaces; quoted names carry their own escapes.
      const target = unquoteGitPath(line.slice(4).replace(/\t$/, ''));
      if (target === '/dev/null') continue;
      current = { commit, path: target.startsWith('b/') ? target.slice(2) : target, lines: [], lineNumbers: [], bytes: 0 };
      continue;
    }
    if (line.startsWith('Binary files ')) {
      options.onBinary?.();
      continue;
    }
    const h = HUNK.exec(line);
    if (h) {
      oldLeft = h[1] === undefined ? 1 : Number(h[1]);
      newLine = Number(h[2]);
      newLeft = h[3] === undefined ? 1 : Number(h[3]);
    }
  }
  const done = flush();
  if (done) yield done;
}
