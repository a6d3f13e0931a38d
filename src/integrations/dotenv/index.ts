import type { Integration } from '../types.js';
import { dotenvPlugin } from './target.js';

/** A .env file in the project: credctl rewrites the one line, keeping comments, quoting and order (target.ts). */
const integration: Integration = {
  id: 'dotenv',
  title: '.env files',
  targets: [dotenvPlugin],
};

export default integration;
