import { isImsError } from '@ims/spi';
import { describe, expect, it } from 'vitest';
import { allVmVolumes, consoleLogPath, TEMPLATE_VOLUME_PREFIX, templateVolumes, vmVolumes } from './names.js';

describe('volume and file names', () => {
  it('names template and VM volumes so that neither kind can take the other’s name', () => {
    expect(templateVolumes('deb')).toEqual({
      system: 'ims-tpl-deb-system',
      app: 'ims-tpl-deb-app',
      kernel: 'ims-tpl-deb-kernel',
      initrd: 'ims-tpl-deb-initrd',
    });
    // A VM named like a template volume still gets names with a suffix no template volume has.
    for (const volume of allVmVolumes('ims-tpl-deb')) {
      expect(Object.values(templateVolumes('deb'))).not.toContain(volume);
      expect(volume.startsWith(TEMPLATE_VOLUME_PREFIX) && /\.(qcow2|iso)$/.test(volume)).toBe(true);
    }
    expect(vmVolumes('web-1')).toEqual({
      system: 'web-1-system.qcow2',
      bootparams: 'web-1-bootparams.iso',
      app: 'web-1-app.qcow2',
    });
  });

  it('puts console logs in the directory with a suffix libvirt never uses for its own logs', () => {
    expect(consoleLogPath('/var/log/libvirt/qemu', 'web-1')).toBe('/var/log/libvirt/qemu/web-1.console');
  });

  it('refuses names that could leave the pool or the log directory', () => {
    for (const name of ['../x', 'a/b', '', '.hidden', 'a b']) {
      for (const make of [
        () => vmVolumes(name),
        () => templateVolumes(name),
        () => consoleLogPath('/l', name),
      ]) {
        try {
          make();
          expect.unreachable(`${JSON.stringify(name)} was accepted`);
        } catch (error) {
          expect(isImsError(error) && error.code).toBe('IMS_INVALID_NAME');
        }
      }
    }
  });
});
