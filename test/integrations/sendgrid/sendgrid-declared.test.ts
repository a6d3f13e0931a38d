/**
 * What the SendGrid integration declares: the id the registry finds it by (its folder name) and
 * the API it talks to when a project names none. This file imports the module itself, and the
 * registry only inside a test, so a wrong id fails a test here instead of every file's import.
 */
import { describe, expect, it } from 'vitest';
import sendgrid from '../../../src/integrations/sendgrid/index.js';

describe('sendgrid: what it declares', () => {
  it('the registry finds it by its folder name', async () => {
    expect(sendgrid.id).toBe('sendgrid');
    const { integrationNamed } = await import('../../../src/integrations/registry.js');
    expect(integrationNamed('sendgrid')).toBe(sendgrid);
  });

  it('its default API is the documented v3 host, over https', () => {
    expect(sendgrid.defaultApi).toBe('https://api.sendgrid.com');
  });
});
