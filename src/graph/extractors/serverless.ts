/**
 * Serverless Framework (`serverless.yml`). The service is a consumer of every name in
 * `provider.environment` and `functions.*.environment`: `${env:X}` is a use of X from the deploying
 * shell, `${ssm:/path}` delivers the value from an AWS SSM parameter (a target), literals are
 * bindings kept in the file.
 */
import type { Extractor, Reference } from '../types.js';
import { YamlFile, entries, get, str, type YNode } from '../yaml-ast.js';
import { basename, emptyResult, ids } from './common.js';

const ENV_RE = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)/g;
const SSM_RE = /\$\{ssm(?:\([^)]*\))?:([^,}\s]+)/g;

export const extractor: Extractor = {
  id: 'serverless',
  version: 1,
  matches: (path) => /^serverless\.ya?ml$/.test(basename(path)),
  extract(file, ctx) {
    const out = emptyResult();
    const y = new YamlFile(file.path, file.text, out.warnings);
    const root = y.docs[0];
    if (!root) return out;
    const service = str(get(root, 'service')) ?? str(get(get(root, 'service'), 'name')) ?? file.path;
    const consumer = ids.consumer('serverless-service', `${file.path}#${service}`);
    const configTarget = ids.configFile(file.path);
    const refs: Reference[] = [];
    const blocks: YNode[] = [get(get(root, 'provider'), 'environment')];
    for (const fn of entries(get(root, 'functions'))) blocks.push(get(fn.value, 'environment'));
    for (const block of blocks) {
      for (const e of entries(block)) {
        const line = y.line(e.keyNode);
        const envUses = y.scan(e.value, ENV_RE);
        const ssmUses = y.scan(e.value, SSM_RE);
        for (const { match, line: l } of envUses) {
          const name = match[1]!;
          refs.push({ name, consumer, line: l, ...(name !== e.key ? { as: e.key } : {}) });
        }
        for (const { match, line: l } of ssmUses) {
          const param = match[1]!.replace(/^~?(?:true|false)$/, '');
          const target = ids.ssmParameter(param);
          if (!out.targets.some((t) => t.id === target)) {
            out.targets.push({ id: target, kind: 'aws-ssm-parameter', remote: true, label: `AWS SSM parameter ${param}`, attrs: { parameter: param } });
          }
          refs.push({ name: e.key, consumer, line: l, secret: true, via: { target } });
        }
        const raw = str(e.value);
        if (raw !== undefined && envUses.length === 0 && ssmUses.length === 0 && !raw.includes('${')) {
          const credential = ctx.classify(e.key, raw, file.path);
          out.bindings.push({ name: e.key, line, target: configTarget, ...(credential ? { credential } : {}) });
          refs.push({ name: e.key, consumer, line, via: { target: configTarget } });
        }
      }
    }
    if (refs.length) {
      out.consumers.push({ id: consumer, kind: 'serverless-service', label: `Serverless service ${service}`, file: file.path, line: 1, attrs: { service } });
      out.references.push(...refs);
    }
    if (out.bindings.length) out.targets.push({ id: configTarget, kind: 'config-file', label: `config file ${file.path}`, attrs: { file: file.path } });
    return out;
  },
};
