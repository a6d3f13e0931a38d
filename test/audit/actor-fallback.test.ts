// The actor on machines without a passwd entry for the user (some containers), where os.userInfo()
// throws: the audit log still names someone, from the environment. Its own file because it
// replaces node:os for everything imported here.
import { describe, expect, it, vi } from 'vitest';
import { defaultActor } from '../../src/audit/log.js';

const os = vi.hoisted(() => ({ username: undefined as string | undefined }));
vi.mock('node:os', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:os')>();
  return {
    ...real,
    hostname: () => 'container-7',
    userInfo: () => {
      if (os.username === undefined) throw new Error('no passwd entry');
      return { ...real.userInfo(), username: os.username };
    },
  };
});

describe('the actor when the system cannot name the user', () => {
  it('is $USER, else $USERNAME, else "unknown", at the host', () => {
    os.username = undefined;
    expect(defaultActor({ USER: 'deploy', USERNAME: 'winuser' })).toBe('deploy@container-7');
    expect(defaultActor({ USERNAME: 'winuser' })).toBe('winuser@container-7');
    expect(defaultActor({})).toBe('unknown@container-7');
  });

  it("is the system's name for the user when there is one, over the environment's", () => {
    os.username = 'realuser';
    expect(defaultActor({ USER: 'claimed' })).toBe('realuser@container-7');
    os.username = '';
    expect(defaultActor({ USER: 'claimed' })).toBe('claimed@container-7');
  });
});
