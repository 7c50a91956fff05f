import { VM_STATES } from '@ims/spi';
import { describe, expect, it } from 'vitest';
import { isActiveTemplate, isTransitional, OVM_VM_STATES, ovmStatus, parseOvmState } from './states.js';

describe('OVM states', () => {
  it('map onto the common states', () => {
    expect(ovmStatus('RUNNING')).toEqual({ state: 'running', providerState: 'RUNNING' });
    expect(ovmStatus('POWEREDOFF')).toEqual({ state: 'stopped', providerState: 'POWEREDOFF' });
    expect(ovmStatus('SUSPENDED').state).toBe('suspended');
    expect(ovmStatus('PAUSED').state).toBe('suspended');
    expect(ovmStatus('ERROR').state).toBe('crashed');
    expect(ovmStatus('INITIALIZING').state).toBe('starting');
    expect(ovmStatus('RESUMING').state).toBe('starting');
    expect(ovmStatus('SHUTTINGDOWN').state).toBe('stopping');
    expect(ovmStatus('SUSPENDING').state).toBe('stopping');
    expect(ovmStatus('CREATING').state).toBe('unknown');
    expect(ovmStatus('MIGRATING').state).toBe('running');
  });

  it('give every OVM state a valid common state', () => {
    for (const state of OVM_VM_STATES) expect(VM_STATES).toContain(ovmStatus(state).state);
  });

  it('read the status word case- and space-insensitively', () => {
    expect(parseOvmState('Powered Off')).toBe('POWEREDOFF');
    expect(parseOvmState('running')).toBe('RUNNING');
    expect(parseOvmState(' Shutting Down ')).toBe('SHUTTINGDOWN');
    expect(parseOvmState('powered_off')).toBe('POWEREDOFF');
  });

  it('fall back to the code, then to UNKNOWN keeping the Manager’s word', () => {
    expect(parseOvmState('', 0)).toBe('RUNNING');
    expect(parseOvmState('Gone Fishing', 3)).toBe('SUSPENDED');
    expect(parseOvmState('Gone Fishing', 99)).toBe('UNKNOWN');
    expect(ovmStatus('Gone Fishing')).toEqual({ state: 'unknown', providerState: 'Gone Fishing' });
    expect(ovmStatus('', undefined)).toEqual({ state: 'unknown', providerState: 'UNKNOWN' });
  });

  it('know which states pass by themselves', () => {
    expect(isTransitional('INITIALIZING')).toBe(true);
    expect(isTransitional('SHUTTINGDOWN')).toBe(true);
    expect(isTransitional('RUNNING')).toBe(false);
    expect(isTransitional('ERROR')).toBe(false);
  });

  it('tell active templates from pending ones', () => {
    expect(isActiveTemplate('ACTIVE')).toBe(true);
    expect(isActiveTemplate('Active')).toBe(true);
    expect(isActiveTemplate('PENDING')).toBe(false);
  });
});
