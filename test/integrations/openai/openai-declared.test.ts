import { describe, expect, it } from 'vitest';
import openai from '../../../src/integrations/openai/index.js';

// What the OpenAI folder declares, read from the module itself: the registry refuses a folder whose
// integration does not carry the folder's name, and a file that imported the registry would then
// not load at all (no test would fail). The registry is imported inside the test for that reason.
describe('what OpenAI declares', () => {
  it('is found by the registry under its folder name, openai', async () => {
    expect(openai.id).toBe('openai');
    const { integrationNamed } = await import('../../../src/integrations/registry.js');
    expect(integrationNamed('openai')).toBe(openai);
  });

  it("calls OpenAI's documented API host unless told otherwise", () => {
    expect(openai.defaultApi).toBe('https://api.openai.com');
  });
});
