/**
 * Looking domains up and reading their state and XML, with IMS's errors.
 */
import { ImsError, isImsError } from '@ims/spi';
import { type DomainRef, DomainState, type LibvirtClient, libvirtErrorCode, VirErr } from './rpc/index.js';
import type { ParsedDomain } from './xml/index.js';

/** The domain called `name`; `IMS_VM_NOT_FOUND` naming the VM when libvirt has none. */
export async function lookupVm(client: LibvirtClient, name: string): Promise<DomainRef> {
  try {
    return await client.lookupDomainByName(name);
  } catch (error) {
    if (libvirtErrorCode(error) === VirErr.NO_DOMAIN) throw vmNotFound(name, client.name, error);
    throw error;
  }
}

/** The domain called `name`, or undefined. */
export async function findVm(client: LibvirtClient, name: string): Promise<DomainRef | undefined> {
  try {
    return await client.lookupDomainByName(name);
  } catch (error) {
    if (libvirtErrorCode(error) === VirErr.NO_DOMAIN) return undefined;
    throw error;
  }
}

/** `IMS_VM_NOT_FOUND` for a VM libvirt does not have. */
export function vmNotFound(name: string, where: string, cause?: unknown): ImsError {
  return new ImsError('IMS_VM_NOT_FOUND', `VM ${name} does not exist on ${where}.`, {
    ...(cause === undefined ? {} : { cause }),
    hint: 'Check the name with `ims vm list --all`; it may have been removed outside IMS.',
    details: { vm: name },
  });
}

/** The domain's `virDomainState` and reason. */
export async function stateOf(
  client: LibvirtClient,
  domain: DomainRef,
): Promise<{ state: number; reason: number }> {
  try {
    return await client.getDomainState(domain);
  } catch (error) {
    if (libvirtErrorCode(error) === VirErr.NO_DOMAIN) throw vmNotFound(domain.name, client.name, error);
    throw error;
  }
}

/** The domain's persistent definition, parsed. */
export async function readDomain(client: LibvirtClient, domain: DomainRef): Promise<ParsedDomain> {
  // Loaded on first use: the XML library costs a CLI command that only lists.
  const { parseDomainXml } = await import('./xml/domain-xml.js');
  try {
    return parseDomainXml(await client.getDomainXml(domain));
  } catch (error) {
    if (libvirtErrorCode(error) === VirErr.NO_DOMAIN) throw vmNotFound(domain.name, client.name, error);
    throw error;
  }
}

/** True for the states in which the guest runs (or waits on a resource while running). */
export function isRunning(state: number): boolean {
  return state === DomainState.RUNNING || state === DomainState.BLOCKED;
}

/** True for the states in which the guest is paused. */
export function isPaused(state: number): boolean {
  return state === DomainState.PAUSED || state === DomainState.PMSUSPENDED;
}

/** `IMS_INVALID_STATE` for an operation the VM's state does not allow. */
export function invalidState(vm: string, operation: string, state: string, hint: string): ImsError {
  return new ImsError('IMS_INVALID_STATE', `Cannot ${operation} VM ${vm}: it is ${state}.`, {
    hint,
    details: { vm, state },
  });
}

/** True when the error says the domain vanished (e.g. deleted by someone else meanwhile). */
export function isDomainGone(error: unknown): boolean {
  return (
    libvirtErrorCode(error) === VirErr.NO_DOMAIN || (isImsError(error) && error.code === 'IMS_VM_NOT_FOUND')
  );
}
