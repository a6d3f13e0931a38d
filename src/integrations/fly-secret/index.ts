import type { Integration } from '../types.js';
import { flySecretPlugin } from './target.js';

/** A Fly.io app's secrets through the Machines API, write-only (target.ts, API.md). */
const integration: Integration = {
  id: 'fly-secret',
  title: 'Fly.io app secrets',
  targets: [flySecretPlugin],
};

export default integration;
