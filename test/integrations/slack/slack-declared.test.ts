import { describe, expect, it } from 'vitest';
import slack from '../../../src/integrations/slack/index.js';

// What the Slack folder declares, read from the module itself: the registry refuses a folder whose
// integration does not carry the folder's name, and a file that imported the registry would then
// not load at all (no test would fail). The registry is imported inside the test for that reason.
describe('what Slack declares', () => {
  it('is found by the registry under its folder name, slack', async () => {
    expect(slack.id).toBe('slack');
    const { integrationNamed } = await import('../../../src/integrations/registry.js');
    expect(integrationNamed('slack')).toBe(slack);
  });

  it("sends a person to Slack's app settings to rotate by hand", () => {
    expect(slack.manual?.rotate?.url).toBe('https://api.slack.com/apps');
  });
});
