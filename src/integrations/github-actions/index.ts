import type { Integration } from '../types.js';
import { githubActionsPlugin } from './target.js';

/** Repository and environment secrets of GitHub Actions, sealed with the repository's public key (target.ts, sodium.ts). */
const integration: Integration = {
  id: 'github-actions',
  title: 'GitHub Actions secrets',
  targets: [githubActionsPlugin],
};

export default integration;
