// Removes what nodelet created on the engine, found by its managed-by label (optionally one
// node's), never by name: `make down` and test clean-up use it.
import type Docker from 'dockerode';
import { LABEL_MANAGED_BY, LABEL_NODE_NAME, MANAGED_BY_VALUE } from '../labels.ts';

export async function removeManagedContainers(docker: Docker, nodeName?: string): Promise<number> {
  const labels = [`${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}`];
  if (nodeName !== undefined) labels.push(`${LABEL_NODE_NAME}=${nodeName}`);
  const list = await docker.listContainers({ all: true, filters: JSON.stringify({ label: labels }) });
  // Images carry the managed-by label too, but listContainers only returns containers.
  await Promise.all(list.map(async (c) => {
    try {
      await docker.getContainer(c.Id).remove({ force: true, v: true });
    } catch {
      // already gone
    }
  }));
  return list.length;
}
