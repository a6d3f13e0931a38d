import type { Integration } from '../types.js';
import { awsSecretsManagerPlugin } from './target.js';

/** AWS Secrets Manager secrets, written as a new version and promoted with staging labels (target.ts, client.ts, API.md). */
const integration: Integration = {
  id: 'aws-secrets-manager',
  title: 'AWS Secrets Manager',
  targets: [awsSecretsManagerPlugin],
};

export default integration;
