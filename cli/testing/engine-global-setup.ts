// vitest globalSetup for tests against the real engine: make sure one answers and the local
// images exist before any test file runs (the same path `make up` takes).
import { setupEngineAndImages } from '../commands/setup.ts';

export default async function setup(): Promise<void> {
  await setupEngineAndImages();
}
