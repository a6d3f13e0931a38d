/**
 * Source code reading the environment. Each file that reads a name is a consumer (a code module).
 * One pattern list per language; a file is searched only with its own language's patterns.
 */
import { lineStarts, positionOf } from '../../core/text.js';
import type { Extractor, Reference } from '../types.js';
import { emptyResult, ids } from './common.js';

const Q = `['"\`]`;
const NAME = `([A-Za-z_][A-Za-z0-9_]*)`;

const LANGUAGES: { ext: RegExp; patterns: RegExp[] }[] = [
  {
    // JS/TS: process.env.X, process.env["X"], import.meta.env.X, Deno.env.get("X"), const { X } = process.env
    ext: /\.(?:[cm]?[jt]sx?|vue|svelte|astro)$/,
    patterns: [
      new RegExp(`\\bprocess\\.env\\.${NAME}`, 'g'),
      new RegExp(`\\bprocess\\.env\\[\\s*${Q}${NAME}${Q}\\s*\\]`, 'g'),
      new RegExp(`\\bimport\\.meta\\.env\\.${NAME}`, 'g'),
      new RegExp(`\\bDeno\\.env\\.get\\(\\s*${Q}${NAME}${Q}`, 'g'),
    ],
  },
  {
    // Python: os.environ["X"], os.environ.get("X"), os.getenv("X"), environ["X"] after `from os import environ`
    ext: /\.py$/,
    patterns: [new RegExp(`\\benviron(?:\\.get\\(|\\.setdefault\\(|\\[)\\s*['"]${NAME}['"]`, 'g'), new RegExp(`\\bgetenv\\(\\s*['"]${NAME}['"]`, 'g')],
  },
  { ext: /\.go$/, patterns: [new RegExp(`\\bos\\.(?:Getenv|LookupEnv)\\(\\s*"${NAME}"`, 'g')] },
  {
    ext: /\.(?:rb|rake)$/,
    patterns: [new RegExp(`\\bENV\\[\\s*['"]${NAME}['"]\\s*\\]`, 'g'), new RegExp(`\\bENV\\.fetch\\(?\\s*['"]${NAME}['"]`, 'g')],
  },
  { ext: /\.(?:java|kt|kts|scala|groovy)$/, patterns: [new RegExp(`\\bSystem\\.getenv\\(\\s*"${NAME}"`, 'g')] },
  {
    ext: /\.rs$/,
    patterns: [new RegExp(`\\benv::var(?:_os)?\\(\\s*"${NAME}"`, 'g'), new RegExp(`\\b(?:option_)?env!\\(\\s*"${NAME}"`, 'g')],
  },
  {
    ext: /\.php$/,
    patterns: [new RegExp(`\\bgetenv\\(\\s*['"]${NAME}['"]`, 'g'), new RegExp(`\\$_ENV\\[\\s*['"]${NAME}['"]\\s*\\]`, 'g')],
  },
];

const DESTRUCTURE = /\b(?:const|let|var)\s*\{([^}]*)\}\s*=\s*process\.env\b/g;

/** Files over this size are generated or bundled code, not modules someone wrote. */
const MAX_SIZE = 1 << 20;

export const extractor: Extractor = {
  id: 'code',
  version: 1,
  matches: (path) =>
    !/(^|\/)(?:node_modules|vendor|dist|build|\.next|target)\//.test(path) && !/\.min\.js$/.test(path) && LANGUAGES.some((l) => l.ext.test(path)),
  extract(file) {
    const out = emptyResult();
    if (file.text.length > MAX_SIZE) return out;
    const lang = LANGUAGES.find((l) => l.ext.test(file.path))!;
    const consumer = ids.consumer('code', file.path);
    const refs: Reference[] = [];
    const starts = lineStarts(file.text);
    const seen = new Set<string>();
    const add = (name: string, index: number) => {
      const line = positionOf(starts, index).line;
      const k = `${name}:${line}`;
      if (seen.has(k)) return;
      seen.add(k);
      refs.push({ name, consumer, line });
    };
    for (const re of lang.patterns) {
      re.lastIndex = 0;
      for (let m = re.exec(file.text); m; m = re.exec(file.text)) add(m[1]!, m.index);
    }
    if (lang === LANGUAGES[0]) {
      DESTRUCTURE.lastIndex = 0;
      for (let m = DESTRUCTURE.exec(file.text); m; m = DESTRUCTURE.exec(file.text)) {
        for (const part of m[1]!.split(',')) {
          const name = /^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(part)?.[1];
          if (name) add(name, m.index);
        }
      }
    }
    if (refs.length) {
      refs.sort((a, b) => a.line - b.line || a.name.localeCompare(b.name));
      out.consumers.push({ id: consumer, kind: 'code', label: `code ${file.path}`, file: file.path, line: 1 });
      out.references.push(...refs);
    }
    return out;
  },
};
