/**
 * The folder's module imported on its own, without the registry: the registry finds a vendor
 * only when its default export's id is its folder name (provider.yaml adapters and the CLI look
 * it up by that id), and refuses the whole build otherwise, which would fail every test file that
 * loads the registry before any assertion could say why.
 */
import { basename } from 'node:path';
import { expect, it } from 'vitest';
import shopify from '../../../src/integrations/shopify/index.js';

it('declares its folder name as the id the registry finds it by', () => {
  expect(shopify.id).toBe(basename(import.meta.dirname));
  expect(shopify.id).toBe('shopify');
});
