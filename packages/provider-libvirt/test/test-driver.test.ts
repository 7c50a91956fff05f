/**
 * The client against the real daemon with libvirt's test driver (`test:///default`): state lives
 * as long as the connection, so every test file gets its own.
 */
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { isImsError } from '@ims/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../../core/test/rejection.js';
import { LibvirtClient } from '../src/rpc/client.js';
import {
  DomainState,
  DomainStatsTypes,
  InterfaceAddressSource,
  ListDomainsFlags,
  MemoryStatTag,
} from '../src/rpc/flags.js';
import { libvirtErrorCode, VirErr } from '../src/rpc/libvirt-error.js';
import { formatUuid, typedParamsToRecord } from '../src/rpc/remote-types.js';
import { duplexTransport, openSshTransport } from '../src/rpc/transport.js';
import { LIBVIRTD_MISSING, LIBVIRTD_SOCKET, requireLibvirtd, virsh } from './libvirtd.js';

const domainXml = (name: string) => `<domain type='test'>
  <name>${name}</name>
  <memory unit='MiB'>64</memory>
  <currentMemory unit='MiB'>64</currentMemory>
  <vcpu>2</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
</domain>`;

let client: LibvirtClient;

beforeAll(async () => {
  await requireLibvirtd();
  client = await LibvirtClient.connect('test:///default');
});

afterAll(async () => {
  await client?.close();
});

describe('connection to the test driver through libvirtd', () => {
  it('reports the daemon library version that virsh reports', async () => {
    const version = await client.libVersion();
    const text = await virsh(['-c', 'qemu:///system', 'version', '--daemon']);
    const match = /Running against daemon: (\d+)\.(\d+)\.(\d+)/.exec(text);
    expect(match, text).not.toBeNull();
    const [, major, minor, micro] = match!.map(Number);
    expect(version).toBe(major! * 1_000_000 + minor! * 1_000 + micro!);
  });

  it("reports the test hypervisor's version and the host name", async () => {
    expect(await client.hypervisorVersion()).toBeGreaterThan(0);
    const virshHostname = (await virsh(['-c', 'test:///default', 'hostname'])).trim();
    expect(await client.hostname()).toBe(virshHostname);
    expect(virshHostname.startsWith(hostname())).toBe(true);
  });

  it("lists the test driver's built-in running domain", async () => {
    const domains = await client.listAllDomains();
    const test = domains.find((d) => d.name === 'test');
    expect(test).toBeDefined();
    expect(test!.id).toBeGreaterThan(0);
    expect(test!.uuid).toHaveLength(16);
    const active = await client.listAllDomains(ListDomainsFlags.ACTIVE);
    expect(active.map((d) => d.name)).toContain('test');
    const looked = await client.lookupDomainByUuid(test!.uuid);
    expect(looked.name).toBe('test');
  });

  it('defines, starts, suspends, resumes, destroys and undefines a domain', async () => {
    const defined = await client.defineDomainXml(domainXml('rpc-life'));
    expect(defined.name).toBe('rpc-life');
    expect(defined.id).toBe(-1);
    const dom = await client.lookupDomainByName('rpc-life');
    expect(formatUuid(dom.uuid)).toBe(formatUuid(defined.uuid));
    expect((await client.getDomainState(dom)).state).toBe(DomainState.SHUTOFF);

    const started = await client.createDomain(dom);
    expect(started.id).toBeGreaterThan(0);
    expect((await client.getDomainState(dom)).state).toBe(DomainState.RUNNING);
    const info = await client.getDomainInfo(dom);
    expect(info).toMatchObject({ state: DomainState.RUNNING, maxMemKiB: 65_536, vcpus: 2 });
    expect(typeof info.cpuTimeNs).toBe('bigint');
    expect(await client.getDomainXml(dom)).toContain('<name>rpc-life</name>');

    await client.suspendDomain(dom);
    expect((await client.getDomainState(dom)).state).toBe(DomainState.PAUSED);
    await client.resumeDomain(dom);
    expect((await client.getDomainState(dom)).state).toBe(DomainState.RUNNING);
    await client.destroyDomain(dom);
    expect((await client.getDomainState(dom)).state).toBe(DomainState.SHUTOFF);

    await client.undefineDomain(dom);
    const gone = await rejection(client.lookupDomainByName('rpc-life'));
    expect(isImsError(gone) && gone.code).toBe('IMS_VM_NOT_FOUND');
  });

  it('maps a missing domain to IMS_VM_NOT_FOUND with libvirt message and code', async () => {
    const error = await rejection(client.lookupDomainByName('no-such-domain'));
    expect(isImsError(error)).toBe(true);
    if (!isImsError(error)) return;
    expect(error.code).toBe('IMS_VM_NOT_FOUND');
    expect(error.message).toMatch(/^libvirt DOMAIN_LOOKUP_BY_NAME failed: Domain not found/);
    expect(error.details.libvirtMessage).toMatch(/^Domain not found/);
    expect(error.details).toMatchObject({
      libvirtCode: VirErr.NO_DOMAIN,
      libvirtCodeName: 'VIR_ERR_NO_DOMAIN',
      procedure: 'DOMAIN_LOOKUP_BY_NAME',
    });
    expect(libvirtErrorCode(error)).toBe(VirErr.NO_DOMAIN);
  });

  it('maps an operation invalid in the current state to IMS_INVALID_STATE', async () => {
    const dom = await client.defineDomainXml(domainXml('rpc-state'));
    try {
      const error = await rejection(client.destroyDomain(dom));
      expect(isImsError(error) && error.code).toBe('IMS_INVALID_STATE');
      expect(libvirtErrorCode(error)).toBe(VirErr.OPERATION_INVALID);
    } finally {
      await client.undefineDomain(dom);
    }
  });

  it('keeps the connection usable after error replies', async () => {
    await rejection(client.lookupDomainByName('missing-1'));
    await rejection(client.lookupDomainByName('missing-2'));
    expect((await client.lookupDomainByName('test')).name).toBe('test');
  });

  it('decodes all-domain statistics as typed parameters', async () => {
    const records = await client.getAllDomainStats([], 0, 0);
    const test = records.find((r) => r.domain.name === 'test');
    expect(test).toBeDefined();
    const stats = typedParamsToRecord(test!.params);
    expect(stats['state.state']).toBe(DomainState.RUNNING);
    expect(test!.params.find((p) => p.field === 'state.state')?.type).toBe('int');

    const dom = await client.lookupDomainByName('test');
    const only = await client.getAllDomainStats([dom], DomainStatsTypes.STATE);
    expect(only.map((r) => r.domain.name)).toEqual(['test']);
  });

  it("reads a running domain's interface addresses and memory statistics", async () => {
    const dom = await client.lookupDomainByName('test');
    const interfaces = await client.domainInterfaceAddresses(dom, InterfaceAddressSource.LEASE);
    expect(interfaces.length).toBeGreaterThan(0);
    expect(interfaces[0]!.hwaddr).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(interfaces[0]!.addresses[0]).toMatchObject({ family: 'ipv4', prefix: expect.any(Number) });
    const stats = await client.domainMemoryStats(dom);
    expect(stats.find((s) => s.tag === MemoryStatTag.ACTUAL_BALLOON)?.value).toBeGreaterThan(0);
  });

  it('answers 200 parallel calls, each with its own reply', async () => {
    const names = Array.from({ length: 100 }, (_, i) => `par-${i}`);
    const defined = await Promise.all(names.map((name) => client.defineDomainXml(domainXml(name))));
    expect(defined.map((d) => d.name)).toEqual(names);
    try {
      const lookups = [...names, ...names].map((name) => client.lookupDomainByName(name));
      const found = await Promise.all(lookups);
      expect(found.map((d) => d.name)).toEqual([...names, ...names]);
      for (const [i, dom] of found.entries())
        expect(formatUuid(dom.uuid)).toBe(formatUuid(defined[i % 100]!.uuid));
      const mixed = await Promise.allSettled(
        names
          .slice(0, 50)
          .flatMap((name) => [client.lookupDomainByName(name), client.lookupDomainByName(`x-${name}`)]),
      );
      expect(mixed.filter((r) => r.status === 'fulfilled')).toHaveLength(50);
      expect(mixed.filter((r) => r.status === 'rejected')).toHaveLength(50);
    } finally {
      await Promise.all(defined.map((dom) => client.undefineDomain(dom)));
    }
  });

  it("survives client keepalive pings (libvirtd answers them) and counts the daemon's silence", async () => {
    const pinging = await LibvirtClient.connect('test:///default', {
      keepalive: { intervalMs: 100, count: 3 },
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(pinging.isOpen).toBe(true);
      expect((await pinging.lookupDomainByName('test')).name).toBe('test');
    } finally {
      await pinging.close();
    }
  });

  it('rejects calls with IMS_CONNECTION_FAILED once the socket is gone', async () => {
    const doomed = await LibvirtClient.connect('test:///default');
    const closed = new Promise((resolve) => doomed.onClose(resolve));
    const pending = doomed.listAllDomains();
    (doomed.connection as unknown as { transport: { destroy(): void } }).transport.destroy();
    const error = await rejection(pending);
    expect(isImsError(error) && error.code).toBe('IMS_CONNECTION_FAILED');
    expect(isImsError(await closed)).toBe(true);
    expect(doomed.isOpen).toBe(false);
    const later = await rejection(doomed.libVersion());
    expect(isImsError(later) && later.code).toBe('IMS_CONNECTION_FAILED');
  });
});

describe('transports', () => {
  it('runs over any Duplex (what an SSH-forwarded socket gives)', async () => {
    const socket = connect({ path: LIBVIRTD_SOCKET });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const overDuplex = await LibvirtClient.open(duplexTransport(socket, 'duplex:test'), 'test:///default');
    try {
      expect((await overDuplex.lookupDomainByName('test')).name).toBe('test');
    } finally {
      await overDuplex.close();
    }
  });

  it('connects qemu+ssh URIs through the SSH session it is given', async () => {
    const opened: string[] = [];
    const session = {
      target: 'ssh://root@127.0.0.1:22',
      openUnixSocket: async (path: string) => {
        opened.push(path);
        const socket = connect({ path: LIBVIRTD_SOCKET });
        await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
        return socket;
      },
    };
    const viaSsh = await LibvirtClient.connect(
      'qemu+ssh://root@127.0.0.1/system?socket=/run/libvirt/libvirt-sock',
      {
        ssh: session,
      },
    );
    try {
      expect(opened).toEqual(['/run/libvirt/libvirt-sock']);
      expect(viaSsh.name).toBe('qemu:///system');
      expect(await viaSsh.libVersion()).toBeGreaterThan(0);
    } finally {
      await viaSsh.close();
    }
    const failing = {
      target: 'ssh://root@127.0.0.1:22',
      openUnixSocket: () => Promise.reject(new Error('boom')),
    };
    const error = await rejection(openSshTransport(failing, '/nowhere'));
    expect(isImsError(error) && error.code).toBe('IMS_CONNECTION_FAILED');
    expect((error as Error).message).toContain('ssh://root@127.0.0.1:22/nowhere');
  });

  it('the daemon check names what to start when the socket is missing', async () => {
    await expect(requireLibvirtd('/nonexistent/libvirt-sock')).rejects.toThrow(LIBVIRTD_MISSING);
  });

  it('fails clearly when the socket does not exist', async () => {
    const error = await rejection(
      LibvirtClient.connect('qemu+unix:///system?socket=/nonexistent/libvirt-sock'),
    );
    expect(isImsError(error) && error.code).toBe('IMS_CONNECTION_FAILED');
    expect((error as Error).message).toContain('the socket does not exist');
  });
});
