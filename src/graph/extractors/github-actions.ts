/**
 * GitHub Actions workflows. Every job is a consumer; every `secrets.X` it mentions (in env at any
 * level, `with:`, `run:`, a reusable workflow's `secrets:`) is a reference delivered from the
 * repository's Actions secret X. The job's `environment:` and what its steps deploy to are kept.
 */
import type { Extractor, Reference, WorkflowCall } from '../types.js';
import { YamlFile, entries, get, items, str, type YNode } from '../yaml-ast.js';
import { deployTargets, emptyResult, ids } from './common.js';

const SECRET_RE = /\bsecrets\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_-]*)|\[\s*['"]([^'"]+)['"]\s*\])/g;
const WHOLE_SECRET = /^\$\{\{\s*secrets\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_-]*)|\[\s*['"]([^'"]+)['"]\s*\])\s*\}\}$/;

export const extractor: Extractor = {
  id: 'github-actions',
  version: 1,
  matches: (path) => /^\.github\/workflows\/[^/]+\.ya?ml$/.test(path),
  extract(file) {
    const out = emptyResult();
    const y = new YamlFile(file.path, file.text, out.warnings);
    const root = y.docs[0];
    if (!root) return out;
    const workflowName = str(get(root, 'name')) ?? file.path;

    // "Renamed" uses: `KEY: ${{ secrets.OTHER }}` in an env, with or secrets map, by line.
    const renamed = new Map<string, string>();
    const noteRenames = (map: YNode) => {
      for (const e of entries(map)) {
        const m = WHOLE_SECRET.exec(str(e.value)?.trim() ?? '');
        const name = m ? (m[1] ?? m[2])! : undefined;
        if (name && name !== e.key) renamed.set(`${y.line(e.value)}:${name}`, e.key);
      }
    };

    const on = get(root, 'on');
    const declared = entries(get(get(on, 'workflow_call'), 'secrets')).map((e) => e.key);
    if (declared.length) out.workflowCallSecrets = declared;

    const workflowEnv = get(root, 'env');
    noteRenames(workflowEnv);
    const calls: WorkflowCall[] = [];

    for (const job of entries(get(root, 'jobs'))) {
      const consumer = ids.consumer('gha-job', `${file.path}#${job.key}`);
      const attrs: Record<string, string | string[]> = { workflow: workflowName, job: job.key };
      const envNode = get(job.value, 'environment');
      const environment = str(envNode) ?? str(get(envNode, 'name'));
      if (environment) attrs.environment = environment;
      const jobText = (() => {
        const r = (job.value as { range?: [number, number, number] } | null)?.range;
        return r ? file.text.slice(r[0], r[1]) : '';
      })();
      const deploys = deployTargets(jobText);
      if (deploys.length) attrs.deploysTo = deploys;

      noteRenames(get(job.value, 'env'));
      noteRenames(get(job.value, 'with'));
      noteRenames(get(job.value, 'secrets'));
      for (const step of items(get(job.value, 'steps'))) {
        noteRenames(get(step, 'env'));
        noteRenames(get(step, 'with'));
      }

      const uses = str(get(job.value, 'uses'));
      if (uses) {
        const secretsNode = get(job.value, 'secrets');
        const map: Record<string, string> = {};
        for (const e of entries(secretsNode)) {
          const m = WHOLE_SECRET.exec(str(e.value)?.trim() ?? '');
          if (m) map[e.key] = (m[1] ?? m[2])!;
        }
        calls.push({ caller: consumer, uses, inherit: str(secretsNode) === 'inherit', map, line: y.line(job.keyNode) });
        attrs.uses = uses;
      }

      out.consumers.push({ id: consumer, kind: 'gha-job', label: `${workflowName} / ${job.key}`, file: file.path, line: y.line(job.keyNode), attrs });

      const refs: Reference[] = [];
      const addFrom = (node: YNode) => {
        for (const { match, line } of y.scan(node, SECRET_RE)) {
          const name = (match[1] ?? match[2])!;
          const as = renamed.get(`${line}:${name}`);
          refs.push({ name, consumer, line, via: { target: ids.githubSecret(name) }, secret: true, ...(as ? { as } : {}) });
        }
      };
      // Workflow-level env reaches every job.
      addFrom(workflowEnv);
      addFrom(job.value);
      out.references.push(...refs);
    }
    if (calls.length) out.calls = calls;
    return out;
  },
};
