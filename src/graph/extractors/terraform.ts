/**
 * Terraform. A module (a directory of .tf files) is a consumer of each input variable it declares,
 * under the environment name Terraform reads it from, `TF_VAR_<name>`, so it joins CI that sets
 * `TF_VAR_x` and `.tfvars` files that assign `x`. `sensitive = true` marks the variable a secret.
 * A literal `default` in a .tf and a string assigned in a `.tfvars` are bindings kept in that file.
 *
 * HCL is read with a small scanner (blocks, strings, comments) rather than a full parser: only
 * `variable` blocks and top-level `name = "string"` assignments matter here.
 */
import type { Extractor } from '../types.js';
import { dirname, emptyResult, ids, lineAt } from './common.js';

const tfVar = (name: string) => `TF_VAR_${name}`;

export const extractor: Extractor = {
  id: 'terraform',
  version: 1,
  matches: (path) => /\.(?:tf|tfvars)$/.test(path),
  extract(file, ctx) {
    const out = emptyResult();
    const text = stripComments(file.text);
    const configTarget = ids.configFile(file.path);
    if (file.path.endsWith('.tfvars')) {
      const re = /^[ \t]*([A-Za-z_][A-Za-z0-9_-]*)[ \t]*=[ \t]*"((?:[^"\\\n]|\\.)*)"[ \t]*$/gm;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const value = m[2]!.replace(/\\(.)/g, '$1');
        const credential = ctx.classify(m[1]!, value, file.path);
        out.bindings.push({
          name: tfVar(m[1]!),
          line: lineAt(text, m.index + m[0].indexOf(m[1]!)),
          target: configTarget,
          ...(credential ? { credential } : {}),
        });
      }
      if (out.bindings.length) out.targets.push({ id: configTarget, kind: 'config-file', label: `config file ${file.path}`, attrs: { file: file.path } });
      return out;
    }
    const dir = dirname(file.path) || '.';
    const consumer = ids.consumer('terraform-module', dir);
    const re = /^[ \t]*variable[ \t]+"([A-Za-z_][A-Za-z0-9_-]*)"[ \t]*\{/gm;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const name = m[1]!;
      const bodyStart = m.index + m[0].length;
      const bodyEnd = matchingBrace(text, bodyStart - 1);
      if (bodyEnd === -1) {
        out.warnings.push({ file: file.path, line: lineAt(text, m.index), message: `variable "${name}": unclosed block` });
        break;
      }
      const body = text.slice(bodyStart, bodyEnd);
      const line = lineAt(text, m.index);
      const sensitive = /^[ \t]*sensitive[ \t]*=[ \t]*true\b/m.test(body);
      out.references.push({ name: tfVar(name), consumer, line, ...(sensitive ? { secret: true } : {}) });
      const def = /^[ \t]*default[ \t]*=[ \t]*"((?:[^"\\\n]|\\.)*)"/m.exec(body);
      if (def) {
        const credential = ctx.classify(name, def[1]!.replace(/\\(.)/g, '$1'), file.path);
        out.bindings.push({ name: tfVar(name), line: lineAt(text, bodyStart + def.index), target: configTarget, ...(credential ? { credential } : {}) });
      }
    }
    if (out.references.length) out.consumers.push({ id: consumer, kind: 'terraform-module', label: `Terraform module ${dir}`, file: file.path, line: 1 });
    if (out.bindings.length) out.targets.push({ id: configTarget, kind: 'config-file', label: `config file ${file.path}`, attrs: { file: file.path } });
    return out;
  },
};

/** Blank out `#`, `//` and `/* *\/` comments, keeping offsets and newlines so lines stay right. */
function stripComments(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"' && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '#' || (c === '/' && src[i + 1] === '/')) {
      while (i < src.length && src[i] !== '\n') {
        out += ' ';
        i++;
      }
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end === -1 ? src.length : end + 2;
      for (; i < stop; i++) out += src[i] === '\n' ? '\n' : ' ';
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}
