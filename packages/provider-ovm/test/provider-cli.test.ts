/**
 * End to end through the built `ims` CLI: the OVM Manager simulator (its own HTTP server) and a
 * real OpenSSH server on 127.0.0.1 as dom0. Import the busybox template tarball from
 * ovm-templates, create a VM with an address and a hostile parameter, start it, see the address
 * the simulated guest read from the real Bootparams.img, read metrics from dom0's xentop,
 * suspend, resume, stop and delete — and nothing of the VM is left in running_pool.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readBootImageFile } from '@ims/ovm-templates/guest-sim';
import { describe, expect, it } from 'vitest';
import { runImsOk } from '../../core/test/cli/run-ims.js';
import { busyboxTemplate } from '../../provider-libvirt/test/busybox-template.js';
import { configCreateWords, MANAGER_PASSWORD, useOvmServers } from './ovm-fixture.js';

const CONFIG = 'ovm-e2e';
const TEMPLATE = 'busybox';
const VM = 'db-1';

const servers = useOvmServers('e2e');

const ims = (...words: string[]) =>
  runImsOk(words, { IMS_HOME: servers.home, OVM_PASSWORD: MANAGER_PASSWORD });

describe('ims CLI with the OVM provider (Manager simulator, dom0 over real SSH)', () => {
  it('imports, creates, boots to the configured address, measures, suspends, stops and deletes', async () => {
    const { dir, ovsRoot, sim } = servers;
    const template = await busyboxTemplate();
    const pwned = join(dir, 'pwned');
    const hostileValue = `it's a "quoted" value with $(touch ${pwned}) and \`touch ${pwned}\``;
    await ims(...configCreateWords(servers, CONFIG), '--xentop-command', sim.xentopPath);
    const shown = await ims('config', 'show', CONFIG, '--json');
    expect(shown.stdout).not.toContain(MANAGER_PASSWORD);
    expect((await ims('config', 'test', CONFIG)).stdout).toContain('Oracle VM Manager');

    await ims('template', 'import', CONFIG, template.archive, '--name', TEMPLATE);
    expect((await readdir(join(ovsRoot, 'seed_pool'))).sort()).toEqual([TEMPLATE]);
    const templates = JSON.parse((await ims('template', 'list', '--json')).stdout) as { name: string }[];
    expect(templates.map((t) => t.name)).toEqual([TEMPLATE]);

    await ims(
      ...['vm', 'create', CONFIG, VM, '--template', TEMPLATE, '--ip', '10.0.2.15/24'],
      ...['--gateway', '10.0.2.2', '--dns', '10.0.2.3', '--param', `note=${hostileValue}`],
    );
    expect(JSON.parse((await ims('vm', 'status', VM, '--json')).stdout)).toMatchObject({
      state: 'stopped',
      providerState: 'POWEREDOFF',
    });

    const start = await ims('vm', 'start', VM, '--wait-ip=60');
    expect(start.stdout).toContain('10.0.2.15');

    // What dom0 holds is the real boot image; read it the way a guest would.
    const [vmDir] = await readdir(join(ovsRoot, 'running_pool'));
    const guest = await readBootImageFile(join(ovsRoot, 'running_pool', vmDir ?? '', 'Bootparams.img'));
    expect(guest.params).toMatchObject({ NOTE: hostileValue });
    expect(guest.nics).toEqual([
      expect.objectContaining({ address: { address: '10.0.2.15', prefix: 24 }, gateway: '10.0.2.2' }),
    ]);

    const addresses = JSON.parse((await ims('vm', 'ip', VM, '--json')).stdout) as {
      mac: string;
      address: string;
      prefix: number;
      source: string;
    }[];
    const configured = addresses.find((a) => a.source === 'configured');
    expect(configured).toMatchObject({ address: '10.0.2.15', prefix: 24 });
    expect(configured?.mac).toMatch(/^00:16:3e(:[0-9a-f]{2}){3}$/);
    expect(addresses).toContainEqual({
      mac: configured?.mac,
      address: '10.0.2.15',
      prefix: 24,
      source: 'manager',
    });
    expect(guest.nics[0]?.mac).toBe(configured?.mac);

    const metrics = JSON.parse((await ims('vm', 'metrics', VM, '--json')).stdout) as {
      vm: string;
      vcpus: number;
      cpuTimeNs: number;
      memoryTotalBytes: number;
    }[];
    expect(metrics).toHaveLength(1);
    expect(metrics[0]).toMatchObject({ vm: VM, vcpus: 1 });
    expect(metrics[0]?.memoryTotalBytes).toBeGreaterThan(0);

    await ims('vm', 'suspend', VM);
    expect(JSON.parse((await ims('vm', 'status', VM, '--json')).stdout)).toMatchObject({
      state: 'suspended',
    });
    await ims('vm', 'resume', VM);
    expect(JSON.parse((await ims('vm', 'status', VM, '--json')).stdout)).toMatchObject({ state: 'running' });

    await ims('vm', 'stop', VM, '--timeout', '30');
    expect(JSON.parse((await ims('vm', 'status', VM, '--json')).stdout)).toMatchObject({
      state: 'stopped',
      providerState: 'POWEREDOFF',
    });

    await ims('vm', 'delete', VM);
    expect(await readdir(join(ovsRoot, 'running_pool'))).toEqual([]);
    expect(sim.vms()).toEqual([]);
    await ims('template', 'delete', CONFIG, TEMPLATE);
    expect(await readdir(join(ovsRoot, 'seed_pool'))).toEqual([]);
    expect(existsSync(pwned)).toBe(false);
  }, 300_000);
});
