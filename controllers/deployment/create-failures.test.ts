import { describe, expect, it } from 'vitest';
import { getCondition } from './conditions.ts';
import { failedCreateMessage, isOwnNewReplicaSet, withCollision, withFailedCreate } from './create-failures.ts';
import { deployment, replicaSet, T0 } from './fixtures.ts';

describe('a failed create of the new ReplicaSet', () => {
  it('AlreadyExists with our own ReplicaSet of this template is no collision', () => {
    const d = deployment();
    const rs = replicaSet(d, { replicas: 1 });
    expect(isOwnNewReplicaSet(d, rs)).toBe(true);
    expect(isOwnNewReplicaSet(deployment({ image: 'busybox:2' }), rs)).toBe(false);
    expect(isOwnNewReplicaSet(d, { ...rs, metadata: { ...rs.metadata, ownerReferences: [] } })).toBe(false);
  });

  it('a collision raises status.collisionCount by one', () => {
    expect(withCollision(deployment()).status?.collisionCount).toBe(1);
    expect(withCollision(deployment({ status: { collisionCount: 4 } })).status?.collisionCount).toBe(5);
  });

  it('another error is Progressing=False ReplicaSetCreateError when a deadline is set', () => {
    const message = failedCreateMessage('web-abc', 'quota exceeded');
    expect(message).toBe('Failed to create new replica set "web-abc": quota exceeded');
    const failed = withFailedCreate(deployment(), message, T0);
    expect(getCondition(failed?.status, 'Progressing')).toMatchObject({ status: 'False', reason: 'ReplicaSetCreateError', message });
    expect(withFailedCreate(deployment({ progressDeadlineSeconds: 2147483647 }), message, T0)).toBeUndefined();
  });
});
