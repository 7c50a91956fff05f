import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ErrorCode, isImsError } from '../errors.js';
import type { Provider } from '../provider.js';
import { VM_STATES, type VmState } from '../state.js';

/** How often the kit polls while waiting for a state or an address. */
export const POLL_INTERVAL_MS = 200;

/** Lower-case colon-separated MAC, as the SPI requires. */
export const MAC_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** A thrown value, shown in a failure message. */
export function describeThrown(error: unknown): string {
  if (isImsError(error)) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `a non-error value ${JSON.stringify(error) ?? String(error)}`;
}

/** Asserts that `action` rejects with an IMS error (by brand) carrying one of `codes`. */
export async function expectImsError(
  what: string,
  codes: readonly ErrorCode[],
  action: () => Promise<unknown>,
) {
  const expected = codes.join(' or ');
  let thrown: { error: unknown } | undefined;
  try {
    await action();
  } catch (error) {
    thrown = { error };
  }
  if (thrown === undefined) assert.fail(`${what} succeeded; expected it to fail with ${expected}`);
  const { error } = thrown;
  if (!isImsError(error)) {
    assert.fail(
      `${what} threw ${describeThrown(error)}; expected an ImsError (isImsError) with code ${expected}`,
    );
  }
  if (!codes.includes(error.code))
    assert.fail(`${what} failed with ${describeThrown(error)}; expected ${expected}`);
  assert.ok(error.message.length > 0, `${what} failed with ${error.code} but an empty message`);
}

/** Runs every expectation, then fails once listing all that failed (so one run shows every problem). */
export async function expectAll(expectations: readonly (() => Promise<void>)[]): Promise<void> {
  const problems: string[] = [];
  for (const expectation of expectations) {
    try {
      await expectation();
    } catch (error) {
      problems.push(error instanceof assert.AssertionError ? error.message : describeThrown(error));
    }
  }
  if (problems.length > 0) assert.fail(`${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
}

/** The VM's state, after checking the status has the SPI's shape. */
export async function stateOf(provider: Provider, vm: string): Promise<VmState> {
  const status = await provider.getStatus(vm);
  assert.ok(
    VM_STATES.includes(status.state),
    `getStatus(${vm}).state is ${JSON.stringify(status.state)}, not one of ${VM_STATES.join(', ')}`,
  );
  assert.equal(typeof status.providerState, 'string', `getStatus(${vm}).providerState is not a string`);
  return status.state;
}

/** Asserts the VM is in `expected` state now. */
export async function expectState(provider: Provider, vm: string, expected: VmState, after: string) {
  const state = await stateOf(provider, vm);
  assert.equal(state, expected, `after ${after}, getStatus(${vm}) reports ${state}; expected ${expected}`);
}

/**
 * Polls `probe` until `done` accepts its value, and returns that value; fails after `timeoutMs`
 * showing the last value. Errors of the probe fail at once: waiting does not excuse them.
 */
export async function waitUntil<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  show: (value: T) => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() >= deadline)
      assert.fail(`${what} did not happen within ${timeoutMs} ms; last seen: ${show(value)}`);
    await sleep(POLL_INTERVAL_MS);
  }
}

/** Waits until the VM reports `expected`. */
export async function waitForState(provider: Provider, vm: string, expected: VmState, timeoutMs: number) {
  await waitUntil(
    `VM ${vm} reaching ${expected}`,
    timeoutMs,
    () => stateOf(provider, vm),
    (state) => state === expected,
    (state) => state,
  );
}
