// Two parts of the Docker client that nodelet never uses are loaded only if called: dockerode's
// BuildKit session (lib/session.js: gRPC and protobuf, over 100 modules) and docker-modem's
// ssh:// transport (lib/ssh.js: ssh2). Both files export a single function and are required when
// the client loads; a stand-in in the require cache loads the real one on its first call. This
// takes about 70 ms off the start of every nodelet process that talks to the engine (the agent,
// `up`). If a dependency moves these files, nothing is deferred and nothing breaks.
import Module, { createRequire } from 'node:module';

type Fn = (...args: unknown[]) => unknown;

function defer(req: NodeJS.Require, path: string): void {
  if (req.cache[path] !== undefined) return;
  let real: Fn | undefined;
  const standIn = function (this: unknown, ...args: unknown[]): unknown {
    if (real === undefined) {
      Reflect.deleteProperty(req.cache, path);
      real = req(path) as Fn;
    }
    return real.apply(this, args);
  };
  const m = new Module(path);
  m.filename = path;
  m.loaded = true;
  m.exports = standIn;
  req.cache[path] = m;
}

export function deferUnusedDockerModules(): void {
  try {
    const req = createRequire(import.meta.url);
    const dockerode = req.resolve('dockerode');
    defer(req, createRequire(dockerode).resolve('./session.js'));
    defer(req, createRequire(createRequire(dockerode).resolve('docker-modem')).resolve('./ssh.js'));
  } catch {
    // a different layout: load everything as usual
  }
}
