/**
 * The SPI conformance kit over `qemu+ssh://`: the same real daemon and busybox guests as
 * provider-conformance.test.ts, reached through a real OpenSSH server on 127.0.0.1 that forwards
 * libvirtd's unix socket (host key pinned, key authentication). Every call of the life cycle —
 * the template's volume uploads and the boot image's included — goes over the SSH channel.
 */
import { runConformanceSuite } from '@ims/spi/conformance';
import { startSshd, type TestSshd } from '../../core/test/ssh/sshd.js';
import plugin from '../src/index.js';
import { busyboxTemplate } from './busybox-template.js';
import { createProviderFixture } from './provider-fixture.js';

runConformanceSuite({
  name: 'libvirt over qemu+ssh:// (127.0.0.1, pinned host key)',
  vmPrefix: 'lvssh',
  async setup() {
    const template = await busyboxTemplate();
    const sshd: TestSshd = await startSshd();
    const stopSshd = () => sshd.stop().catch(() => {});
    let fixture: Awaited<ReturnType<typeof createProviderFixture>>;
    try {
      fixture = await createProviderFixture('ssh', {
        uri: `qemu+ssh://${sshd.username}@127.0.0.1:${sshd.port}/system`,
        sshKey: sshd.clientKeyPath,
        hostKeyFingerprint: sshd.fingerprint,
      });
    } catch (error) {
      await stopSshd();
      throw error;
    }
    const name = `${fixture.poolName}-tpl`.slice(0, 63);
    const teardown = async () => {
      try {
        await fixture.teardown();
      } finally {
        await stopSshd();
      }
    };
    try {
      await fixture.provider.importTemplate({
        name,
        directory: template.directory,
        metadata: template.metadata,
      });
      // The proof that the kit below talks to libvirt through SSH, not a local socket.
      if (!/Accepted publickey for /.test(sshd.log())) {
        throw new Error(`the provider did not log in to sshd: ${sshd.log()}`);
      }
    } catch (error) {
      await teardown();
      throw error;
    }
    return {
      plugin,
      provider: fixture.provider,
      template: name,
      templateDir: template.directory,
      async teardown() {
        const leftovers = await fixture.domains();
        await teardown();
        if (leftovers.length > 0) throw new Error(`domains left behind in the pool: ${leftovers.join(', ')}`);
      },
    };
  },
  timeouts: { bootMs: 120_000, stopMs: 60_000, ipMs: 120_000, operationMs: 120_000 },
});
