/** VM states of the simulated Manager, their wire values and which operation each allows. */

/** The VM state names, in the reference's order. */
// confirmed: reference "VM states (confirmed names)"
export const VM_STATES = [
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

/** A VM state name. */
export type VmState = (typeof VM_STATES)[number];

/** A template's registration state. */
export type TemplateState = 'PENDING' | 'ACTIVE';

/** `VmStatus.code` of a VM state. */
export function vmStateCode(state: VmState): number {
  // modelled: the code is the state's index in the reference's list (contract "Modelled values")
  return VM_STATES.indexOf(state);
}

/** `VmStatus.code` of a template state. */
export function templateStateCode(state: TemplateState): number {
  // modelled: PENDING = 100, ACTIVE = 101 (contract "Modelled values")
  return state === 'PENDING' ? 100 : 101;
}

/** What a caller asks of a VM. */
export type VmOperation =
  | 'powerOn'
  | 'powerOff'
  | 'shutdown'
  | 'suspend'
  | 'resume'
  | 'pause'
  | 'unpause'
  | 'reboot'
  | 'delete';

/** The states each operation may start from. */
const ALLOWED_FROM: Record<VmOperation, readonly VmState[]> = {
  // confirmed: POWEREDOFF → POWERON, ERROR → POWERON (reference "Allowed operations")
  powerOn: ['POWEREDOFF', 'ERROR'],
  // confirmed: RUNNING → POWEROFF, ERROR → POWEROFF; modelled: from PAUSED and SUSPENDED too (contract)
  powerOff: ['RUNNING', 'ERROR', 'PAUSED', 'SUSPENDED'],
  // modelled: shutdown (clean) only from RUNNING (contract)
  shutdown: ['RUNNING'],
  // confirmed: RUNNING → SUSPEND
  suspend: ['RUNNING'],
  // modelled: resume from SUSPENDED (contract)
  resume: ['SUSPENDED'],
  // confirmed: RUNNING → PAUSE
  pause: ['RUNNING'],
  // modelled: unpause from PAUSED (contract)
  unpause: ['PAUSED'],
  // confirmed: RUNNING → REBOOT
  reboot: ['RUNNING'],
  // confirmed: POWEREDOFF → DELETE, ERROR → DELETE
  delete: ['POWEREDOFF', 'ERROR'],
};

/** True when `operation` may run on a VM in `state`. */
export function isAllowed(operation: VmOperation, state: VmState): boolean {
  return ALLOWED_FROM[operation].includes(state);
}
