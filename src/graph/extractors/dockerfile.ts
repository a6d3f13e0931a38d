/**
 * Dockerfiles. The image build is a consumer: `ARG X` is a value it needs from outside (a use of
 * X), `ENV X=$Y` a use of Y seen as X, and `ENV X=literal` / `ARG X=literal` bake a value into the
 * file (a binding: a credential there ends up in every image layer). BuildKit secret mounts
 * (`RUN --mount=type=secret,id=X`) are uses of X.
 */
import type { Extractor, Reference } from '../types.js';
import { SHELL_VAR_RE, basename, emptyResult, ids, shellVarName } from './common.js';

const SECRET_MOUNT = /--mount=[^\s]*type=secret[^\s]*/g;

export const extractor: Extractor = {
  id: 'dockerfile',
  version: 1,
  matches: (path) => /^(?:Dockerfile(?:\.[\w.-]+)?|[\w.-]+\.[Dd]ockerfile|Containerfile)$/.test(basename(path)),
  extract(file, ctx) {
    const out = emptyResult();
    const consumer = ids.consumer('dockerfile', file.path);
    const configTarget = ids.configFile(file.path);
    const refs: Reference[] = [];
    // Join continuation lines, remembering the line each instruction starts on.
    const lines = file.text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const start = i + 1;
      let text = lines[i]!.replace(/\r$/, '');
      while (/\\\s*$/.test(text) && i + 1 < lines.length) text = text.replace(/\\\s*$/, ' ') + lines[++i]!.replace(/\r$/, '');
      const m = /^\s*(ENV|ARG|RUN)\s+(.*)$/i.exec(text);
      if (!m) continue;
      const op = m[1]!.toUpperCase();
      const rest = m[2]!;
      if (op === 'RUN') {
        for (const mount of rest.match(SECRET_MOUNT) ?? []) {
          const id = /[,=]id=([\w.-]+)/.exec(mount)?.[1];
          if (id) refs.push({ name: id, consumer, line: start, secret: true });
        }
        continue;
      }
      for (const [name, value] of pairs(op, rest)) {
        if (value === undefined) {
          if (op === 'ARG') refs.push({ name, consumer, line: start });
          continue;
        }
        SHELL_VAR_RE.lastIndex = 0;
        const uses = [...value.matchAll(SHELL_VAR_RE)];
        if (uses.length === 0) {
          const credential = ctx.classify(name, value, file.path);
          out.bindings.push({ name, line: start, target: configTarget, ...(credential ? { credential } : {}) });
          // The image carries the value: its containers get the name from this very file.
          refs.push({ name, consumer, line: start, via: { target: configTarget } });
        }
        for (const u of uses) {
          const used = shellVarName(u as RegExpExecArray);
          refs.push({ name: used, consumer, line: start, ...(used !== name ? { as: name } : {}) });
        }
      }
    }
    out.references.push(...refs);
    if (refs.length || out.bindings.length) {
      out.consumers.push({ id: consumer, kind: 'dockerfile', label: `image built by ${file.path}`, file: file.path, line: 1 });
    }
    if (out.bindings.length) out.targets.push({ id: configTarget, kind: 'config-file', label: `config file ${file.path}`, attrs: { file: file.path } });
    return out;
  },
};

/** `K=V K2="V 2"`, or the legacy `ENV K V`; `ARG K` has no value. */
function pairs(op: string, rest: string): [string, string | undefined][] {
  const out: [string, string | undefined][] = [];
  if (!rest.includes('=')) {
    const [name, ...value] = rest.trim().split(/\s+/);
    if (name) out.push([name, op === 'ENV' && value.length ? value.join(' ') : undefined]);
    return out;
  }
  const re = /([A-Za-z_][A-Za-z0-9_]*)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g;
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    let v = m[2];
    if (v !== undefined && v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.endsWith(v[0])) v = v.slice(1, -1);
    out.push([m[1]!, v]);
  }
  return out;
}
