import { describe, expect, it } from 'vitest';
import { conflictingContainerId, parseContainerName, randomizeName } from './naming.ts';

describe('container names', () => {
  it('parses sandbox and container names, with or without the leading slash', () => {
    expect(parseContainerName('/k8s_POD_web_prod_u-1_0')).toEqual({ container: 'POD', pod: { name: 'web', namespace: 'prod', uid: 'u-1' }, attempt: 0 });
    expect(parseContainerName('k8s_app_web_prod_u-1_12')).toMatchObject({ container: 'app', attempt: 12 });
  });

  it('accepts the random suffix used after an unrecoverable conflict', () => {
    const name = randomizeName('k8s_app_web_prod_u-1_2');
    expect(name).toMatch(/^k8s_app_web_prod_u-1_2_[0-9a-f]{8}$/);
    expect(parseContainerName(name)).toMatchObject({ container: 'app', attempt: 2 });
  });

  it('rejects names that are not nodelet/kubelet names', () => {
    expect(parseContainerName('/festive_darwin')).toBeUndefined();
    expect(parseContainerName('k8s_app_web_prod_u-1_x')).toBeUndefined();
    expect(parseContainerName('foo_app_web_prod_u-1_1')).toBeUndefined();
  });

  it('extracts the id from the engine conflict message', () => {
    const id = 'a'.repeat(64);
    expect(conflictingContainerId(`Conflict. The container name "/k8s_app_web_prod_u-1_0" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`)).toBe(id);
    expect(conflictingContainerId('Conflict. something else')).toBeUndefined();
  });
});
