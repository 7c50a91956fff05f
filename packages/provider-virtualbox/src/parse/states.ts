/** VirtualBox's `VMState` words and the common states of the SPI. */
import type { VmState, VmStatus } from '@ims/spi';

const STATES: Readonly<Record<string, VmState>> = {
  poweroff: 'stopped',
  teleported: 'stopped',
  aborted: 'crashed',
  // 7.x: the VM died while a saved state existed.
  'aborted-saved': 'crashed',
  gurumeditation: 'crashed',
  saved: 'suspended',
  paused: 'suspended',
  teleportingpausedvm: 'suspended',
  deletingsnapshotlivepaused: 'suspended',
  running: 'running',
  teleporting: 'running',
  livesnapshotting: 'running',
  onlinesnapshotting: 'running',
  deletingsnapshotlive: 'running',
  starting: 'starting',
  restoring: 'starting',
  teleportingin: 'starting',
  stopping: 'stopping',
  saving: 'stopping',
  // Offline operations on a powered-off VM.
  settingup: 'stopped',
  snapshotting: 'stopped',
  restoringsnapshot: 'stopped',
  deletingsnapshot: 'stopped',
};

/** The common state for a `VMState` word; `unknown` for words this version does not know. */
export function vmStatus(vmState: string): VmStatus {
  return { state: STATES[vmState] ?? 'unknown', providerState: vmState };
}

/** True for states in which the guest runs. */
export function isRunningState(vmState: string): boolean {
  return STATES[vmState] === 'running';
}

/** True for states with no VM process: the VM can be started, modified or deleted. */
export function isOffState(vmState: string): boolean {
  return ['poweroff', 'aborted', 'teleported', 'saved', 'aborted-saved'].includes(vmState);
}
