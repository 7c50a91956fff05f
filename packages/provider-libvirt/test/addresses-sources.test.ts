/**
 * Where guest addresses come from, against a scripted daemon speaking libvirt's protocol (a libvirt
 * network with DHCP leases cannot be started here, and the real daemon's leases need one): the
 * guest agent first; a NIC on a libvirt network also asks the network's DHCP leases, which then
 * report the address when the agent cannot. Only the VM's own MACs count; link-local addresses
 * are left out; an address both sources report is listed once, as the agent's.
 */
import { rm } from 'node:fs/promises';
import { createProviderContext } from '@ims/core';
import type { GuestAddress, Provider } from '@ims/spi';
import { afterEach, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { InterfaceAddressSource } from '../src/rpc/flags.js';
import { VirErr } from '../src/rpc/libvirt-error.js';
import { KEEPALIVE_PROGRAM, type Packet } from '../src/rpc/packet.js';
import { RemoteProc } from '../src/rpc/procedures.js';
import { type DomainRef, writeDomain } from '../src/rpc/remote-types.js';
import { XdrReader, xdrEncode } from '../src/rpc/xdr.js';
import { type FakeLibvirtd, type FakePeer, startFakeLibvirtd } from './fake-libvirtd.js';
import { libvirtTempDir, testConfig } from './provider-fixture.js';

const MAC = '52:54:00:1a:2b:3c';
const DOMAIN: DomainRef = { name: 'web1', uuid: new Uint8Array(16).fill(7), id: 3 };
// Documentation prefixes (RFC 5737): data in replies, never reached.
const LEASED = '198.51.100.23';
const AGENT_SEEN = '203.0.113.9';

interface Reported {
  mac: string;
  addresses: Array<{ v6?: boolean; address: string; prefix: number }>;
}

function domainXml(nicType: 'network' | 'user'): string {
  const source = nicType === 'network' ? "<source network='isolated'/>" : '';
  return `<domain type='qemu'><name>${DOMAIN.name}</name><uuid>07070707-0707-0707-0707-070707070707</uuid>
    <memory unit='KiB'>65536</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os>
    <devices><interface type='${nicType}'><mac address='${MAC}'/>${source}<model type='virtio'/></interface></devices>
  </domain>`;
}

function interfaces(reported: readonly Reported[]): Uint8Array {
  return xdrEncode((w) =>
    w.array(reported, (ww, nic) => {
      ww.string('vnet0').optional(nic.mac, (www, mac) => www.string(mac));
      ww.array(nic.addresses, (www, a) =>
        www
          .int(a.v6 ? 1 : 0)
          .string(a.address)
          .uint(a.prefix),
      );
    }),
  );
}

/** The daemon's side: what each source reports (`undefined`: the source fails as libvirt's would). */
interface Script {
  nicType: 'network' | 'user';
  agent?: Reported[];
  lease?: Reported[];
}

let fake: FakeLibvirtd | undefined;
let provider: Provider | undefined;
let dir: string | undefined;
const asked: number[] = [];
const unexpected: string[] = [];

type Response = { body: Uint8Array } | { code: number; message: string };

function respond(script: Script, packet: Packet): Response {
  switch (packet.header.proc) {
    case RemoteProc.AUTH_LIST:
      return { body: xdrEncode((w) => w.array([0], (ww, v) => ww.int(v))) };
    case RemoteProc.CONNECT_SUPPORTS_FEATURE:
      return { body: xdrEncode((w) => w.int(0)) };
    case RemoteProc.CONNECT_OPEN:
    case RemoteProc.CONNECT_CLOSE:
      return { body: new Uint8Array(0) };
    case RemoteProc.DOMAIN_LOOKUP_BY_NAME:
      return { body: xdrEncode((w) => writeDomain(w, DOMAIN)) };
    case RemoteProc.DOMAIN_GET_STATE:
      return { body: xdrEncode((w) => w.int(1).int(1)) }; // running, booted
    case RemoteProc.DOMAIN_GET_XML_DESC:
      return { body: xdrEncode((w) => w.string(domainXml(script.nicType))) };
    case RemoteProc.DOMAIN_INTERFACE_ADDRESSES: {
      const reader = new XdrReader(packet.body);
      reader.string();
      reader.fixedOpaque(16);
      reader.int();
      const source = reader.uint();
      asked.push(source);
      const reported = source === InterfaceAddressSource.AGENT ? script.agent : script.lease;
      if (reported !== undefined) return { body: interfaces(reported) };
      return source === InterfaceAddressSource.AGENT
        ? { code: VirErr.AGENT_UNRESPONSIVE, message: 'Guest agent is not responding' }
        : { code: VirErr.NO_SUPPORT, message: 'no leases: the interface is not on a network' };
    }
    default:
      unexpected.push(String(packet.header.proc));
      return { code: VirErr.NO_SUPPORT, message: `procedure ${packet.header.proc} is not scripted` };
  }
}

function answer(script: Script, packet: Packet, peer: FakePeer): void {
  if (packet.header.prog === KEEPALIVE_PROGRAM) return;
  const response = respond(script, packet);
  if ('body' in response) peer.reply(packet, response.body);
  else peer.replyError(packet, response.code, response.message);
}

async function release(): Promise<void> {
  await provider?.close();
  await fake?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  provider = undefined;
  fake = undefined;
  dir = undefined;
}

async function addressesWith(script: Script): Promise<GuestAddress[]> {
  await release();
  asked.length = 0;
  unexpected.length = 0;
  fake = await startFakeLibvirtd((packet, peer) => answer(script, packet, peer));
  dir = await libvirtTempDir('ims-lv-addresses');
  const context = createProviderContext({ home: `${dir}/home`, configName: 'addr', dataDir: `${dir}/data` });
  provider = await plugin.create(context, {
    ...testConfig(dir, 'unused'),
    uri: `qemu+unix:///system?socket=${fake.path}`,
  });
  const found = await provider.getAddresses(DOMAIN.name);
  expect(unexpected, 'procedures the script does not know').toEqual([]);
  return found;
}

afterEach(release);

describe('guest addresses by source', () => {
  it('reports the DHCP lease of a NIC on a libvirt network when the agent does not answer', async () => {
    const found = await addressesWith({
      nicType: 'network',
      lease: [
        { mac: MAC.toUpperCase(), addresses: [{ address: LEASED, prefix: 24 }] },
        { mac: '52:54:00:ff:ff:ff', addresses: [{ address: '198.51.100.99', prefix: 24 }] },
      ],
    });
    expect(found).toEqual([{ mac: MAC, address: LEASED, prefix: 24, source: 'lease' }]);
    expect(asked).toEqual([InterfaceAddressSource.AGENT, InterfaceAddressSource.LEASE]);
  });

  it('lists an address the agent and the leases both report once, as the agent’s, without link-local ones', async () => {
    const found = await addressesWith({
      nicType: 'network',
      agent: [
        {
          mac: MAC,
          addresses: [
            { address: LEASED, prefix: 24 },
            { address: '169.254.3.4', prefix: 16 },
            { v6: true, address: 'fe80::5054:ff:fe1a:2b3c', prefix: 64 },
            { v6: true, address: '2001:db8::23', prefix: 64 },
          ],
        },
      ],
      lease: [{ mac: MAC, addresses: [{ address: LEASED, prefix: 24 }] }],
    });
    expect(found).toEqual([
      { mac: MAC, address: LEASED, prefix: 24, source: 'agent' },
      { mac: MAC, address: '2001:db8::23', prefix: 64, source: 'agent' },
    ]);
  });

  it('does not ask for leases for a user-mode NIC, and reports nothing while the agent is down', async () => {
    expect(await addressesWith({ nicType: 'user', lease: [{ mac: MAC, addresses: [] }] })).toEqual([]);
    expect(asked).toEqual([InterfaceAddressSource.AGENT]);
    const viaAgent = await addressesWith({
      nicType: 'user',
      agent: [{ mac: MAC, addresses: [{ address: AGENT_SEEN, prefix: 24 }] }],
    });
    expect(viaAgent).toEqual([{ mac: MAC, address: AGENT_SEEN, prefix: 24, source: 'agent' }]);
  });
});
