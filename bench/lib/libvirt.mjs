// Setup and cleanup on the real daemon through the project's own RPC client (fast: one socket,
// many calls in flight), so 1,000 defines take about a second instead of 1,000 virsh processes.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './paths.mjs';

const SYSTEM_URI = 'qemu:///system';
/** Calls kept in flight at once during bulk defines and undefines. */
const IN_FLIGHT = 8;

/** A connected client of packages/provider-libvirt/dist/rpc. */
export async function openLibvirt(uri = SYSTEM_URI) {
  const rpc = await import(pathToFileURL(join(repoRoot, 'packages/provider-libvirt/dist/rpc/index.js')).href);
  return rpc.LibvirtClient.connect(uri);
}

async function eachLimited(items, work) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, items.length) }, worker));
}

/** XML of an inactive, diskless software-emulated domain: the smallest thing qemu:///system defines. */
export function tinyQemuDomainXml(name) {
  return (
    `<domain type='qemu'><name>${name}</name><memory unit='MiB'>32</memory><vcpu>1</vcpu>` +
    `<os><type arch='x86_64' machine='q35'>hvm</type></os></domain>`
  );
}

/** Defines one inactive tiny domain per name. */
export async function defineTinyDomains(client, names) {
  await eachLimited(names, (name) => client.defineDomainXml(tinyQemuDomainXml(name)));
}

/** Destroys and undefines every domain whose name starts with `prefix`; returns how many. */
export async function removeDomainsNamed(client, prefix) {
  const doomed = (await client.listAllDomains()).filter((d) => d.name.startsWith(prefix));
  await eachLimited(doomed, async (domain) => {
    await client.destroyDomain(domain).catch(() => {});
    await client.undefineDomain(domain).catch(() => {});
  });
  return doomed.length;
}

/**
 * Removes a storage pool with everything in it, and first every domain with a disk in it
 * (IMS names those after the VM, so the pool is what ties them to a benchmark).
 */
export async function removePoolAndItsDomains(client, poolName) {
  for (const domain of await client.listAllDomains()) {
    const xml = await client.getDomainXml(domain).catch(() => '');
    if (!xml.includes(`pool='${poolName}'`) && !xml.includes(`pool="${poolName}"`)) continue;
    await client.destroyDomain(domain).catch(() => {});
    await client.undefineDomain(domain).catch(() => {});
  }
  const pool = await client.lookupStoragePoolByName(poolName).catch(() => undefined);
  if (pool === undefined) return;
  await client.refreshStoragePool(pool).catch(() => {});
  for (const volume of await client.listAllVolumes(pool).catch(() => [])) {
    await client.deleteStorageVol(volume).catch(() => {});
  }
  await client.destroyStoragePool(pool).catch(() => {});
  await client.undefineStoragePool(pool).catch(() => {});
}
