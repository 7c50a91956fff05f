/**
 * The addresses a guest really has: from its QEMU guest agent, and from the DHCP leases of a
 * libvirt network when the NIC is on one. Only the VM's own NICs count (not loopback), and
 * link-local addresses are left out: every interface has one, so they say nothing about whether
 * the guest applied its network configuration.
 */
import { assertValidName, type GuestAddress } from '@ims/spi';
import { isRunning, lookupVm, readDomain, stateOf } from './domains.js';
import type { ProviderEnv } from './env.js';
import {
  type DomainInterface,
  type DomainRef,
  InterfaceAddressSource,
  type LibvirtClient,
  libvirtErrorCode,
  VirErr,
} from './rpc/index.js';

/** The guest's addresses; `[]` while it is not running or its agent is not up yet. */
export async function getAddresses(env: ProviderEnv, name: string): Promise<GuestAddress[]> {
  assertValidName('vm', name);
  return env.connection.use(
    async (client) => {
      const domain = await lookupVm(client, name);
      if (!isRunning((await stateOf(client, domain)).state)) return [];
      const nics = (await readDomain(client, domain)).nics;
      const macs = new Set(nics.map((n) => n.mac));
      const found: GuestAddress[] = [];
      const agent = await reported(env, client, domain, InterfaceAddressSource.AGENT);
      found.push(...toAddresses(agent, macs, 'agent'));
      if (nics.some((n) => n.type === 'network')) {
        const leases = await reported(env, client, domain, InterfaceAddressSource.LEASE);
        found.push(...toAddresses(leases, macs, 'lease'));
      }
      return dedupe(found);
    },
    { retry: true },
  );
}

/** Interfaces from one source; none when the source cannot answer (agent not up, no leases). */
async function reported(
  env: ProviderEnv,
  client: LibvirtClient,
  domain: DomainRef,
  source: number,
): Promise<DomainInterface[]> {
  try {
    return await client.domainInterfaceAddresses(domain, source);
  } catch (error) {
    const code = libvirtErrorCode(error);
    // Lost connections and the like carry no libvirt code: those are real failures.
    if (code === undefined || code === VirErr.NO_DOMAIN) throw error;
    env.context.logger.debug('no addresses from this source yet', {
      vm: domain.name,
      source,
      libvirtCode: code,
    });
    return [];
  }
}

function toAddresses(
  interfaces: readonly DomainInterface[],
  macs: ReadonlySet<string>,
  source: GuestAddress['source'],
): GuestAddress[] {
  const result: GuestAddress[] = [];
  for (const nic of interfaces) {
    const mac = nic.hwaddr?.toLowerCase();
    if (mac === undefined || !macs.has(mac)) continue;
    for (const entry of nic.addresses) {
      if (isLinkLocal(entry.family, entry.address)) continue;
      result.push({ mac, address: entry.address, prefix: entry.prefix, source });
    }
  }
  return result;
}

function isLinkLocal(family: 'ipv4' | 'ipv6', address: string): boolean {
  if (family === 'ipv4') return address.startsWith('169.254.');
  return /^fe[89ab][0-9a-f]:/i.test(address);
}

function dedupe(addresses: readonly GuestAddress[]): GuestAddress[] {
  const seen = new Set<string>();
  return addresses.filter((a) => {
    const key = `${a.mac} ${a.address}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
