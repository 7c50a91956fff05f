import type { SimSettings } from './env.js';
import type { Output } from './output.js';
import type { SimStore } from './state/store.js';
import type { SimVersion } from './versions.js';

/** What a command handler works with. */
export interface SimContext {
  /** Settings from the environment. */
  settings: SimSettings;
  /** The imitated version. */
  version: SimVersion;
  /** The moment of this invocation (ms since the epoch). */
  now: number;
  /** stdout/stderr of this invocation. */
  out: Output;
  /** The state, loaded under the lock. */
  store: SimStore;
}

/** Milliseconds since the epoch as guest-property nanoseconds. */
export function msToNs(ms: number): string {
  return (BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.round((ms % 1) * 1e6))).toString();
}

/** `2016-03-25T12:58:09.499000000`: the VMStateChangeTime layout (UTC, nine fraction digits, no zone). */
export function stateChangeTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}000000`;
}
