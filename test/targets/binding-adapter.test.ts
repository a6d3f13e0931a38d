import { afterEach, describe, expect, it } from 'vitest';
import { asBindingTarget } from '../../src/targets/binding-adapter.js';
import { openTarget } from '../../src/integrations/targets.js';
import { startGithubApi, type GithubApiServer } from '../../src/demo/vendors/github-api.js';
import { tempProject } from './helpers.js';

const TOKEN = 'ghp_FAKEguardtoken000000000000000000001';
const NEW = 'postgres://app:FAKEnewpass0002@db.internal:5432/app';

describe('asBindingTarget: the engine view', () => {
  let p: ReturnType<typeof tempProject> | undefined;
  let gh: GithubApiServer | undefined;
  afterEach(async () => {
    p?.cleanup();
    await gh?.close();
    p = undefined;
    gh = undefined;
  });

  it('reads binding text, writes written/unchanged, verifies (file target)', async () => {
    p = tempProject();
    p.file('.env', 'DATABASE_URL=postgres://app:FAKEoldpass0001@db.internal:5432/app\n');
    const b = asBindingTarget(openTarget({ type: 'dotenv', file: '.env' }, { projectRoot: p.root }));
    expect(await b.read('DATABASE_URL')).toBe('postgres://app:FAKEoldpass0001@db.internal:5432/app');
    expect(await b.write('DATABASE_URL', NEW)).toBe('written');
    expect(await b.write('DATABASE_URL', NEW)).toBe('unchanged');
    expect(await b.verify('DATABASE_URL', NEW)).toBe(true);
  });

  it('write-only targets read as undefined and verify against the remembered write time', async () => {
    gh = await startGithubApi({ tokens: [TOKEN], repos: ['acme/api'] });
    // A ledger that forgets, as after a crash without one: verify must still use the write time.
    const forgetful = { get: async () => undefined, set: async () => undefined };
    const t = openTarget(
      { type: 'github-actions', repo: 'acme/api' },
      { projectRoot: '/nonexistent', getCredential: async () => TOKEN, apiUrl: { 'github-actions': gh.url }, ledger: forgetful },
    );
    const b = asBindingTarget(t);
    expect(await b.read('DATABASE_URL')).toBeUndefined();
    expect(await b.write('DATABASE_URL', NEW)).toBe('written');
    expect(await b.verify('DATABASE_URL', NEW)).toBe(true);
    expect(gh.secret('acme/api', 'DATABASE_URL')?.value).toBe(NEW);
  });
});
