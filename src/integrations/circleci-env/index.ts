import type { Integration } from '../types.js';
import { circleciEnvPlugin } from './target.js';

/** CircleCI project environment variables and context variables, write-only (target.ts, API.md). */
const integration: Integration = {
  id: 'circleci-env',
  title: 'CircleCI environment variables',
  targets: [circleciEnvPlugin],
};

export default integration;
