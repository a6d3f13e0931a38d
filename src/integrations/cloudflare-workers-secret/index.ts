import type { Integration } from '../types.js';
import { cloudflareWorkersSecretPlugin } from './target.js';

/** Secrets bound to a Cloudflare Worker script, write-only (target.ts, API.md). */
const integration: Integration = {
  id: 'cloudflare-workers-secret',
  title: 'Cloudflare Workers secrets',
  targets: [cloudflareWorkersSecretPlugin],
};

export default integration;
