import { describe, expect, it } from 'vitest';
import github from '../../../src/integrations/github/index.js';

// What the GitHub folder declares, read from the module itself: the registry refuses a folder whose
// integration does not carry the folder's name, and a file that imported the registry would then
// not load at all (no test would fail). The registry is imported inside the test for that reason.
describe('what GitHub declares', () => {
  it('is found by the registry under its folder name, github', async () => {
    expect(github.id).toBe('github');
    const { integrationNamed } = await import('../../../src/integrations/registry.js');
    expect(integrationNamed('github')).toBe(github);
  });

  it("calls GitHub's documented REST host unless told otherwise", () => {
    expect(github.defaultApi).toBe('https://api.github.com');
  });

  it('sends a person to the token settings to revoke or rotate by hand', () => {
    expect(github.manual?.revoke?.url).toBe('https://github.com/settings/tokens');
    expect(github.manual?.rotate?.url).toBe('https://github.com/settings/personal-access-tokens');
  });
});
