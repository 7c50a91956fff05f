/** The common state of a virtual machine, the same words for every provider. */
export type VmState = 'running' | 'stopped' | 'suspended' | 'starting' | 'stopping' | 'crashed' | 'unknown';

/** All values of {@link VmState}, in a stable order. */
export const VM_STATES: readonly VmState[] = [
  'running',
  'stopped',
  'suspended',
  'starting',
  'stopping',
  'crashed',
  'unknown',
];

/** A VM's state as a provider reports it. */
export interface VmStatus {
  /** The common state. */
  state: VmState;
  /** The hypervisor's own word for it (`shutoff`, `POWEREDOFF`, `aborted-saved`, ...). */
  providerState: string;
}
