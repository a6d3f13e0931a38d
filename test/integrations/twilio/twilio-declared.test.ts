/**
 * What the Twilio integration declares: the id the registry finds it by (its folder name). This
 * file imports the module itself, and the registry only inside the test, so a wrong id fails a
 * test here instead of every file's import.
 */
import { describe, expect, it } from 'vitest';
import twilio from '../../../src/integrations/twilio/index.js';

describe('twilio: what it declares', () => {
  it('the registry finds it by its folder name', async () => {
    expect(twilio.id).toBe('twilio');
    const { integrationNamed } = await import('../../../src/integrations/registry.js');
    expect(integrationNamed('twilio')).toBe(twilio);
  });
});
