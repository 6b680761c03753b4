// Every benchmark `npm run bench` knows, in run order. Adding one = one module + one line here.
import type { Benchmark } from '../framework/types.ts';
import { agentBurst } from './agent-burst.ts';
import { agentPodReady } from './agent-pod-ready.ts';
import { agentPortForward } from './agent-port-forward.ts';
import { agentSteadyProbes } from './agent-steady-probes.ts';
import { agentUp } from './agent-up.ts';
import { apiList } from './api-list.ts';
import { apiValidation } from './api-validation.ts';
import { apiWatchLatency } from './api-watch-latency.ts';
import { apiWrites } from './api-writes.ts';
import { controllersDeployment, controllersIdle, controllersJob, controllersRollingUpdate } from './controllers.ts';
import { servicesClusterIpLatency, servicesDns, servicesProxySync } from './services.ts';
import { runtimePodBurst } from './runtime-pod-burst.ts';
import { runtimePodStart } from './runtime-pod-start.ts';
import { runtimePodman } from './runtime-podman.ts';

export const BENCHMARKS: Benchmark[] = [
  runtimePodStart,
  runtimePodBurst,
  runtimePodman,
  apiWatchLatency,
  apiList,
  apiWrites,
  apiValidation,
  // Needs the agent (a child process); skipped with a note while the pieces are not wired.
  agentPodReady,
  agentBurst,
  agentSteadyProbes('http-tcp'),
  agentSteadyProbes('exec'),
  agentUp,
  agentPortForward,
  controllersDeployment,
  controllersRollingUpdate,
  controllersJob,
  controllersIdle,
  servicesClusterIpLatency,
  servicesProxySync,
  servicesDns,
];
