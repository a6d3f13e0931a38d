import type { Integration } from '../types.js';
import { composeEnvFilePlugin } from './target.js';

/** The env_file a Compose service loads: written like a .env file (target.ts). */
const integration: Integration = {
  id: 'compose-env-file',
  title: 'Docker Compose env_file',
  targets: [composeEnvFilePlugin],
};

export default integration;
