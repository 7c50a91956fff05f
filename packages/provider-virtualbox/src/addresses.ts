/**
 * The addresses a guest really has, from the properties its Guest Additions write:
 * `/VirtualBox/GuestInfo/Net/<i>/MAC`, `/V4/IP`, `/V4/Netmask`, `/Status`. `<i>` is the guest's
 * interface order, not the NIC slot, so NICs are matched by MAC. Guests without Guest Additions
 * running the IMS boot scripts publish `/IMS/Net/<n>/V4/IP` through VBoxControl instead, where
 * `<n>` is the NIC's index in the boot parameters: its MAC and prefix come from IMS's own record
 * of this boot. The values survive power-off, so only those written after this boot count, and
 * `0.0.0.0` (an interface without an address) never does.
 *
 * Only those names are asked for (`enumerate --patterns`), so a value that anyone wrote into
 * another property — boot parameters, notes of other tools — never reaches the parser, however
 * it imitates enumerate's output.
 */
import { assertValidName, type GuestAddress } from '@ims/spi';
import type { ProviderEnv } from './env.js';
import { showVm } from './machines.js';
import { enumerateFormatOf, type GuestProperty, parseGuestProperties } from './parse/guest-properties.js';
import { macFromVBox } from './parse/machine-info.js';
import { isRunningState } from './parse/states.js';
import type { BootNicRecord } from './records.js';

const NET_PROPERTY = /^\/VirtualBox\/GuestInfo\/Net\/(\d+)\/(MAC|V4\/IP|V4\/Netmask|Status)$/;
const IMS_NET_PROPERTY = /^\/IMS\/Net\/(\d+)\/V4\/IP$/;

/**
 * The properties addresses are read from, as one `enumerate` pattern: `*` and `?` wildcards,
 * alternatives separated by `|` (confirmed: VBoxManage manual, guestproperty; the guest property
 * service matches with RTStrSimplePatternMultiMatch). Given with `--patterns`, which every version
 * takes: 4.x–6.x only that way, 7.x also positionally (confirmed: VBoxManageGuestProp.cpp, 4.x and
 * 7.0, handleEnumGuestProperty). One argument, because VBoxManage joins several with `,`, which
 * the matcher does not treat as a separator.
 */
export const ADDRESS_PATTERNS = '/VirtualBox/GuestInfo/Net/*|/IMS/Net/*';

/** The guest's IPv4 addresses on its NICs; `[]` while it is not running or has reported none since this boot. */
export async function getAddresses(env: ProviderEnv, name: string): Promise<GuestAddress[]> {
  assertValidName('vm', name);
  const info = await showVm(env, name);
  if (!isRunningState(info.vmState) && info.vmState !== 'paused') return [];
  const record = await env.records.vms.get(name).catch(() => undefined);
  const boot = record?.uuid === info.uuid ? record.boot : undefined;
  const bootMs = boot?.hostStartedAt ?? boot?.startedAt ?? info.stateChangedAt ?? 0;
  const { major } = await env.vbox.version();
  const outcome = await env.vbox.run(['guestproperty', 'enumerate', name, '--patterns', ADDRESS_PATTERNS], {
    vm: name,
  });
  const properties = parseGuestProperties(outcome.stdout, enumerateFormatOf(major));
  const macs = new Set(info.nics.map((nic) => nic.mac).filter((mac) => mac !== undefined));
  const freshAfterNs = BigInt(bootMs) * 1_000_000n;
  const found = addressesFromProperties(properties, macs, freshAfterNs);
  return mergeAddresses(found, addressesFromImsProperties(properties, macs, freshAfterNs, boot?.nics ?? []));
}

/** The addresses the IMS boot scripts published (`/IMS/Net/<n>/V4/IP`), NIC `n` as IMS gave it this boot. */
export function addressesFromImsProperties(
  properties: readonly GuestProperty[],
  macs: ReadonlySet<string>,
  freshAfterNs: bigint,
  bootNics: readonly BootNicRecord[],
): GuestAddress[] {
  const found: GuestAddress[] = [];
  for (const property of properties) {
    const index = IMS_NET_PROPERTY.exec(property.name)?.[1];
    const nic = index === undefined ? undefined : bootNics[Number(index)];
    if (nic === undefined || !macs.has(nic.mac)) continue;
    if (!isIpv4(property.value) || property.value === '0.0.0.0') continue;
    if (property.timestampNs === undefined || property.timestampNs <= freshAfterNs) continue;
    const [configured, prefix] = nic.address.split('/');
    const sameAsConfigured = configured === property.value && prefix !== undefined;
    found.push({
      mac: nic.mac,
      address: property.value,
      prefix: sameAsConfigured ? Number(prefix) : 32,
      source: 'guest-property',
    });
  }
  return found;
}

function mergeAddresses(first: GuestAddress[], more: GuestAddress[]): GuestAddress[] {
  const all = [...first];
  for (const address of more) {
    if (!all.some((a) => a.mac === address.mac && a.address === address.address)) all.push(address);
  }
  return all.sort((a, b) => (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0));
}

/** The addresses in `properties` of the NICs with these MACs, written after `freshAfterNs`. */
export function addressesFromProperties(
  properties: readonly GuestProperty[],
  macs: ReadonlySet<string>,
  freshAfterNs: bigint,
): GuestAddress[] {
  const interfaces = new Map<string, Map<string, GuestProperty>>();
  for (const property of properties) {
    const match = NET_PROPERTY.exec(property.name);
    if (match === null) continue;
    const entry = interfaces.get(match[1] as string) ?? new Map<string, GuestProperty>();
    entry.set(match[2] as string, property);
    interfaces.set(match[1] as string, entry);
  }
  const found: GuestAddress[] = [];
  for (const entry of interfaces.values()) {
    const mac = macFromVBox(entry.get('MAC')?.value);
    const ip = entry.get('V4/IP');
    if (mac === undefined || !macs.has(mac) || ip === undefined) continue;
    if (!isIpv4(ip.value) || ip.value === '0.0.0.0') continue;
    if (ip.timestampNs === undefined || ip.timestampNs <= freshAfterNs) continue;
    if (entry.get('Status')?.value.toLowerCase() === 'down') continue;
    const prefix = prefixOf(entry.get('V4/Netmask')?.value) ?? 32;
    if (found.some((a) => a.mac === mac && a.address === ip.value)) continue;
    found.push({ mac, address: ip.value, prefix, source: 'guest-property' });
  }
  return found.sort((a, b) => (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0));
}

function isIpv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** `255.255.255.0` → 24; undefined for anything that is not a contiguous IPv4 netmask. */
export function prefixOf(netmask: string | undefined): number | undefined {
  if (netmask === undefined || !isIpv4(netmask)) return undefined;
  const bits = netmask
    .split('.')
    .map((p) => Number(p).toString(2).padStart(8, '0'))
    .join('');
  return /^1*0*$/.test(bits) ? (bits.indexOf('0') === -1 ? 32 : bits.indexOf('0')) : undefined;
}
