/**
 * The VM states of Oracle VM 2.2 and how they map onto the common IMS states. The Manager's
 * spelling is not confirmed, so a status is read case- and space-insensitively ("Powered Off" is
 * POWEREDOFF), and by its code when the word is unknown.
 */
import type { VmState, VmStatus } from '@ims/spi';

/** The OVM 2.2 VM states, in the order whose index is `VmStatus.code`. */
export const OVM_VM_STATES = [
  'RUNNING',
  'POWEREDOFF',
  'PAUSED',
  'SUSPENDED',
  'ERROR',
  'CREATING',
  'INITIALIZING',
  'DEPLOYING',
  'CLONING',
  'DELETING',
  'MIGRATING',
  'PAUSING',
  'UNPAUSING',
  'SUSPENDING',
  'RESUMING',
  'REBOOTING',
  'SHUTTINGDOWN',
  'SAVING',
  'UNKNOWN',
] as const;

/** One OVM VM state. */
export type OvmVmState = (typeof OVM_VM_STATES)[number];

/** The common state of each OVM state. */
const COMMON: Readonly<Record<OvmVmState, VmState>> = {
  RUNNING: 'running',
  POWEREDOFF: 'stopped',
  PAUSED: 'suspended',
  SUSPENDED: 'suspended',
  ERROR: 'crashed',
  // Still being made from its template: not startable yet, and not stopped in any useful sense.
  CREATING: 'unknown',
  INITIALIZING: 'starting',
  DEPLOYING: 'unknown',
  CLONING: 'unknown',
  DELETING: 'stopping',
  // A live migration keeps the guest running.
  MIGRATING: 'running',
  PAUSING: 'stopping',
  UNPAUSING: 'starting',
  SUSPENDING: 'stopping',
  RESUMING: 'starting',
  REBOOTING: 'starting',
  SHUTTINGDOWN: 'stopping',
  SAVING: 'stopping',
  UNKNOWN: 'unknown',
};

/**
 * States on the way to another: operations wait for them to pass. In the confirmed list they are
 * exactly the ones from CREATING up to (not including) UNKNOWN.
 */
const TRANSITIONAL: ReadonlySet<OvmVmState> = new Set(
  OVM_VM_STATES.slice(OVM_VM_STATES.indexOf('CREATING'), OVM_VM_STATES.indexOf('UNKNOWN')),
);

const BY_KEY = new Map<string, OvmVmState>(OVM_VM_STATES.map((state) => [state, state]));

/** The OVM state a status word (or, failing that, its code) names; `UNKNOWN` when neither does. */
export function parseOvmState(status: string, code?: number): OvmVmState {
  const key = status.toUpperCase().replace(/[^A-Z]/g, '');
  const byWord = BY_KEY.get(key);
  if (byWord !== undefined) return byWord;
  if (key === 'POWERDOFF' || key === 'POWEROFF' || key === 'STOPPED' || key === 'HALTED') return 'POWEREDOFF';
  return (code === undefined ? undefined : OVM_VM_STATES[code]) ?? 'UNKNOWN';
}

/** The IMS status of an OVM status; `providerState` is the OVM state's name. */
export function ovmStatus(status: string, code?: number): VmStatus {
  const state = parseOvmState(status, code);
  return {
    state: COMMON[state],
    providerState: state === 'UNKNOWN' && status.trim() !== '' ? status.trim() : state,
  };
}

/** True for states that pass by themselves (a power operation or a copy is under way). */
export function isTransitional(state: OvmVmState): boolean {
  return TRANSITIONAL.has(state);
}

/** The template states of `getAllTemplateResources` (modelled: PENDING until approved, then ACTIVE). */
export function isActiveTemplate(status: string): boolean {
  return status.toUpperCase().replace(/[^A-Z]/g, '') === 'ACTIVE';
}
