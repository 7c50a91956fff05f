/**
 * Faults: a daemon that is not there (through the CLI: exit 1, a clear message, state untouched),
 * a connection that dies between calls or during one (through a socket proxy), and the
 * qemu+ssh transport through a real SSH server on 127.0.0.1.
 */
import { readFile, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createProviderContext } from '@ims/core';
import { type ErrorCode, isImsError, type Provider } from '@ims/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../../core/test/rejection.js';
import { startSshd, type TestSshd } from '../../core/test/ssh/sshd.js';
import plugin from '../src/index.js';
import { LIBVIRTD_SOCKET, requireLibvirtd, uniqueName } from './libvirtd.js';
import { libvirtTempDir, testConfig } from './provider-fixture.js';
import { assertBuilt, ims, runIms } from './run-ims.js';
import { type SocketProxy, startSocketProxy } from './socket-proxy.js';

function expectCode(error: unknown, code: ErrorCode): void {
  expect(isImsError(error), String(error)).toBe(true);
  expect((error as { code: string }).code, String(error)).toBe(code);
}

async function providerFor(dir: string, uri: string, extra: Record<string, unknown> = {}): Promise<Provider> {
  const home = join(dir, 'home');
  const context = createProviderContext({ home, configName: 'faults', dataDir: join(home, 'data') });
  return plugin.create(context, { ...testConfig(dir, uniqueName('ims-test-faults')), uri, ...extra });
}

let dir: string;

beforeAll(async () => {
  await requireLibvirtd();
  dir = await libvirtTempDir('ims-lv-faults');
});

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('libvirtd not reachable', () => {
  it('`ims vm list --config` exits 1 saying it cannot connect, and leaves state.json as it was', async () => {
    assertBuilt();
    const home = join(dir, 'cli-home');
    const socket = join(dir, 'none.sock');
    await ims(
      ['config', 'create', 'down', '--provider', 'libvirt', '--uri', `qemu+unix:///system?socket=${socket}`],
      home,
    );
    const stateFile = join(home, 'state.json');
    const before = await readFile(stateFile);

    const listed = await runIms(['vm', 'list', '--config', 'down'], home);
    expect(listed.code, listed.stderr).toBe(1);
    expect(listed.stderr).toContain(
      `Cannot connect to libvirt at unix:${socket}: the socket does not exist.`,
    );
    expect(listed.stderr).toMatch(/hint: .*libvirtd/);
    expect(listed.stdout).toBe('');
    const tested = await runIms(['config', 'test', 'down'], home);
    expect(tested.code, tested.stderr).toBe(1);
    expect(tested.stderr).toContain('Cannot connect to libvirt');
    expect(await readFile(stateFile)).toEqual(before);
  });

  it('every operation fails with IMS_CONNECTION_FAILED, and works once the daemon answers', async () => {
    const socket = join(dir, 'later.sock');
    const provider = await providerFor(dir, `qemu+unix:///system?socket=${socket}`);
    try {
      expectCode(await rejection(provider.describe()), 'IMS_CONNECTION_FAILED');
      expectCode(await rejection(provider.listVms({ includeUnmanaged: true })), 'IMS_CONNECTION_FAILED');
      expectCode(await rejection(provider.getStatus('some-vm')), 'IMS_CONNECTION_FAILED');
      // The daemon appears: the same provider instance connects on its next call.
      const proxy = await startSocketProxy(LIBVIRTD_SOCKET);
      try {
        await symlink(proxy.path, socket);
        expect((await provider.describe()).hypervisor).toBe('QEMU');
      } finally {
        await proxy.stop();
      }
    } finally {
      await provider.close();
    }
  });
});

describe('a connection that dies', () => {
  let proxy: SocketProxy;
  let provider: Provider;

  beforeAll(async () => {
    proxy = await startSocketProxy(LIBVIRTD_SOCKET);
    provider = await providerFor(dir, `qemu+unix:///system?socket=${proxy.path}`);
  });

  afterAll(async () => {
    await provider?.close();
    await proxy?.stop();
  });

  it('is replaced on the next call after it died between two calls', async () => {
    await provider.listVms({ includeUnmanaged: true });
    expect(proxy.accepted).toBe(1);
    proxy.cutAll();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const listed = await provider.listVms({ includeUnmanaged: true });
    expect(Array.isArray(listed)).toBe(true);
    expect(proxy.accepted).toBe(2);
  });

  it('is replaced even when the death is noticed only by the next call', async () => {
    proxy.cutAll();
    // No pause: the provider learns of the loss from the failing call itself and repeats it.
    expect((await provider.describe()).hypervisor).toBe('QEMU');
    expect(proxy.accepted).toBe(3);
  });

  it('repeats a read that was in flight when the connection died', async () => {
    proxy.cutOnNextCall();
    const listed = await provider.listVms({ includeUnmanaged: true });
    expect(Array.isArray(listed)).toBe(true);
    expect(proxy.accepted).toBe(4);
  });

  it('does not repeat a change that is unsafe to repeat, and the next call works', async () => {
    proxy.cutOnNextCall();
    expectCode(await rejection(provider.suspendVm('ims-faults-missing')), 'IMS_CONNECTION_FAILED');
    expectCode(await rejection(provider.getStatus('ims-faults-missing')), 'IMS_VM_NOT_FOUND');
    expect(proxy.accepted).toBe(5);
  });
});

describe('qemu+ssh:// through an SSH server on 127.0.0.1', () => {
  let sshd: TestSshd;

  beforeAll(async () => {
    sshd = await startSshd();
  });

  afterAll(async () => {
    await sshd?.stop();
  });

  it('describes and lists through the forwarded socket with the pinned host key', async () => {
    const provider = await providerFor(dir, `qemu+ssh://${sshd.username}@127.0.0.1:${sshd.port}/system`, {
      sshKey: sshd.clientKeyPath,
      hostKeyFingerprint: sshd.fingerprint,
    });
    try {
      const info = await provider.describe();
      expect(info.hypervisor).toBe('QEMU');
      expect(info.details?.uri).toContain('qemu+ssh://');
      expect(Array.isArray(await provider.listVms({ includeUnmanaged: true }))).toBe(true);
    } finally {
      await provider.close();
    }
  });

  it('refuses a host whose key is not the pinned one', async () => {
    const provider = await providerFor(dir, `qemu+ssh://${sshd.username}@127.0.0.1:${sshd.port}/system`, {
      sshKey: sshd.clientKeyPath,
      hostKeyFingerprint: `SHA256:${'A'.repeat(43)}`,
    });
    try {
      const error = await rejection(provider.describe());
      expect(isImsError(error) && error.code.startsWith('IMS_HOST_KEY_'), String(error)).toBe(true);
    } finally {
      await provider.close();
    }
  });
});
