/**
 * The conformance kit over a real SSH server on 127.0.0.1: VBoxManage (the simulator's wrapper)
 * runs through the SSH session and the template's raw disks are uploaded over SFTP.
 */
import { runConformanceSuite } from '@ims/spi/conformance';
import { startSshd } from '../../core/test/ssh/sshd.js';
import { busyboxTemplate } from '../../provider-libvirt/test/busybox-template.js';
import plugin from '../src/index.js';
import { createSimFixture } from './sim-fixture.js';
import { sshProvider } from './sim-ssh.js';

runConformanceSuite({
  name: 'virtualbox (VBoxManage simulator 7.1 over SSH to 127.0.0.1)',
  vmPrefix: 'vbssh',
  async setup() {
    const template = await busyboxTemplate();
    const sshd = await startSshd();
    const fixture = await createSimFixture({ version: '7.1', prefix: 'sshconf' }).catch(async (error) => {
      await sshd.stop();
      throw error;
    });
    const provider = await sshProvider(fixture, sshd);
    const teardown = async () => {
      await provider.close().catch(() => {});
      await fixture.teardown();
      await sshd.stop();
    };
    try {
      await provider.importTemplate({
        name: 'busybox',
        directory: template.directory,
        metadata: template.metadata,
      });
    } catch (error) {
      await teardown();
      throw error;
    }
    return { plugin, provider, template: 'busybox', templateDir: template.directory, teardown };
  },
  timeouts: { bootMs: 10_000, stopMs: 10_000, ipMs: 10_000, operationMs: 30_000 },
});
