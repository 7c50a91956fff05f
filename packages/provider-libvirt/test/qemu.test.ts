/**
 * The client against real QEMU (`qemu:///system`): a storage pool in a temp directory, a volume
 * filled through an upload stream, and a tiny guest (no disk, no NIC) started and stopped.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { isImsError } from '@ims/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../../core/test/rejection.js';
import { LibvirtClient } from '../src/rpc/client.js';
import { DomainState, MemoryStatTag, StoragePoolState, StorageVolType } from '../src/rpc/flags.js';
import { libvirtErrorCode, VirErr } from '../src/rpc/libvirt-error.js';
import type { DomainRef, StoragePoolRef } from '../src/rpc/remote-types.js';
import { typedParamsToRecord } from '../src/rpc/remote-types.js';
import { requireLibvirtd, uniqueName, virsh } from './libvirtd.js';

const QEMU_BINARY = '/usr/bin/qemu-system-x86_64';
const VOLUME_BYTES = 8 * 1024 * 1024;

let client: LibvirtClient;
let dir: string;
let pool: StoragePoolRef | undefined;
const poolName = uniqueName('ims-rpc-pool');
const domainName = uniqueName('ims-rpc-vm');

beforeAll(async () => {
  await requireLibvirtd();
  if (!existsSync(QEMU_BINARY)) {
    throw new Error(`${QEMU_BINARY} is missing: apt-get install -y --no-install-recommends qemu-system-x86`);
  }
  client = await LibvirtClient.connect('qemu:///system');
  dir = await mkdtemp(join(tmpdir(), 'ims-rpc-pool-'));
  await chmod(dir, 0o755);
});

afterAll(async () => {
  if (client?.isOpen) {
    const dom = await client.lookupDomainByName(domainName).catch(() => undefined);
    if (dom) {
      await client.destroyDomain(dom).catch(() => {});
      await client.undefineDomain(dom).catch(() => {});
    }
    if (pool) {
      for (const vol of await client.listAllVolumes(pool).catch(() => [])) {
        await client.deleteStorageVol(vol).catch(() => {});
      }
      await client.destroyStoragePool(pool).catch(() => {});
      await client.undefineStoragePool(pool).catch(() => {});
    }
    await client.close();
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('storage through qemu:///system', () => {
  it('defines, builds and starts a dir pool in a temp directory', async () => {
    const poolDir = join(dir, 'pool');
    pool = await client.defineStoragePoolXml(
      `<pool type='dir'><name>${poolName}</name><target><path>${poolDir}</path></target></pool>`,
    );
    expect(pool.name).toBe(poolName);
    await client.buildStoragePool(pool);
    expect(existsSync(poolDir)).toBe(true);
    await client.createStoragePool(pool);
    const info = await client.getStoragePoolInfo(pool);
    expect(info.state).toBe(StoragePoolState.RUNNING);
    expect(info.capacity).toBeGreaterThan(0);
    expect((await client.lookupStoragePoolByName(poolName)).name).toBe(poolName);
    expect((await client.listAllStoragePools()).map((p) => p.name)).toContain(poolName);
  });

  it('uploads 8 MiB through a stream and the volume holds exactly those bytes', async () => {
    const p = pool!;
    const vol = await client.createStorageVolXml(
      p,
      `<volume><name>upload.raw</name><capacity unit='bytes'>${VOLUME_BYTES}</capacity>
       <target><format type='raw'/></target></volume>`,
    );
    expect(vol).toMatchObject({ pool: poolName, name: 'upload.raw' });
    const data = randomBytes(VOLUME_BYTES);
    const progress: number[] = [];
    const started = performance.now();
    // Uneven chunks, so packets get split and joined across source chunk boundaries.
    const chunks = function* () {
      for (let offset = 0; offset < data.length; offset += 300_001)
        yield data.subarray(offset, offset + 300_001);
    };
    await client.uploadStorageVol(vol, Readable.from(chunks()), {
      onProgress: (sent) => progress.push(sent),
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(`upload of 8 MiB: ${seconds.toFixed(3)} s (${(8 / seconds).toFixed(0)} MiB/s)`);
    expect(progress.at(-1)).toBe(VOLUME_BYTES);

    const path = await client.getStorageVolPath(vol);
    expect(path).toBe(join(dir, 'pool', 'upload.raw'));
    const written = await readFile(path);
    expect(written.length).toBe(VOLUME_BYTES);
    expect(written.equals(data)).toBe(true);

    const info = await client.getStorageVolInfo(vol);
    expect(info).toMatchObject({ type: StorageVolType.FILE, capacity: VOLUME_BYTES });
    expect((await client.lookupStorageVolByName(p, 'upload.raw')).key).toBe(vol.key);
  });

  it('uploads at an offset from a single buffer', async () => {
    const vol = await client.lookupStorageVolByName(pool!, 'upload.raw');
    const patch = Buffer.from('IMS was here');
    await client.uploadStorageVol(vol, patch, { offset: 4096, length: patch.length });
    const written = await readFile(await client.getStorageVolPath(vol));
    expect(written.subarray(4096, 4096 + patch.length).equals(patch)).toBe(true);
  });

  it('clones a volume with STORAGE_VOL_CREATE_XML_FROM and lists and deletes volumes', async () => {
    const p = pool!;
    const source = await client.lookupStorageVolByName(p, 'upload.raw');
    const clone = await client.createStorageVolXmlFrom(
      p,
      `<volume><name>clone.raw</name><capacity unit='bytes'>${VOLUME_BYTES}</capacity>
       <target><format type='raw'/></target></volume>`,
      source,
    );
    const original = await readFile(await client.getStorageVolPath(source));
    expect((await readFile(await client.getStorageVolPath(clone))).equals(original)).toBe(true);
    await client.refreshStoragePool(p);
    expect((await client.listAllVolumes(p)).map((v) => v.name).sort()).toEqual(['clone.raw', 'upload.raw']);
    await client.deleteStorageVol(clone);
    expect((await client.listAllVolumes(p)).map((v) => v.name)).toEqual(['upload.raw']);
    const missing = await rejection(client.lookupStorageVolByName(p, 'clone.raw'));
    expect(libvirtErrorCode(missing)).toBe(VirErr.NO_STORAGE_VOL);
  });

  it('refuses an upload to a volume that is gone, and the connection stays usable', async () => {
    const ghost = { pool: poolName, name: 'ghost.raw', key: join(dir, 'pool', 'ghost.raw') };
    const error = await rejection(client.uploadStorageVol(ghost, Buffer.alloc(16)));
    expect(isImsError(error)).toBe(true);
    expect(libvirtErrorCode(error)).toBe(VirErr.NO_STORAGE_VOL);
    expect(await client.libVersion()).toBeGreaterThan(0);
  });

  it('maps a missing pool', async () => {
    const error = await rejection(client.lookupStoragePoolByName(`${poolName}-missing`));
    expect(libvirtErrorCode(error)).toBe(VirErr.NO_STORAGE_POOL);
    expect(isImsError(error) && error.code).toBe('IMS_PROVIDER_ERROR');
  });
});

describe('a qemu guest through qemu:///system', () => {
  let dom: DomainRef;

  it('defines a tiny domain without disk or NIC', async () => {
    dom = await client.defineDomainXml(`<domain type='qemu'>
      <name>${domainName}</name>
      <memory unit='MiB'>64</memory>
      <vcpu>1</vcpu>
      <os><type arch='x86_64'>hvm</type></os>
      <cpu mode='custom' match='exact'><model fallback='allow'>qemu64</model></cpu>
      <devices><memballoon model='virtio'><stats period='1'/></memballoon></devices>
    </domain>`);
    expect(dom.id).toBe(-1);
    expect((await client.listAllDomains()).map((d) => d.name)).toContain(domainName);
  });

  it('starts it, reads state, info, statistics, and stops it', async () => {
    const started = await client.createDomain(dom);
    expect(started.id).toBeGreaterThan(0);
    expect((await client.getDomainState(dom)).state).toBe(DomainState.RUNNING);
    const info = await client.getDomainInfo(dom);
    expect(info).toMatchObject({ state: DomainState.RUNNING, maxMemKiB: 65_536, vcpus: 1 });

    const [record] = await client.getAllDomainStats([started]);
    const stats = typedParamsToRecord(record!.params);
    expect(stats['state.state']).toBe(DomainState.RUNNING);
    expect(typeof stats['cpu.time']).toBe('bigint');
    expect(stats['balloon.maximum']).toBe(65_536n);
    expect(stats['vcpu.current']).toBe(1);

    const memory = await client.domainMemoryStats(started);
    expect(memory.find((m) => m.tag === MemoryStatTag.ACTUAL_BALLOON)?.value).toBe(65_536);
    expect(memory.find((m) => m.tag === MemoryStatTag.RSS)?.value).toBeGreaterThan(0);

    const virshState = await virsh(['-c', 'qemu:///system', 'domstate', domainName]);
    expect(virshState.trim()).toBe('running');

    await client.suspendDomain(dom);
    expect((await client.getDomainState(dom)).state).toBe(DomainState.PAUSED);
    await client.resumeDomain(dom);
    await client.destroyDomain(dom);
    expect((await client.getDomainState(dom)).state).toBe(DomainState.SHUTOFF);
    const stopped = await rejection(client.suspendDomain(dom));
    expect(isImsError(stopped) && stopped.code).toBe('IMS_INVALID_STATE');
  });

  it('fails a guest agent command plainly when the guest has no agent', async () => {
    await client.createDomain(dom);
    try {
      const error = await rejection(client.qemuAgentCommand(dom, '{"execute":"guest-ping"}', 1));
      expect(isImsError(error)).toBe(true);
      expect((error as Error).message).toMatch(/QEMU_DOMAIN_AGENT_COMMAND failed: .*agent/i);
    } finally {
      await client.destroyDomain(dom);
    }
  });

  it('undefines it; libvirt then reports it missing with its own message', async () => {
    await client.undefineDomain(dom);
    const error = await rejection(client.lookupDomainByName(domainName));
    expect(isImsError(error) && error.code).toBe('IMS_VM_NOT_FOUND');
    expect((error as Error).message).toContain(`no domain with matching name '${domainName}'`);
  });
});
