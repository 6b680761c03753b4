// Where desired pods come from. A source only produces events (add / update / remove, pods keyed
// by uid); the agent's loop routes them to pod workers. Sources: a manifest folder (static pods,
// like --pod-manifest-path) now; the API server (pods bound to this node) next.
import type { Pod } from 'kubernetes-types/core/v1.d.ts';

export interface PodSourceHandler {
  add(pod: Pod): void;
  update(pod: Pod): void;
  remove(uid: string): void;
}

export interface SourceProblem {
  /** File (or object) the problem is about. */
  source: string;
  message: string;
}

export interface PodSource {
  readonly name: string;
  /** Starts producing events; resolves once the initial set has been delivered. */
  start(handler: PodSourceHandler): Promise<void>;
  stop(): Promise<void>;
  /** Pods currently desired by this source. */
  pods(): Pod[];
  /** Bad inputs found on the last scan (reported and skipped). */
  problems(): SourceProblem[];
}
