import type { Integration } from '../types.js';
import { gitlabCiVariablePlugin } from './target.js';

/** A GitLab project's CI/CD variables, read back and written through the REST API v4 (target.ts, API.md). */
const integration: Integration = {
  id: 'gitlab-ci-variable',
  title: 'GitLab CI/CD variables',
  targets: [gitlabCiVariablePlugin],
};

export default integration;
