import { VM_STATES } from '@ims/spi';
import { describe, expect, it } from 'vitest';
import { DomainState, domainStatus } from './states.js';

describe('domainStatus', () => {
  it('maps every libvirt state number', () => {
    expect(domainStatus(DomainState.NOSTATE)).toEqual({ state: 'unknown', providerState: 'nostate' });
    expect(domainStatus(DomainState.RUNNING)).toEqual({ state: 'running', providerState: 'running' });
    expect(domainStatus(DomainState.BLOCKED)).toEqual({ state: 'running', providerState: 'blocked' });
    expect(domainStatus(DomainState.PAUSED)).toEqual({ state: 'suspended', providerState: 'paused' });
    expect(domainStatus(DomainState.SHUTDOWN)).toEqual({ state: 'stopping', providerState: 'shutdown' });
    expect(domainStatus(DomainState.SHUTOFF)).toEqual({ state: 'stopped', providerState: 'shutoff' });
    expect(domainStatus(DomainState.CRASHED)).toEqual({ state: 'crashed', providerState: 'crashed' });
    expect(domainStatus(DomainState.PMSUSPENDED)).toEqual({
      state: 'suspended',
      providerState: 'pmsuspended',
    });
  });

  it('gives a common state for every number, known or not', () => {
    for (let state = -2; state < 12; state++) {
      for (let reason = 0; reason < 16; reason++) {
        expect(VM_STATES).toContain(domainStatus(state, reason).state);
      }
    }
  });

  it('maps unknown numbers to unknown', () => {
    for (const state of [8, 99, -1, 1.5, Number.NaN]) {
      expect(domainStatus(state)).toEqual({ state: 'unknown', providerState: `state-${state}` });
    }
  });

  it('adds the reasons that matter and lets some change the common state', () => {
    expect(domainStatus(DomainState.PAUSED, 1)).toEqual({ state: 'suspended', providerState: 'paused' });
    expect(domainStatus(DomainState.PAUSED, 5)).toEqual({
      state: 'suspended',
      providerState: 'paused:io-error',
    });
    expect(domainStatus(DomainState.PAUSED, 8)).toEqual({
      state: 'stopping',
      providerState: 'paused:shutting-down',
    });
    expect(domainStatus(DomainState.PAUSED, 10)).toEqual({
      state: 'crashed',
      providerState: 'paused:crashed',
    });
    expect(domainStatus(DomainState.PAUSED, 11)).toEqual({
      state: 'starting',
      providerState: 'paused:starting-up',
    });
    expect(domainStatus(DomainState.SHUTOFF, 1)).toEqual({ state: 'stopped', providerState: 'shutoff' });
    expect(domainStatus(DomainState.SHUTOFF, 2)).toEqual({ state: 'stopped', providerState: 'shutoff' });
    expect(domainStatus(DomainState.SHUTOFF, 3)).toEqual({
      state: 'crashed',
      providerState: 'shutoff:crashed',
    });
    expect(domainStatus(DomainState.SHUTOFF, 6)).toEqual({
      state: 'stopped',
      providerState: 'shutoff:failed',
    });
    expect(domainStatus(DomainState.CRASHED, 1)).toEqual({
      state: 'crashed',
      providerState: 'crashed:panicked',
    });
    expect(domainStatus(DomainState.RUNNING, 1)).toEqual({ state: 'running', providerState: 'running' });
  });

  it('ignores reasons it does not know', () => {
    expect(domainStatus(DomainState.PAUSED, 99)).toEqual({ state: 'suspended', providerState: 'paused' });
    expect(domainStatus(DomainState.SHUTDOWN, 7)).toEqual({ state: 'stopping', providerState: 'shutdown' });
  });
});
