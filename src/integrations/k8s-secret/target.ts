import { inputError, refusedError } from '../../core/errors.js';
import { fingerprint } from '../../core/fingerprint.js';
import { modeNotes, readTargetText, resolveTargetFile, writeTargetText } from '../../targets/files.js';
import { optionalString, requireString } from '../../targets/ref-fields.js';
import type { K8sSecretTargetRef, Target, TargetFingerprint, TargetPlugin, VerifyResult, WriteOptions, WriteResult } from '../../targets/target.js';
import { findSecret, loadDocuments, rewriteSecret, type SecretLocator } from './manifest.js';

export const k8sSecretPlugin: TargetPlugin<K8sSecretTargetRef> = {
  type: 'k8s-secret',
  aliases: ['kubernetes', 'k8s'],
  guardedBy: { provider: 'kubernetes', nameWords: ['KUBE', 'K8S', 'KUBECONFIG'], deploy: 'kubernetes' },
  fromGraph: (a, key) =>
    typeof a.file === 'string' && typeof a.name === 'string'
      ? {
          type: 'k8s-secret',
          file: a.file,
          name: a.name,
          ...(typeof a.namespace === 'string' && a.namespace !== 'default' ? { namespace: a.namespace } : {}),
          ...(key ? { key } : {}),
        }
      : null,
  parseRef(raw) {
    const t = 'k8s-secret';
    const ref: K8sSecretTargetRef = { type: t, file: requireString(raw, 'file', t), name: requireString(raw, 'name', t) };
    const namespace = optionalString(raw, 'namespace', t);
    const key = optionalString(raw, 'key', t);
    if (namespace) ref.namespace = namespace;
    if (key) ref.key = key;
    return ref;
  },
  open(ref, deps): Target {
    const file = resolveTargetFile(deps.projectRoot, ref.file);
    const locate = (name: string): SecretLocator => ({ name: ref.name, namespace: ref.namespace, key: ref.key ?? name });
    const described = `Kubernetes Secret ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name} in ${file.display}`;
    const read = (name: string): string | null => {
      const src = readTargetText(file);
      if (src === null) throw inputError(`${file.display} does not exist`, 'the Kubernetes manifest must exist; credctl only replaces values in it');
      return findSecret(loadDocuments(src, file.display), locate(name), file.display).value;
    };
    const target: Target = {
      type: 'k8s-secret',
      ref,
      describe: () => described,
      async readFingerprint(name): Promise<TargetFingerprint> {
        const v = read(name);
        return v === null ? null : fingerprint(v);
      },
      async readValue(name) {
        return read(name);
      },
      async write(name: string, value: string, opts: WriteOptions = {}): Promise<WriteResult> {
        const src = readTargetText(file);
        if (src === null) throw inputError(`${file.display} does not exist`);
        const loc = locate(name);
        const current = findSecret(loadDocuments(src, file.display), loc, file.display).value;
        const before = current === null ? null : fingerprint(current);
        const after = fingerprint(value);
        const base = { target: described, before, after };
        if (before === after) return { ...base, status: 'unchanged', notes: [] };
        if (opts.expectFingerprint !== undefined && opts.expectFingerprint !== before) {
          throw refusedError(`${loc.key} in ${described} changed since the plan was made`, 'make a new plan (credctl plan)');
        }
        const text = rewriteSecret(src, loc, value, file.display);
        const written = writeTargetText(file, text);
        return {
          ...base,
          status: 'written',
          notes: [...modeNotes(file, written), `apply the manifest (kubectl apply -f ${file.display}) for the cluster to get it`],
        };
      },
      async verify(name, value): Promise<VerifyResult> {
        return read(name) === value;
      },
    };
    return target;
  },
};
