import { parseDotenv } from '../../core/dotenv.js';
import { refusedError } from '../../core/errors.js';
import { fingerprint } from '../../core/fingerprint.js';
import { modeNotes, readTargetText, resolveTargetFile, writeTargetText, type TargetFile } from '../../targets/files.js';
import { requireString } from '../../targets/ref-fields.js';
import type {
  DotenvTargetRef,
  Target,
  TargetDeps,
  TargetFingerprint,
  TargetPlugin,
  TargetRef,
  VerifyResult,
  WriteOptions,
  WriteResult,
} from '../../targets/target.js';
import { assertDotenvName, rewriteDotenv } from './rewrite.js';

/**
 * A dotenv file as a target. Shared by `dotenv` and `compose-env-file` (same format); only the
 * description differs.
 */
export class DotenvFileTarget implements Target {
  private readonly file: TargetFile;

  constructor(
    readonly type: string,
    readonly ref: TargetRef,
    fileRef: string,
    deps: TargetDeps,
    private readonly label: (display: string) => string,
  ) {
    this.file = resolveTargetFile(deps.projectRoot, fileRef);
  }

  describe(): string {
    return this.label(this.file.display);
  }

  async readFingerprint(name: string): Promise<TargetFingerprint> {
    assertDotenvName(name);
    const text = readTargetText(this.file);
    if (text === null) return null;
    const entry = parseDotenv(text).values.get(name);
    return entry ? fingerprint(entry.value) : null;
  }

  async readValue(name: string): Promise<string | null> {
    assertDotenvName(name);
    const text = readTargetText(this.file);
    return text === null ? null : (parseDotenv(text).values.get(name)?.value ?? null);
  }

  async write(name: string, value: string, opts: WriteOptions = {}): Promise<WriteResult> {
    const src = readTargetText(this.file);
    const current = src === null ? undefined : parseDotenv(src).values.get(name);
    const before = current ? fingerprint(current.value) : null;
    const after = fingerprint(value);
    const base = { target: this.describe(), before, after };
    if (before === after) return { ...base, status: 'unchanged', notes: [] };
    if (opts.expectFingerprint !== undefined && opts.expectFingerprint !== before) {
      throw refusedError(
        `${name} in ${this.file.display} changed since the plan was made`,
        'make a new plan (credctl plan) so it starts from what is there now',
      );
    }
    const rewrite = rewriteDotenv(src, name, value);
    const written = writeTargetText(this.file, rewrite.text);
    // Read back what is on disk now, not what we meant to write.
    const onDisk = readTargetText(this.file);
    if (onDisk !== rewrite.text) {
      throw refusedError(`${this.file.display} changed while ${name} was being written`, 'run the step again');
    }
    const notes = modeNotes(this.file, written);
    if (rewrite.rewritten > 1) notes.push(`${name} appears ${rewrite.rewritten} times with the old value; all were updated`);
    if (rewrite.appended && !written.created) notes.push(`${name} was not in ${this.file.display}; appended`);
    return { ...base, status: 'written', notes };
  }

  async verify(name: string, value: string): Promise<VerifyResult> {
    return (await this.readFingerprint(name)) === fingerprint(value);
  }
}

export const dotenvPlugin: TargetPlugin<DotenvTargetRef> = {
  type: 'dotenv',
  aliases: ['env-file', 'dotenv'],
  fromGraph: (a) => (typeof a.file === 'string' ? { type: 'dotenv', file: a.file } : null),
  parseRef(raw) {
    return { type: 'dotenv', file: requireString(raw, 'file', 'dotenv') };
  },
  open(ref, deps) {
    return new DotenvFileTarget('dotenv', ref, ref.file, deps, (d) => `.env file ${d}`);
  },
};
