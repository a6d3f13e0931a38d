/**
 * The standard folder's module imported on its own, without the registry: the registry finds it
 * only when its default export's id is its folder name (every provider that publishes a manifest
 * is wired to it by that id), and refuses the whole build otherwise, which would fail every test
 * file that loads the registry before any assertion could say why.
 */
import { basename } from 'node:path';
import { expect, it } from 'vitest';
import standard from '../../../src/integrations/standard/index.js';

it('declares its folder name as the id the registry finds it by', () => {
  expect(standard.id).toBe(basename(import.meta.dirname));
  expect(standard.id).toBe('standard');
});
