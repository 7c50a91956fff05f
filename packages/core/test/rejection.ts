/** Tests' view of a call that must fail: what it rejects with. */
import { type ImsError, isImsError } from '@ims/spi';

/** What `promise` rejects with; fails the test when it resolves instead. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  return outcome.error;
}

/** The ImsError `promise` rejects with; fails the test when it resolves or rejects with anything else. */
export async function imsRejection(promise: Promise<unknown>): Promise<ImsError> {
  const error = await rejection(promise);
  if (!isImsError(error)) throw new Error(`expected an ImsError, got ${String(error)}`);
  return error;
}
