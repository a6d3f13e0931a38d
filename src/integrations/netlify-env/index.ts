import type { Integration } from '../types.js';
import { netlifyEnvPlugin } from './target.js';

/** Netlify environment variables of a team or one of its sites, one deploy context at a time (target.ts, API.md). */
const integration: Integration = {
  id: 'netlify-env',
  title: 'Netlify environment variables',
  targets: [netlifyEnvPlugin],
};

export default integration;
