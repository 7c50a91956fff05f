/**
 * The SPI conformance kit over `qemu+ssh://`: the same real daemon and busybox guests as
 * provider-conformance.test.ts, reached through a real OpenSSH server on 127.0.0.1 that forwards
 * libvirtd's unix socket (host key pinned, key authentication). Every call of the life cycle —
 * the template's volume uploads and the boot image's included — goes over the SSH channel.
 */
import { runConformanceSuite } from '@ims/spi/conformance';
import { startSshd } from '../../core/test/ssh/sshd.js';
import { conformanceTarget } from './conformance-target.js';
import { createProviderFixture } from './provider-fixture.js';

runConformanceSuite({
  name: 'libvirt over qemu+ssh:// (127.0.0.1, pinned host key)',
  vmPrefix: 'lvssh',
  async setup() {
    const sshd = await startSshd();
    return conformanceTarget(
      () =>
        createProviderFixture('ssh', {
          uri: `qemu+ssh://${sshd.username}@127.0.0.1:${sshd.port}/system`,
          sshKey: sshd.clientKeyPath,
          hostKeyFingerprint: sshd.fingerprint,
        }),
      {
        // The proof that the kit talks to libvirt through SSH, not the local socket.
        afterImport() {
          if (!/Accepted publickey for /.test(sshd.log())) {
            throw new Error(`the provider did not log in to sshd: ${sshd.log()}`);
          }
        },
        release: () => sshd.stop().catch(() => {}),
      },
    );
  },
  timeouts: { bootMs: 120_000, stopMs: 60_000, ipMs: 120_000, operationMs: 120_000 },
});
