/**
 * A large inventory: 1,000 domains from a generated test-driver fixture, listed through libvirtd
 * in one CONNECT_LIST_ALL_DOMAINS call. Timings are printed for comparison, never asserted.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibvirtClient } from '../src/rpc/client.js';
import { DomainState, ListDomainsFlags } from '../src/rpc/flags.js';
import { formatUuid } from '../src/rpc/remote-types.js';
import { requireLibvirtd, virsh } from './libvirtd.js';

const COUNT = 1_000;
const RUNNING = 10;

let dir: string;
let fixture: string;

/** A test-driver node with COUNT domains: the first RUNNING run, the rest are shut off. */
function nodeXml(): string {
  const domains = Array.from({ length: COUNT }, (_, i) => {
    const n = String(i).padStart(4, '0');
    const runstate = i < RUNNING ? DomainState.RUNNING : DomainState.SHUTOFF;
    return `  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <name>inv-${n}</name>
    <uuid>00000000-0000-4000-8000-00000000${n}</uuid>
    <memory unit='MiB'>64</memory>
    <vcpu>1</vcpu>
    <os><type arch='x86_64'>hvm</type></os>
    <test:runstate>${runstate}</test:runstate>
  </domain>`;
  });
  return `<node>\n${domains.join('\n')}\n</node>\n`;
}

function seconds(start: number): string {
  return ((performance.now() - start) / 1000).toFixed(3);
}

beforeAll(async () => {
  await requireLibvirtd();
  dir = await mkdtemp(join(tmpdir(), 'ims-rpc-inventory-'));
  fixture = join(dir, 'node.xml');
  await writeFile(fixture, nodeXml());
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a 1,000-domain inventory on the test driver', () => {
  it('lists every domain in one call, with the same names and UUIDs virsh sees', async () => {
    const started = performance.now();
    const client = await LibvirtClient.connect(`test://${fixture}`);
    try {
      const listStart = performance.now();
      const domains = await client.listAllDomains();
      const listSeconds = seconds(listStart);
      const totalSeconds = seconds(started);
      expect(domains).toHaveLength(COUNT);
      const names = domains.map((d) => d.name).sort();
      expect(names[0]).toBe('inv-0000');
      expect(names.at(-1)).toBe('inv-0999');
      const sample = domains.find((d) => d.name === 'inv-0042')!;
      expect(formatUuid(sample.uuid)).toBe('00000000-0000-4000-8000-000000000042');

      expect(await client.listAllDomains(ListDomainsFlags.ACTIVE)).toHaveLength(RUNNING);
      expect(await client.listAllDomains(ListDomainsFlags.INACTIVE)).toHaveLength(COUNT - RUNNING);

      const virshStart = performance.now();
      const viaDaemon = await virsh(['-c', `test+unix://${fixture}`, 'list', '--all', '--name']);
      const virshSeconds = seconds(virshStart);
      const virshNames = viaDaemon.split('\n').filter(Boolean).sort();
      expect(virshNames).toEqual(names);
      console.log(
        `list ${COUNT} domains: RPC call ${listSeconds} s, connect+open+list ${totalSeconds} s; ` +
          `virsh list --all through libvirtd (process start included) ${virshSeconds} s`,
      );
    } finally {
      await client.close();
    }
  });

  it('fetches state statistics of all 1,000 domains in one call', async () => {
    const client = await LibvirtClient.connect(`test://${fixture}`);
    try {
      const records = await client.getAllDomainStats([], 0, 0);
      expect(records).toHaveLength(COUNT);
      const running = records.filter((r) => r.params.some((p) => p.field === 'state.state' && p.value === 1));
      expect(running).toHaveLength(RUNNING);
    } finally {
      await client.close();
    }
  });

  it('sustains many calls per second, sequential and concurrent', async () => {
    const client = await LibvirtClient.connect(`test://${fixture}`);
    try {
      const calls = 2_000;
      let start = performance.now();
      for (let i = 0; i < calls; i++)
        await client.lookupDomainByName(`inv-${String(i % COUNT).padStart(4, '0')}`);
      const sequential = calls / ((performance.now() - start) / 1000);
      start = performance.now();
      const found = await Promise.all(
        Array.from({ length: calls }, (_, i) =>
          client.lookupDomainByName(`inv-${String(i % COUNT).padStart(4, '0')}`),
        ),
      );
      const concurrent = calls / ((performance.now() - start) / 1000);
      expect(found.every((d, i) => d.name === `inv-${String(i % COUNT).padStart(4, '0')}`)).toBe(true);
      console.log(
        `DOMAIN_LOOKUP_BY_NAME: ${sequential.toFixed(0)} calls/s sequential, ${concurrent.toFixed(0)} calls/s with ${calls} in flight`,
      );
    } finally {
      await client.close();
    }
  });
});
