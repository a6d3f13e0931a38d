import { existsSync } from 'node:fs';
import { inputError, refusedError } from '../core/errors.js';
import { fingerprint, shortFingerprint } from '../core/fingerprint.js';
import { note, paint, printJson, printLine } from '../core/output.js';
import { projectPaths } from '../core/paths.js';
import { withAudit } from '../audit/log.js';
import { AUDIT_KEY_NAME } from '../audit/keys.js';
import { checkLabel, checkSecretName } from '../store/metadata.js';
import { chooseBackend, keychainIndexPath, storeFor } from '../store/open.js';
import { probeKeychain } from '../store/keychain-store.js';
import { FileStore } from '../store/file-store.js';
import type { SecretStore, VersionLabel } from '../store/types.js';
import * as io from '../core/io.js';

/**
 * What `credctl store ...` does, behind the flag parsing in src/cli/commands/store.ts. Every
 * command that touches secrets appends an audit entry before it reveals or changes anything, so
 * a failed audit write stops it (fail closed).
 */
async function open(): Promise<SecretStore> {
  const paths = projectPaths();
  const choice = await chooseBackend(paths);
  if (choice.fresh) {
    note(
      choice.backend === 'keychain'
        ? "credctl: keeping this project's secrets in the OS keychain (set CREDCTL_STORE=file for an encrypted file instead)."
        : `credctl: ${choice.reason}; keeping this project's secrets in the encrypted file ${paths.store}.`,
    );
  }
  const store = storeFor(choice.backend, paths, { note });
  // Check the key up front so a wrong passphrase is one clear error before anything else.
  if (store instanceof FileStore) store.unlock();
  return store;
}

export async function storeStatus(opts: { json?: boolean }): Promise<void> {
  const paths = projectPaths();
  const choice = await chooseBackend(paths);
  const probe = choice.backend === 'keychain' || choice.keychainProblem ? null : await probeKeychain();
  const keychain =
    choice.backend === 'keychain'
      ? { available: true }
      : { available: probe?.ok ?? false, problem: choice.keychainProblem ?? (probe && !probe.ok ? probe.reason : undefined) };
  const store = storeFor(choice.backend, paths, { note });
  let names: number | null = null;
  let problem: string | undefined;
  try {
    names = (await store.list()).filter((e) => !e.name.startsWith('credctl/')).length;
  } catch (err) {
    problem = (err as Error).message;
  }
  const result = {
    backend: choice.backend,
    reason: choice.reason,
    description: store.describe(),
    secrets: names,
    ...(problem ? { problem } : {}),
    keychain,
    file: { path: paths.store, exists: existsSync(paths.store) },
    keychainIndex: { path: keychainIndexPath(paths), exists: existsSync(keychainIndexPath(paths)) },
  };
  if (opts.json) return printJson(result);
  printLine(`backend: ${result.backend} (${result.reason})`);
  printLine(`store:   ${result.description}`);
  if (names !== null) printLine(`secrets: ${names}`);
  if (problem) printLine(paint().red(`problem: ${problem}`));
  if (choice.backend === 'file' && keychain.problem) printLine(`keychain: unavailable (${keychain.problem})`);
}

async function readValue(name: string, allowPrompt: boolean): Promise<string> {
  if (io.inputIsTTY()) {
    if (!allowPrompt) throw refusedError('no value piped in and --no-input given', `Pipe the value: printf %s "$VALUE" | credctl store put ${name}`);
    const { password } = await import('@inquirer/prompts');
    return password({ message: `Value for ${name}`, mask: false });
  }
  const chunks: Buffer[] = [];
  for await (const c of io.input()) chunks.push(c as Buffer);
  // Strip exactly one trailing newline: what `echo` and most editors add, never part of a key.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export async function storePut(name: string, opts: { label: string; input: boolean; json?: boolean }): Promise<void> {
  checkSecretName(name);
  checkLabel(opts.label);
  if (opts.label === 'previous' || opts.label === 'rolled-back') throw inputError(`a new version can be labelled pending or current, not ${opts.label}`);
  const value = await readValue(name, opts.input);
  if (!value) throw inputError('empty value: nothing stored');
  const store = await open();
  const info = await withAudit(
    async (audit) => {
      // Record intent first: if the log cannot be written the value is not stored.
      await audit.append({
        action: 'store.put',
        subject: { name, fingerprint: fingerprint(value) },
        outcome: 'started',
        details: { backend: store.backend, label: opts.label },
      });
      try {
        const info = await store.put(name, value, [opts.label as VersionLabel]);
        await audit.append({
          action: 'store.put',
          subject: { name, fingerprint: info.fingerprint },
          outcome: 'ok',
          details: { backend: store.backend, version: info.version, labels: info.labels },
        });
        return info;
      } catch (err) {
        await audit.append({ action: 'store.put', subject: { name }, outcome: 'failed', details: { backend: store.backend, error: (err as Error).message } });
        throw err;
      }
    },
    { store, note },
  );
  if (opts.json) return printJson({ name, ...info });
  printLine(`stored ${name} v${info.version} [${info.labels.join(', ') || 'no label'}] ${shortFingerprint(info.fingerprint)} in the ${store.backend} store`);
}

export async function storeGet(name: string, opts: { version?: number; label?: string; reveal?: boolean; newline: boolean }): Promise<void> {
  checkSecretName(name);
  if (opts.label !== undefined) checkLabel(opts.label);
  const select = { version: opts.version, label: opts.label as VersionLabel | undefined };
  const store = await open();
  await withAudit(
    async (audit) => {
      const subject = { name, ...(opts.version ? { version: opts.version } : {}), ...(opts.label ? { label: opts.label } : {}) };
      if (io.out().isTTY && !opts.reveal) {
        await audit.append({ action: 'store.get', subject, outcome: 'refused', details: { reason: 'stdout is a terminal' } });
        throw refusedError('not printing a secret to the terminal', `Pipe or redirect it (credctl store get ${name} | pbcopy, > file), or pass --reveal.`);
      }
      const value = await store.get(name, select);
      if (value === null) {
        await audit.append({ action: 'store.get', subject, outcome: 'failed', details: { reason: 'not found' } });
        const which = opts.version ? ` version ${opts.version}` : opts.label ? ` with label ${opts.label}` : '';
        throw inputError(`no secret named ${name}${which}`, 'See `credctl store list` and `credctl store versions NAME`.');
      }
      // The read is recorded before the value leaves the process.
      await audit.append({
        action: 'store.get',
        subject: { ...subject, fingerprint: fingerprint(value) },
        outcome: 'ok',
        details: { backend: store.backend, revealed: Boolean(io.out().isTTY) },
      });
      io.out().write(opts.newline ? value + '\n' : value);
    },
    { store, note },
  );
}

export async function storeList(opts: { all?: boolean; json?: boolean }): Promise<void> {
  const store = await open();
  const entries = await withAudit(
    async (audit) => {
      const all = await store.list();
      await audit.append({ action: 'store.list', subject: {}, outcome: 'ok', details: { backend: store.backend, count: all.length } });
      return opts.all ? all : all.filter((e) => !e.name.startsWith('credctl/'));
    },
    { store, note },
  );
  if (opts.json) return printJson(entries, 'secrets');
  if (entries.length === 0) return note('the store is empty');
  for (const e of entries) {
    const labels = Object.entries(e.labels)
      .map(([l, v]) => `${l}=v${v}`)
      .join(' ');
    printLine(`${e.name}  ${e.versions} version${e.versions === 1 ? '' : 's'}  latest v${e.latest}  ${labels}  updated ${e.updatedAt}`);
  }
}

export async function storeVersions(name: string, opts: { json?: boolean }): Promise<void> {
  checkSecretName(name);
  const store = await open();
  const versions = await withAudit(
    async (audit) => {
      const v = await store.versions(name);
      await audit.append({ action: 'store.versions', subject: { name }, outcome: v.length ? 'ok' : 'failed', details: { count: v.length } });
      return v;
    },
    { store, note },
  );
  if (versions.length === 0) throw inputError(`no secret named ${name}`, 'See `credctl store list`.');
  if (opts.json) return printJson(versions, 'versions');
  for (const v of versions) printLine(`v${v.version}  ${v.createdAt}  ${shortFingerprint(v.fingerprint)}  ${v.labels.join(', ')}`);
}

export async function storeRm(name: string, opts: { yes?: boolean; input: boolean; json?: boolean }): Promise<void> {
  checkSecretName(name);
  if (name === AUDIT_KEY_NAME)
    throw refusedError(
      `not deleting ${name}: the audit log could no longer be extended`,
      'Move .credctl/audit.jsonl away first if you mean to start a new log.',
    );
  const store = await open();
  const versions = await store.versions(name);
  if (versions.length === 0) throw inputError(`no secret named ${name}`, 'See `credctl store list`.');
  if (!opts.yes) {
    if (!io.inputIsTTY() || !opts.input) throw refusedError(`not deleting ${name} without confirmation`, 'Pass --yes.');
    const { confirm } = await import('@inquirer/prompts');
    const ok = await confirm({ message: `Delete all ${versions.length} version(s) of ${name}? This cannot be undone.`, default: false });
    if (!ok) throw refusedError('not confirmed; nothing deleted');
  }
  await withAudit(
    async (audit) => {
      await audit.append({
        action: 'store.rm',
        subject: { name, fingerprint: versions.at(-1)!.fingerprint },
        outcome: 'started',
        details: { versions: versions.length },
      });
      await store.delete(name);
      await audit.append({
        action: 'store.rm',
        subject: { name },
        outcome: 'ok',
        details: { versions: versions.length, fingerprints: versions.map((v) => v.fingerprint) },
      });
    },
    { store, note },
  );
  if (opts.json) return printJson({ name, deleted: versions.length });
  printLine(`deleted ${name} (${versions.length} version${versions.length === 1 ? '' : 's'})`);
}
