/**
 * Over a real SSH server on 127.0.0.1: arguments hostile to shells (a VM folder with quotes,
 * spaces and `$(...)`, boot parameters with newlines) reach the remote VBoxManage as single
 * arguments; a missing remote VBoxManage is named in the error; a wrong host key is refused.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BootParams, Provider } from '@ims/spi';
import { isImsError } from '@ims/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../../core/test/rejection.js';
import { startSshd, type TestSshd } from '../../core/test/ssh/sshd.js';
import { createSimFixture, type SimFixture } from './sim-fixture.js';
import { sshProvider } from './sim-ssh.js';
import { tinyTemplate } from './tiny-template.js';

const HOSTILE = `it's "quoted" $(touch /tmp/ims-pwned-ssh) \`id\` ;|& \\ \n next line *`;

describe('VirtualBox over SSH', () => {
  let sshd: TestSshd;
  let fixture: SimFixture;
  let provider: Provider;

  beforeAll(async () => {
    sshd = await startSshd();
    fixture = await createSimFixture({
      version: '6.1',
      prefix: 'ssh',
      vmFolderName: `remote vms "q" $(id) it's`,
    });
    provider = await sshProvider(fixture, sshd);
  });

  afterAll(async () => {
    await provider?.close();
    await fixture?.teardown();
    await sshd?.stop();
  });

  it('describes the remote VirtualBox', async () => {
    const info = await provider.describe();
    expect(info).toMatchObject({ hypervisor: 'VirtualBox', version: expect.stringMatching(/^6\.1\./) });
    expect(info.details?.host).toBe(`ssh://${sshd.username}@127.0.0.1:${sshd.port}`);
  });

  it('uploads, creates and starts in a folder hostile to shells, every argument arriving whole', async () => {
    await provider.importTemplate({ name: 'tiny', ...(await tinyTemplate(fixture.dir)) });
    expect(existsSync(join(fixture.vmFolder, 'ims-templates', 'tiny', 'System.vdi'))).toBe(true);
    // The raw uploads are removed once converted.
    expect(existsSync(join(fixture.vmFolder, 'ims-templates', 'tiny', 'System.img'))).toBe(false);
    const {
      macs: [mac = ''],
    } = await provider.createVm({ name: 'far-1', template: 'tiny', cpus: 1, memoryMiB: 64, nics: [{}] });
    const params: BootParams = {
      vmName: 'far-1',
      hostname: 'far-1',
      nics: [{ mac, address: { address: '10.0.2.15', prefix: 24 } }],
      dns: [],
      sshKeys: [],
      params: { hostile: HOSTILE, 'also.hostile': "'; exec /bin/false; '" },
    };
    await provider.startVm('far-1', { bootParams: params });
    expect((await provider.getStatus('far-1')).state).toBe('running');

    const conf = await fixture.vbox(['guestproperty', 'get', 'far-1', '/IMS/bootparams/conf']);
    const encoded = /^Value: ([A-Za-z0-9+/=]+)\n$/.exec(conf.stdout)?.[1] ?? '';
    expect(Buffer.from(encoded, 'base64').toString('utf8')).toBe(
      fixture.context.bootImage.renderConf(params),
    );
    const info = await fixture.vbox(['showvminfo', 'far-1', '--machinereadable']);
    const iso = join(fixture.vmFolder, 'far-1', 'far-1-bootparams.iso');
    expect(info.stdout).toContain(`"IDE-1-0"="${iso.replaceAll('"', '\\"')}"`);
    expect(existsSync(iso)).toBe(true);
    expect(existsSync('/tmp/ims-pwned-ssh')).toBe(false);

    await provider.deleteVm('far-1', { force: true });
    expect(existsSync(join(fixture.vmFolder, 'far-1'))).toBe(false);
    await provider.deleteTemplate('tiny');
    expect(existsSync(join(fixture.vmFolder, 'ims-templates', 'tiny'))).toBe(false);
  });

  it('names a missing remote VBoxManage in an IMS_TOOL_MISSING error', async () => {
    const missing = join(fixture.dir, 'not there', 'VBoxManage');
    const remote = await sshProvider(fixture, sshd, { vboxManage: missing });
    try {
      const error = await rejection(remote.listVms({ includeUnmanaged: true }));
      expect(isImsError(error) && error.code, String(error)).toBe('IMS_TOOL_MISSING');
      expect(String(error)).toContain(`"${missing}" was not found on ssh://`);
    } finally {
      await remote.close();
    }
  });

  it('refuses a host whose key is not the pinned one', async () => {
    const remote = await sshProvider(fixture, sshd, { hostKeyFingerprint: `SHA256:${'A'.repeat(43)}` });
    try {
      const error = await rejection(remote.describe());
      expect(isImsError(error) && error.code.startsWith('IMS_HOST_KEY_'), String(error)).toBe(true);
    } finally {
      await remote.close();
    }
  });
});
