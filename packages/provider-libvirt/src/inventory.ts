/**
 * VM status and listing. A listing is one CONNECT_GET_ALL_DOMAIN_STATS call for the state of
 * every domain; telling this configuration's domains apart costs one XML read per domain never
 * seen before (see {@link OwnerCache}).
 */
import { assertValidName, mapLimited, type VmListing, type VmStatus } from '@ims/spi';
import { isDomainGone, lookupVm, readDomain, stateOf } from './domains.js';
import type { ProviderEnv } from './env.js';
import {
  type DomainRef,
  type DomainStatsRecord,
  DomainStatsTypes,
  formatUuid,
  type LibvirtClient,
  type TypedParam,
} from './rpc/index.js';
import { domainStatus } from './xml/states.js';

/** How many domain XML reads are in flight at once while finding owners. */
const OWNER_LOOKUPS_IN_FLIGHT = 16;

/** The state of one VM. */
export async function getStatus(env: ProviderEnv, name: string): Promise<VmStatus> {
  assertValidName('vm', name);
  return env.connection.use(
    async (client) => {
      const { state, reason } = await stateOf(client, await lookupVm(client, name));
      return domainStatus(state, reason);
    },
    { retry: true },
  );
}

/** Every domain with its state, or only this configuration's, sorted by name. */
export async function listVms(
  env: ProviderEnv,
  options: { includeUnmanaged: boolean },
): Promise<VmListing[]> {
  return env.connection.use(
    async (client) => {
      const records = await client.getAllDomainStats([], DomainStatsTypes.STATE, 0);
      const mine = options.includeUnmanaged ? undefined : await ownedUuids(env, client, records);
      return records
        .filter((r) => mine === undefined || mine.has(formatUuid(r.domain.uuid)))
        .map((r) => ({ name: r.domain.name, ...statusFromStats(r.params) }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    { retry: true },
  );
}

/** The common state from a domain's `state.state` and `state.reason` statistics. */
export function statusFromStats(params: readonly TypedParam[]): VmStatus {
  const state = numberParam(params, 'state.state');
  const reason = numberParam(params, 'state.reason');
  return domainStatus(state ?? -1, reason);
}

function numberParam(params: readonly TypedParam[], field: string): number | undefined {
  const param = params.find((p) => p.field === field);
  if (param === undefined) return undefined;
  return typeof param.value === 'number' || typeof param.value === 'bigint' ? Number(param.value) : undefined;
}

/** UUIDs of the listed domains whose IMS metadata names this configuration. */
async function ownedUuids(
  env: ProviderEnv,
  client: LibvirtClient,
  records: readonly DomainStatsRecord[],
): Promise<Set<string>> {
  const known = await env.owners.load();
  const listed = new Map(records.map((r) => [formatUuid(r.domain.uuid), r.domain]));
  const unknown = [...listed].filter(([uuid]) => !known.has(uuid));
  const found = await mapLimited(unknown, OWNER_LOOKUPS_IN_FLIGHT, async ([uuid, domain]) => {
    const mine = await isOwnDomain(env, client, domain);
    return [uuid, mine] as const;
  });
  const owners = new Map<string, boolean>();
  for (const uuid of listed.keys()) {
    const mine = known.get(uuid);
    if (mine !== undefined) owners.set(uuid, mine);
  }
  for (const [uuid, mine] of found) if (mine !== undefined) owners.set(uuid, mine);
  // Entries of domains that no longer exist are dropped, so the file never outgrows the host.
  if (found.length > 0 || owners.size !== known.size) await env.owners.save(owners);
  return new Set([...owners].filter(([, mine]) => mine).map(([uuid]) => uuid));
}

/** Whether the domain's metadata names this configuration; undefined when it vanished meanwhile. */
async function isOwnDomain(
  env: ProviderEnv,
  client: LibvirtClient,
  domain: DomainRef,
): Promise<boolean | undefined> {
  try {
    return (await readDomain(client, domain)).metadata?.config === env.context.configName;
  } catch (error) {
    if (isDomainGone(error)) return undefined;
    throw error;
  }
}
