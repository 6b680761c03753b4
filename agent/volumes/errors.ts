// Volume set-up failures. The kubelet reports them as a `FailedMount` warning event
// ("MountVolume.SetUp failed for volume "x" : <cause>") while the pod stays ContainerCreating.
import { NodeletError } from '../../lib/errors.ts';

export class VolumeSetupError extends NodeletError {
  readonly volume: string;

  constructor(volume: string, cause: string, options?: { cause?: unknown }) {
    super('VolumeSetup', `MountVolume.SetUp failed for volume "${volume}" : ${cause}`, { ...options, reason: 'FailedMount' });
    this.volume = volume;
  }
}
