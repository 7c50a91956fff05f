import type { VmState, VmStatus } from '@ims/spi';

import { DomainState } from '../rpc/flags.js';

/** libvirt's `virDomainState` numbers (include/libvirt/libvirt-domain.h). */
export { DomainState };

/** libvirt's word for each state number, the `providerState` IMS reports. */
const STATE_WORDS = [
  'nostate',
  'running',
  'blocked',
  'paused',
  'shutdown',
  'shutoff',
  'crashed',
  'pmsuspended',
];

/** The common state of each libvirt state number. */
const COMMON_STATES: readonly VmState[] = [
  'unknown', // nostate
  'running', // running
  'running', // blocked: running, waiting on a resource
  'suspended', // paused
  'stopping', // shutdown: the guest is shutting down
  'stopped', // shutoff
  'crashed', // crashed
  'suspended', // pmsuspended: the guest suspended itself (resume with a PM wakeup)
];

/** A reason worth reporting, and the common state it implies when it differs from the state's own. */
interface ReasonMeaning {
  word: string;
  state?: VmState;
}

/**
 * The reasons (virDomain*Reason enums, by state number) that tell the user something beyond the
 * state; the rest (`unknown`, `booted`, `user`, `shutdown`, `destroyed`, ...) add nothing.
 */
const USEFUL_REASONS: Readonly<Record<number, Readonly<Record<number, ReasonMeaning>>>> = {
  [DomainState.PAUSED]: {
    2: { word: 'migration' },
    3: { word: 'save' },
    4: { word: 'dump' },
    5: { word: 'io-error' },
    6: { word: 'watchdog' },
    7: { word: 'from-snapshot' },
    8: { word: 'shutting-down', state: 'stopping' },
    9: { word: 'snapshot' },
    10: { word: 'crashed', state: 'crashed' },
    11: { word: 'starting-up', state: 'starting' },
    12: { word: 'postcopy' },
    13: { word: 'postcopy-failed' },
  },
  [DomainState.SHUTOFF]: {
    // With on_crash=destroy a crashed guest ends shut off with this reason.
    3: { word: 'crashed', state: 'crashed' },
    4: { word: 'migrated' },
    5: { word: 'saved' },
    6: { word: 'failed' },
    7: { word: 'from-snapshot' },
    8: { word: 'daemon' },
  },
  [DomainState.CRASHED]: {
    1: { word: 'panicked' },
  },
};

/**
 * The IMS status of a libvirt state and reason (`virDomainGetState`). `providerState` is libvirt's
 * state word, followed by `:reason` when the reason says something useful (`shutoff:crashed`,
 * `paused:io-error`); unknown state numbers give `unknown` and `state-N`.
 */
export function domainStatus(state: number, reason?: number): VmStatus {
  const word = STATE_WORDS[state];
  const common = COMMON_STATES[state];
  if (!Number.isInteger(state) || word === undefined || common === undefined) {
    return { state: 'unknown', providerState: `state-${state}` };
  }
  const meaning = reason === undefined ? undefined : USEFUL_REASONS[state]?.[reason];
  if (meaning === undefined) return { state: common, providerState: word };
  return { state: meaning.state ?? common, providerState: `${word}:${meaning.word}` };
}
