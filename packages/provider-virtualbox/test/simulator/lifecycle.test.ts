import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createVm, makeSim, parseMachineReadable, type SimHarness, waitFor } from './sim-harness.js';

describe('VBoxManage simulator lifecycle', () => {
  let sim: SimHarness;
  afterEach(async () => sim.cleanup());

  it('keeps the session lock for VBOXSIM_LOCK_LINGER_MS after poweroff', async () => {
    sim = await makeSim('6.1', { VBOXSIM_LOCK_LINGER_MS: '400' });
    await createVm(sim, 'vm');
    await sim.ok('startvm', 'vm', '--type', 'headless');
    const off = await sim.vbox('controlvm', 'vm', 'poweroff');
    expect(off.exitCode).toBe(0);
    expect(off.stdout).toBe('');
    expect(off.stderr).toBe('0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n');
    const blocked = await sim.vbox('modifyvm', 'vm', '--memory', '256');
    expect(blocked.exitCode).toBe(1);
    expect(blocked.stderr).toContain(
      "VBoxManage: error: The machine 'vm' is already locked for a session (or being unlocked)\n",
    );
    expect(blocked.stderr).toContain('code VBOX_E_INVALID_OBJECT_STATE (0x80bb0007)');
    const unregister = await sim.vbox('unregistervm', 'vm', '--delete');
    expect(unregister.stderr).toContain("Cannot unregister the machine 'vm' while it is locked");
    const start = await sim.vbox('startvm', 'vm', '--type', 'headless');
    expect(start.stderr).toContain(
      "The machine 'vm' is already locked by a session (or being locked or unlocked)",
    );
    const attach = await sim.vbox(
      'storageattach',
      'vm',
      '--storagectl',
      'IDE',
      '--port',
      '1',
      '--device',
      '0',
      '--type',
      'dvddrive',
      '--medium',
      'emptydrive',
    );
    expect(attach.stderr).toContain('already locked for a session');
    expect((await sim.vbox('snapshot', 'vm', 'take', 's1')).exitCode).toBe(1);
    expect((await sim.vbox('clonevm', 'vm', '--name', 'c', '--register')).exitCode).toBe(1);
    // showvminfo needs no lock
    expect(await sim.ok('showvminfo', 'vm', '--machinereadable')).toContain('VMState="poweroff"');
    await sleep(450);
    await sim.ok('modifyvm', 'vm', '--memory', '256');
  });

  it('startvm exits 1 with the success text on every Nth start', async () => {
    sim = await makeSim('7.0', { VBOXSIM_STARTVM_EXIT1_EVERY: '2', VBOXSIM_LOCK_LINGER_MS: '0' });
    await createVm(sim, 'vm');
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await sim.vbox('startvm', 'vm', '--type', 'headless');
      expect(r.stdout).toBe('Waiting for VM "vm" to power on...\nVM "vm" has been successfully started.\n');
      expect(r.stderr).toBe('');
      codes.push(r.exitCode);
      await sim.ok('controlvm', 'vm', 'poweroff');
    }
    expect(codes).toEqual([0, 1, 0, 1]);
  });

  it('refuses controlvm on a VM that is not running and powers off after acpipowerbutton', async () => {
    sim = await makeSim('6.1', { VBOXSIM_ACPI_MS: '60', VBOXSIM_BOOT_MS: '20' });
    await createVm(sim, 'vm');
    const r = await sim.vbox('controlvm', 'vm', 'pause');
    expect(r).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: "VBoxManage: error: Machine 'vm' is not currently running\n",
    });
    await sim.ok('startvm', 'vm', '--type', 'headless');
    await sim.ok('controlvm', 'vm', 'acpipowerbutton');
    expect(await sim.ok('showvminfo', 'vm', '--machinereadable')).toContain('VMState="running"');
    await waitFor(async () =>
      (await sim.ok('showvminfo', 'vm', '--machinereadable')).includes('VMState="poweroff"'),
    );
    expect(await sim.ok('list', 'runningvms')).toBe('');
  });

  it('keeps guest properties across power-off and copies them (stale) into clones', async () => {
    sim = await makeSim('6.1', { VBOXSIM_LOCK_LINGER_MS: '0', VBOXSIM_BOOT_MS: '10' });
    await createVm(sim, 'vm');
    await sim.ok('guestproperty', 'set', 'vm', '/IMS/bootparams/conf', "IMS_BOOTPARAMS_VERSION='1'\n");
    await sim.ok('startvm', 'vm', '--type', 'headless');
    await waitFor(
      async () =>
        (await sim.ok('guestproperty', 'get', 'vm', '/VirtualBox/GuestInfo/Net/Count')) !== 'No value set!\n',
    );
    await sim.ok('controlvm', 'vm', 'poweroff');
    expect(await sim.ok('guestproperty', 'get', 'vm', '/VirtualBox/GuestInfo/Net/0/V4/IP')).toMatch(
      /^Value: \d+\.\d+\.\d+\.\d+\n$/,
    );
    expect(await sim.ok('guestproperty', 'get', 'vm', '/IMS/bootparams/conf')).toContain(
      "IMS_BOOTPARAMS_VERSION='1'",
    );
    await sim.ok('snapshot', 'vm', 'take', 'base');
    await sim.ok(
      'clonevm',
      'vm',
      '--snapshot',
      'base',
      '--options',
      'link',
      '--name',
      'clone',
      '--basefolder',
      join(sim.home, 'vms'),
      '--register',
    );
    expect(await sim.ok('guestproperty', 'get', 'clone', '/VirtualBox/GuestInfo/Net/Count')).toMatch(
      /^Value: /,
    );
  });

  it('clones, refuses an existing clone name, and deletes a VM folder with its disks', async () => {
    sim = await makeSim('7.1', { VBOXSIM_LOCK_LINGER_MS: '0' });
    const base = join(sim.home, 'vms');
    await createVm(sim, 'tmpl');
    await sim.ok('storagectl', 'tmpl', '--name', 'SATA', '--add', 'sata', '--controller', 'IntelAhci');
    const raw = join(sim.home, 'disk.raw');
    await writeFile(raw, Buffer.alloc(4096, 7));
    const conv = await sim.vbox('convertfromraw', raw, join(base, 'tmpl', 'disk.vdi'), '--format', 'VDI');
    expect(conv.exitCode).toBe(0);
    expect(conv.stdout).toContain('Converting from raw image file=');
    await sim.ok(
      'storageattach',
      'tmpl',
      '--storagectl',
      'SATA',
      '--port',
      '0',
      '--device',
      '0',
      '--type',
      'hdd',
      '--medium',
      join(base, 'tmpl', 'disk.vdi'),
    );
    await sim.ok('snapshot', 'tmpl', 'take', 'ims-base');
    const clone = await sim.vbox(
      'clonevm',
      'tmpl',
      '--snapshot',
      'ims-base',
      '--options',
      'link',
      '--name',
      'web-1',
      '--basefolder',
      base,
      '--register',
    );
    expect(clone.stdout).toBe('Machine has been successfully cloned as "web-1"\n');
    expect(clone.stderr).toBe('0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n');
    const again = await sim.vbox(
      'clonevm',
      'tmpl',
      '--snapshot',
      'ims-base',
      '--options',
      'link',
      '--name',
      'web-1',
      '--basefolder',
      base,
      '--register',
    );
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain(
      `VBoxManage: error: Machine settings file '${join(base, 'web-1', 'web-1.vbox')}' already exists\n`,
    );
    expect(again.stderr).toContain('VBOX_E_FILE_ERROR (0x80bb0004)');
    const info = parseMachineReadable(await sim.ok('showvminfo', 'web-1', '--machinereadable'));
    const disk = info.get('SATA-0-0')!;
    expect(disk.startsWith(join(base, 'web-1'))).toBe(true);
    expect(existsSync(disk)).toBe(true);
    // the template's base disk carries the linked clone: deleting the template is refused
    const refused = await sim.vbox('unregistervm', 'tmpl', '--delete');
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('child media');
    const del = await sim.vbox('unregistervm', 'web-1', '--delete');
    expect(del).toEqual({
      exitCode: 0,
      stdout: '',
      stderr: '0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n',
    });
    expect(existsSync(disk)).toBe(false);
    expect(existsSync(join(base, 'web-1'))).toBe(false);
    expect(await sim.ok('list', 'vms')).not.toContain('web-1');
    await sim.ok('unregistervm', 'tmpl', '--delete');
    expect(existsSync(join(base, 'tmpl', 'disk.vdi'))).toBe(false);
  });

  it('returns empty metrics until setup and one period, then numbers, for two VMs in one query of all objects', async () => {
    sim = await makeSim('6.1');
    await createVm(sim, 'vm1');
    await createVm(sim, 'vm2');
    await sim.ok('modifyvm', 'vm1', '--memory', '1024');
    await sim.ok('startvm', 'vm1', '--type', 'headless');
    await sim.ok('startvm', 'vm2', '--type', 'headless');
    const query = () =>
      sim.ok(
        'metrics',
        'query',
        '*',
        'CPU/Load/User,CPU/Load/Kernel,RAM/Usage/Used,Guest/RAM/Usage/Total,Guest/RAM/Usage/Free',
      );
    const header =
      'Object          Metric                                   Values\n' +
      '--------------- ---------------------------------------- --------------------------------------------\n';
    const before = await query();
    expect(before.startsWith(header)).toBe(true);
    expect(before).toContain(`${'vm1'.padEnd(15)} ${'CPU/Load/User'.padEnd(40)} \n`);
    await sim.ok('metrics', 'setup', '--period', '1', '--samples', '1', '*');
    expect(await query()).toBe(before);
    await sleep(1050);
    const after = await query();
    const rows = after.split('\n').slice(2).filter(Boolean);
    expect(rows.filter((row) => !row.startsWith('host '))).toHaveLength(10);
    for (const vm of ['vm1', 'vm2']) {
      expect(after).toMatch(new RegExp(`^${vm} {13}CPU/Load/User {28}\\d+\\.\\d\\d%$`, 'm'));
      expect(after).toMatch(new RegExp(`^${vm} {13}CPU/Load/Kernel {26}\\d+\\.\\d\\d%$`, 'm'));
      expect(after).toMatch(new RegExp(`^${vm} {13}RAM/Usage/Used {27}\\d+ kB$`, 'm'));
      expect(after).toContain(`${vm.padEnd(15)} ${'Guest/RAM/Usage/Total'.padEnd(40)} \n`);
    }
    // a stopped VM has no metrics at all
    await sim.ok('controlvm', 'vm2', 'poweroff');
    expect(await query()).not.toContain('vm2 ');
    // one object per call, as in VBoxManage: a comma-separated list is one (unknown) name
    expect((await sim.vbox('metrics', 'query', 'vm1,vm2', 'CPU/Load/User')).exitCode).toBe(1);
    const unknown = await sim.vbox('metrics', 'query', 'ghost', 'CPU/Load/User');
    expect(unknown).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: "VBoxManage: error: Invalid machine name: 'ghost'\n",
    });
  });

  it('guestproperty wait returns a property written after it began, and exits 2 on timeout with --fail-on-timeout', async () => {
    sim = await makeSim('6.1', { VBOXSIM_BOOT_MS: '150' });
    await createVm(sim, 'vm');
    await sim.ok('startvm', 'vm', '--type', 'headless');
    const r = await sim.vbox(
      'guestproperty',
      'wait',
      'vm',
      '/VirtualBox/GuestInfo/Net/Count',
      '--timeout',
      '3000',
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Name: \/VirtualBox\/GuestInfo\/Net\/Count, value: 1, flags: \n$/);
    const t = await sim.vbox(
      'guestproperty',
      'wait',
      'vm',
      '/Nothing/*',
      '--timeout',
      '100',
      '--fail-on-timeout',
    );
    expect(t.exitCode).toBe(2);
    expect(t.stderr).toBe('VBoxManage: error: Time out or interruption while waiting for a notification.\n');
  });
});
