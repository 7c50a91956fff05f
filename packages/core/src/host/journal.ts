/**
 * The journal of unfinished operations (`pending` in state.json). An operation that changes a
 * hypervisor writes its entry before it touches the hypervisor and removes it in the same state
 * write that records the result, or after it undid what it made. An entry whose process is gone
 * is a leftover: it is rolled back — the provider removes whatever of the object this
 * configuration made — by `ims doctor --repair` or by the next command on the same object.
 */
import { ImsError, isImsError } from '@ims/spi';
import { type PendingKind, type PendingOperation, pendingId, type State } from '../state/model.js';
import type { ImsHost } from './ims-host.js';
import { newOwner, ownerOf } from './process-owner.js';
import { removeWorkDir } from './work-dirs.js';

/** A new entry for this process (not yet stored). */
export function newPendingOperation(
  kind: PendingKind,
  config: string,
  name: string,
  extra: { template?: string; workDir?: string } = {},
): PendingOperation {
  return { id: pendingId(kind, config, name), kind, config, name, ...extra, ...newOwner() };
}

/** Who did it, for messages: `process 1234`, or for an entry from state version 1, an older IMS. */
export function processOf(entry: Pick<PendingOperation, 'pid'>): string {
  return entry.pid === 0 ? 'an IMS before state version 2' : `process ${entry.pid}`;
}

/** What an entry is about, for messages: `the creation of VM "web-1"`. */
export function describePending(entry: PendingOperation): string {
  return entry.kind === 'vm-create'
    ? `the creation of VM "${entry.name}" (configuration ${entry.config})`
    : `the import of template "${entry.name}" into configuration ${entry.config}`;
}

/** Stores an entry; refuses when the object already has one (a live operation, or a leftover that could not be undone). */
export function reserve(state: State, entry: PendingOperation): void {
  const existing = state.pending[entry.id];
  if (existing !== undefined) throw busyError(existing);
  state.pending[entry.id] = entry;
}

/** The error for an object another operation is working on, or whose leftover is still there. */
export function busyError(entry: PendingOperation): ImsError {
  const owner = ownerOf(entry);
  const what = describePending(entry);
  if (owner === 'dead') {
    return new ImsError(
      'IMS_INVALID_STATE',
      `${capitalize(what)} was interrupted (${processOf(entry)} ended at some point after ${entry.startedAt}) and could not be rolled back yet.`,
      { hint: 'Run `ims doctor --repair` to roll it back, then retry.', details: { pending: entry.id } },
    );
  }
  const where = owner === 'elsewhere' ? ` on host ${entry.hostname}` : '';
  return new ImsError(
    'IMS_INVALID_STATE',
    `${capitalize(what)} is in progress: process ${entry.pid}${where} started it at ${entry.startedAt}.`,
    {
      hint:
        owner === 'elsewhere'
          ? `Wait for it to finish; if that process is gone, run \`ims doctor --repair\` on ${entry.hostname}.`
          : 'Wait for that ims command to finish, then retry.',
      details: { pending: entry.id },
    },
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Removes an entry, if it is still the same one (same token). */
export async function forget(host: ImsHost, entry: PendingOperation): Promise<void> {
  await host.store.update((state) => {
    if (state.pending[entry.id]?.token === entry.token) delete state.pending[entry.id];
  });
}

/**
 * Undoes an operation: the provider removes whatever of the VM or template this configuration
 * made (nothing found is fine), the work directory goes, then the entry. Runs under the clean-up
 * signal. Throws when the provider could not remove it; the entry then stays for the next try.
 */
export async function rollBack(host: ImsHost, entry: PendingOperation): Promise<void> {
  let provider: Awaited<ReturnType<ImsHost['cleanupProvider']>>['provider'] | undefined;
  try {
    provider = (await host.cleanupProvider(entry.config)).provider;
  } catch (error) {
    // Without its configuration nothing of it can be reached (or can exist in IMS's name).
    if (!(isImsError(error) && error.code === 'IMS_CONFIG_NOT_FOUND')) throw error;
    host.logger.warn(`configuration ${entry.config} is gone; forgetting ${describePending(entry)}`);
  }
  if (provider !== undefined) {
    try {
      if (entry.kind === 'vm-create') await provider.deleteVm(entry.name, { force: true, incomplete: true });
      else await provider.deleteTemplate(entry.name, { incomplete: true });
    } catch (error) {
      const nothing = entry.kind === 'vm-create' ? 'IMS_VM_NOT_FOUND' : 'IMS_TEMPLATE_NOT_FOUND';
      if (!(isImsError(error) && error.code === nothing)) throw error;
    }
  }
  if (entry.workDir !== undefined) await removeWorkDir(host, entry.workDir);
  await forget(host, entry);
}

/**
 * Rolls back an operation of this process that failed or was cancelled, at once, and tells the user
 * what is left; a rollback that fails leaves the entry for `ims doctor --repair`.
 */
export async function undoAtOnce(host: ImsHost, entry: PendingOperation): Promise<void> {
  const { object, notDone, halfMade } =
    entry.kind === 'vm-create'
      ? {
          object: `VM "${entry.name}"`,
          notDone: 'was not created',
          halfMade: `the half-made VM "${entry.name}"`,
        }
      : {
          object: `Template "${entry.name}"`,
          notDone: 'was not imported',
          halfMade: `the half-imported template "${entry.name}"`,
        };
  try {
    await rollBack(host, entry);
    host.noteOutcome(`${object} ${notDone}; nothing of it is left.`);
  } catch (cleanup) {
    const why = cleanup instanceof Error ? cleanup.message : String(cleanup);
    host.logger.warn(`could not remove ${halfMade}: ${why}`);
    host.noteOutcome(
      `${object} ${notDone}, but what was made of it could not be removed yet (${why}); \`ims doctor --repair\` removes it.`,
    );
  }
}

/** The error for a rollback that failed: the operation's leftover stays recorded. */
export function rollbackFailed(entry: PendingOperation, cause: unknown): ImsError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new ImsError('IMS_PROVIDER_ERROR', `Could not roll back ${describePending(entry)}: ${why}`, {
    cause,
    hint: 'Run `ims doctor` to see what is left and `ims doctor --repair` to retry the rollback.',
    details: { pending: entry.id },
  });
}

/**
 * Before a command works on an object: rolls back a leftover of a dead process on it, so the
 * command finds the object as if the interrupted operation had never started. A live operation
 * on it is refused with {@link busyError}.
 */
export async function settleLeftover(
  host: ImsHost,
  kind: PendingKind,
  config: string,
  name: string,
): Promise<PendingOperation | undefined> {
  const entry = (await host.store.read()).pending[pendingId(kind, config, name)];
  if (entry === undefined) return undefined;
  if (ownerOf(entry) !== 'dead') throw busyError(entry);
  host.logger.warn(`rolling back ${describePending(entry)}, interrupted in ${processOf(entry)}`);
  try {
    await rollBack(host, entry);
  } catch (error) {
    throw rollbackFailed(entry, error);
  }
  return entry;
}

/** The journal entry for a VM name in any configuration (VM names are unique across them). */
export async function pendingVmCreate(host: ImsHost, name: string): Promise<PendingOperation | undefined> {
  return Object.values((await host.store.read()).pending).find(
    (p) => p.kind === 'vm-create' && p.name === name,
  );
}
