/**
 * End to end through the built `ims` CLI on the real daemon: import the busybox template, create a
 * VM with a static address and a hostile parameter, start it and wait for the guest agent to
 * report the address, read metrics, suspend, resume, stop, delete — and nothing of the VM is left.
 */
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibvirtClient } from '../src/rpc/client.js';
import { busyboxTemplate } from './busybox-template.js';
import { requireLibvirtd, uniqueName } from './libvirtd.js';
import {
  domainsUsingPool,
  libvirtTempDir,
  poolVolumes,
  removePoolAndDomains,
  requireQemu,
} from './provider-fixture.js';
import { assertBuilt, ims } from './run-ims.js';

const CONFIG = 'e2e';
const TEMPLATE = 'busybox';

let dir: string;
let home: string;
let poolName: string;
let client: LibvirtClient;
const vm = uniqueName('ims-e2e-vm');

function seconds(start: number): string {
  return ((performance.now() - start) / 1000).toFixed(2);
}

beforeAll(async () => {
  assertBuilt();
  await requireLibvirtd();
  requireQemu();
  dir = await libvirtTempDir('ims-lv-e2e');
  home = join(dir, 'home');
  poolName = uniqueName('ims-test-e2e');
  client = await LibvirtClient.connect('qemu:///system');
}, 60_000);

afterAll(async () => {
  if (client !== undefined) {
    try {
      await removePoolAndDomains(client, poolName);
    } finally {
      await client.close();
    }
  }
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('ims CLI with the libvirt provider on qemu:///system', () => {
  it('imports, creates, boots to the configured address, measures, suspends, stops and deletes', async () => {
    const template = await busyboxTemplate();
    const pwned = join(dir, 'pwned');
    const hostileParam = `note=it's a "quoted" value with $(touch ${pwned}) and \`touch ${pwned}\``;
    await ims(
      [
        ...['config', 'create', CONFIG, '--provider', 'libvirt', '--uri', 'qemu:///system'],
        ...['--domain-type', 'qemu', '--pool', poolName, '--pool-path', join(dir, 'pool')],
        ...['--console-log-dir', join(dir, 'logs'), '--default-memory', '192'],
      ],
      home,
    );
    const tested = await ims(['config', 'test', CONFIG], home);
    expect(tested.stdout).toContain('QEMU');

    let started = performance.now();
    await ims(['template', 'import', CONFIG, template.archive, '--name', TEMPLATE], home);
    const importSeconds = seconds(started);
    expect(await poolVolumes(client, poolName)).toEqual([
      `ims-tpl-${TEMPLATE}-app`,
      `ims-tpl-${TEMPLATE}-initrd`,
      `ims-tpl-${TEMPLATE}-kernel`,
      `ims-tpl-${TEMPLATE}-system`,
    ]);

    started = performance.now();
    await ims(
      [
        ...['vm', 'create', CONFIG, vm, '--template', TEMPLATE, '--ip', '10.0.2.15/24'],
        ...['--gateway', '10.0.2.2', '--dns', '10.0.2.3', '--param', hostileParam],
      ],
      home,
    );
    const createSeconds = seconds(started);
    const status = JSON.parse((await ims(['vm', 'status', vm, '--json'], home)).stdout) as { state: string };
    expect(status.state).toBe('stopped');

    started = performance.now();
    const start = await ims(['vm', 'start', vm, '--wait-ip=180'], home);
    const bootToIpSeconds = seconds(started);
    expect(start.stdout).toContain('10.0.2.15');

    const addresses = JSON.parse((await ims(['vm', 'ip', vm, '--json'], home)).stdout) as {
      mac: string;
      address: string;
      prefix: number;
      source: string;
    }[];
    const configured = addresses.find((a) => a.source === 'configured');
    expect(configured).toMatchObject({ address: '10.0.2.15', prefix: 24 });
    expect(addresses).toContainEqual({
      mac: configured?.mac,
      address: '10.0.2.15',
      prefix: 24,
      source: 'agent',
    });

    const metrics = JSON.parse((await ims(['vm', 'metrics', vm, '--json'], home)).stdout) as {
      vm: string;
      vcpus: number;
      cpuTimeNs: number;
      cpuPercent: number;
      memoryTotalBytes: number;
    }[];
    expect(metrics).toHaveLength(1);
    expect(metrics[0]).toMatchObject({ vm, vcpus: 1 });
    expect(metrics[0]?.cpuTimeNs).toBeGreaterThan(0);
    expect(metrics[0]?.memoryTotalBytes).toBe(192 * 1024 * 1024);

    await ims(['vm', 'suspend', vm], home);
    expect(JSON.parse((await ims(['vm', 'status', vm, '--json'], home)).stdout)).toMatchObject({
      state: 'suspended',
      providerState: 'paused',
    });
    await ims(['vm', 'resume', vm], home);
    expect(JSON.parse((await ims(['vm', 'status', vm, '--json'], home)).stdout)).toMatchObject({
      state: 'running',
    });

    started = performance.now();
    await ims(['vm', 'stop', vm, '--timeout', '60'], home);
    const stopSeconds = seconds(started);
    expect(JSON.parse((await ims(['vm', 'status', vm, '--json'], home)).stdout)).toMatchObject({
      state: 'stopped',
      providerState: 'shutoff',
    });
    const consoleLog = await readFile(join(dir, 'logs', `${vm}.console`), 'utf8');
    expect(consoleLog).toContain('IMS: configured');
    expect(existsSync(pwned)).toBe(false);

    started = performance.now();
    const listed = JSON.parse((await ims(['vm', 'list', '--config', CONFIG, '--json'], home)).stdout) as {
      name: string;
      managed: boolean;
    }[];
    const listSeconds = seconds(started);
    expect(listed.map((row) => row.name)).toEqual([vm]);

    await ims(['vm', 'delete', vm], home);
    expect(await domainsUsingPool(client, poolName)).toEqual([]);
    expect((await client.listAllDomains()).map((d) => d.name)).not.toContain(vm);
    expect((await poolVolumes(client, poolName)).filter((v) => !v.startsWith('ims-tpl-'))).toEqual([]);
    expect(existsSync(join(dir, 'logs', `${vm}.console`))).toBe(false);

    await ims(['template', 'delete', CONFIG, TEMPLATE], home);
    expect(await poolVolumes(client, poolName)).toEqual([]);
    console.log(
      `libvirt CLI e2e: template import ${importSeconds} s, vm create ${createSeconds} s, ` +
        `start --wait-ip ${bootToIpSeconds} s, stop ${stopSeconds} s, vm list ${listSeconds} s (each a new ims process)`,
    );
  }, 600_000);
});
