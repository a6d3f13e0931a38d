/**
 * What the AWS integration declares, read from its module itself (not through the registry): the
 * registry refuses to load at all when a folder's integration has another id, which would leave
 * nothing to test, so the id and the pace a batch verify keeps are checked here directly.
 */
import { describe, expect, it } from 'vitest';
import aws from '../../../src/integrations/aws/index.js';

describe('aws as declared', () => {
  it('is found under its folder name, aws', () => {
    expect(aws.id).toBe('aws');
  });

  it('a batch verify asks AWS at most four keys at a time (STS and IAM throttle bursts)', () => {
    expect(aws.rateLimit).toEqual({ concurrency: 4 });
  });
});
