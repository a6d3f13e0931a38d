import type { Integration } from '../types.js';
import { k8sSecretPlugin } from './target.js';

/** A Secret in a Kubernetes manifest file: data (base64) or stringData, in place (target.ts, manifest.ts). */
const integration: Integration = {
  id: 'k8s-secret',
  title: 'Kubernetes Secret manifests',
  targets: [k8sSecretPlugin],
};

export default integration;
