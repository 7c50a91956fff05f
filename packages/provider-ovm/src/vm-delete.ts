/** Deleting a VM: the Manager removes it and its running_pool directory; IMS forgets it. */
import { assertValidName, type DeleteOptions, ImsError } from '@ims/spi';
import type { OvmEnv } from './env.js';
import { isFault } from './soap/faults.js';
import { settle } from './vm-power.js';
import { findVm, invalidState, lookupVm, stateOf, waitForState } from './vms.js';

/** How long the Manager may take to make a deleted VM disappear. */
const DELETE_TIMEOUT_MS = 2 * 60_000;

/** Deletes a VM with its storage; a VM that is not stopped only with `force` (powered off first). */
export async function deleteVm(env: OvmEnv, name: string, options: DeleteOptions): Promise<void> {
  assertValidName('vm', name);
  let vm = await settle(env, await lookupVm(env, name));
  const state = stateOf(vm);
  if (state !== 'POWEREDOFF' && state !== 'ERROR') {
    if (!options.force) {
      throw invalidState(
        name,
        'delete',
        state,
        `Stop it first, or delete it with \`ims vm delete ${name} --force\`.`,
      );
    }
    vm = await env.manager.power('powerOff', vm);
    vm = await waitForState(env, vm, ['POWEREDOFF'], {
      timeoutMs: DELETE_TIMEOUT_MS,
      what: 'power off before its deletion',
      hint: 'Look at the VM in the OVM Manager console.',
    });
  }
  try {
    await env.manager.deleteVm(vm);
  } catch (error) {
    if (!isFault(error, 'OVM-1001')) throw error;
  }
  await waitUntilGone(env, name);
  await env.records.forget(name);
  env.context.logger.info('VM deleted', { vm: name });
}

async function waitUntilGone(env: OvmEnv, name: string): Promise<void> {
  const { clock, signal } = env.context;
  const deadline = clock.now() + DELETE_TIMEOUT_MS;
  while ((await findVm(env, name)) !== undefined) {
    if (clock.now() >= deadline) {
      throw new ImsError(
        'IMS_TIMEOUT',
        `VM ${name} was still listed by the OVM Manager ${DELETE_TIMEOUT_MS / 1000} s after its deletion.`,
        {
          hint: 'Look at the VM in the OVM Manager console.',
          details: { vm: name },
        },
      );
    }
    await clock.sleep(200, signal);
  }
}
