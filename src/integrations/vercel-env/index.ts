import type { Integration } from '../types.js';
import { vercelEnvPlugin } from './target.js';

/** A Vercel project's environment variables, encrypted or sensitive (target.ts). */
const integration: Integration = {
  id: 'vercel-env',
  title: 'Vercel environment variables',
  targets: [vercelEnvPlugin],
};

export default integration;
