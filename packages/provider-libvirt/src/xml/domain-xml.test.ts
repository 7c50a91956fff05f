import { readFileSync } from 'node:fs';
import { isImsError } from '@ims/spi';
import { describe, expect, it } from 'vitest';
import { buildDomainXml, type DomainSpec, IMS_METADATA_NAMESPACE, parseDomainXml } from './domain-xml.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

const base: DomainSpec = {
  name: 'vm1',
  domainType: 'qemu',
  memoryMiB: 160,
  vcpus: 1,
  kernel: '/var/lib/ims/pool/tiny-vmlinuz',
  initrd: '/var/lib/ims/pool/tiny-initrd.gz',
  cmdline: 'console=ttyS0 panic=-1 quiet',
  rootVolume: { pool: 'ims', name: 'vm1-root.qcow2', format: 'qcow2' },
  nic: { mac: '52:54:00:00:00:01', model: 'virtio', network: 'user' },
  metadata: { config: 'lab', template: 'tiny' },
};

function errorOf(action: () => unknown): { code: string; message: string; hint?: string | undefined } {
  try {
    action();
  } catch (error) {
    if (isImsError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to throw an ImsError');
}

describe('buildDomainXml', () => {
  it('writes the working recipe for a qemu domain', () => {
    const xml = buildDomainXml({
      ...base,
      bootVolume: { pool: 'ims', name: 'vm1-bootparams.iso' },
      consoleLog: '/var/log/ims/vm1.log',
    });
    expect(xml).toContain('<domain type="qemu">');
    expect(xml).toContain('<type arch="x86_64" machine="q35">hvm</type>');
    expect(xml).toContain('<cpu mode="custom" match="exact">');
    expect(xml).toContain('<model fallback="allow">qemu64</model>');
    expect(xml).toContain('<acpi/>');
    expect(xml).toContain('<on_poweroff>destroy</on_poweroff>');
    expect(xml).toContain('<on_reboot>restart</on_reboot>');
    expect(xml).toContain('<on_crash>destroy</on_crash>');
    expect(xml).toContain('<memory unit="MiB">160</memory>');
    expect(xml).toContain('<serial type="pty">');
    expect(xml).toContain('<log file="/var/log/ims/vm1.log" append="on"/>');
    expect(xml).toContain('<target type="virtio" name="org.qemu.guest_agent.0"/>');
    expect(xml).toMatch(/<memballoon model="virtio">\s*<stats period="2"\/>/);
    expect(xml).not.toContain('<graphics');
    expect(xml).not.toContain('type="file"');
    expect(xml).toContain(`<ims:instance xmlns:ims="${IMS_METADATA_NAMESPACE}">`);
  });

  it('uses host-passthrough for kvm', () => {
    const xml = buildDomainXml({ ...base, domainType: 'kvm' });
    expect(xml).toContain('<domain type="kvm">');
    expect(xml).toContain('<cpu mode="host-passthrough"/>');
    expect(xml).not.toContain('qemu64');
  });

  it('attaches a libvirt network by name, and user networking otherwise', () => {
    const network = buildDomainXml({ ...base, nic: { ...base.nic, network: 'lab-net', model: 'e1000' } });
    expect(network).toMatch(/<interface type="network">\s*<source network="lab-net"\/>/);
    expect(network).toContain('<model type="e1000"/>');
    const user = buildDomainXml(base);
    expect(user).toContain('<interface type="user">');
    expect(user).not.toContain('<source network');
  });

  it('boots from the root disk when there is no kernel', () => {
    const { kernel: _k, initrd: _i, cmdline: _c, ...diskBoot } = base;
    const xml = buildDomainXml(diskBoot);
    expect(xml).toContain('<boot dev="hd"/>');
    expect(xml).not.toContain('<kernel>');
  });

  it('leaves out the agent channel only when asked', () => {
    expect(buildDomainXml({ ...base, agentChannel: false })).not.toContain('<channel');
    expect(buildDomainXml({ ...base, agentChannel: true })).toContain('<channel type="unix">');
  });

  it('writes the MAC lower-case and the UUID when given', () => {
    const xml = buildDomainXml({
      ...base,
      nic: { ...base.nic, mac: '52-54-00-AB-CD-EF' },
      uuid: '4DEA22B3-1D52-D8F3-2516-782E98AB3FA0',
    });
    expect(xml).toContain('<mac address="52:54:00:ab:cd:ef"/>');
    expect(xml).toContain('<uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>');
  });

  it('escapes hostile text and attribute values instead of splicing them in', () => {
    const hostile = `a"b'c<d>&e ]]> </cmdline><kernel>/evil</kernel>`;
    const xml = buildDomainXml({
      ...base,
      cmdline: hostile,
      kernel: `/k/${hostile}`,
      consoleLog: `/log/${hostile}`,
    });
    expect(xml).not.toContain('</cmdline><kernel>');
    expect(xml).not.toContain(']]>');
    expect(xml).toContain('a&quot;b&apos;c&lt;d&gt;&amp;e ]]&gt; &lt;/cmdline&gt;');
    expect(xml.match(/<kernel>/g)).toHaveLength(1);
  });

  it('rejects values XML cannot carry, bad numbers, bad MACs and a bad UUID', () => {
    const cases: Array<[Partial<DomainSpec>, RegExp]> = [
      [{ cmdline: 'a\u0000b' }, /kernel command line contains a control character/],
      [{ cmdline: 'a\rb' }, /kernel command line/],
      [{ consoleLog: '/log/a\nb' }, /console log path contains a control character or line break/],
      [{ rootVolume: { pool: 'ims', name: '', format: 'raw' } }, /volume name contains an empty value/],
      [{ memoryMiB: 0 }, /memory in MiB must be a whole number of at least 1/],
      [{ vcpus: 1.5 }, /number of vCPUs/],
      [{ nic: { ...base.nic, mac: '52:54:00:00:00' } }, /Invalid MAC address/],
      [{ nic: { ...base.nic, mac: '01:00:5e:00:00:01' } }, /multicast/],
      [{ uuid: 'not-a-uuid' }, /Invalid domain UUID/],
    ];
    for (const [change, message] of cases) {
      const error = errorOf(() => buildDomainXml({ ...base, ...change }));
      expect(error.code).toBe('IMS_INVALID_ARGUMENT');
      expect(error.message).toMatch(message);
      expect(error.hint).toBeTruthy();
    }
    const { kernel: _k, ...noKernel } = base;
    expect(errorOf(() => buildDomainXml(noKernel)).message).toMatch(/without a kernel/);
  });
});

describe('parseDomainXml of what buildDomainXml wrote', () => {
  it('reads back every field', () => {
    const spec: DomainSpec = {
      ...base,
      uuid: '4dea22b3-1d52-d8f3-2516-782e98ab3fa0',
      memoryMiB: 2048,
      vcpus: 3,
      bootVolume: { pool: 'ims', name: 'vm1-bootparams.iso' },
      appVolume: { pool: 'data', name: 'vm1-app.img', format: 'raw' },
      nic: { mac: '52:54:00:12:34:56', model: 'e1000', network: 'lab-net' },
      consoleLog: '/var/log/ims/vm1.log',
    };
    expect(parseDomainXml(buildDomainXml(spec))).toEqual({
      name: 'vm1',
      uuid: '4dea22b3-1d52-d8f3-2516-782e98ab3fa0',
      domainType: 'qemu',
      memoryMiB: 2048,
      vcpus: 3,
      os: { kernel: spec.kernel, initrd: spec.initrd, cmdline: spec.cmdline },
      macs: ['52:54:00:12:34:56'],
      nics: [{ mac: '52:54:00:12:34:56', type: 'network', network: 'lab-net', model: 'e1000' }],
      disks: [
        {
          target: 'vda',
          device: 'disk',
          type: 'volume',
          format: 'qcow2',
          pool: 'ims',
          volume: 'vm1-root.qcow2',
          readonly: false,
        },
        {
          target: 'vdb',
          device: 'disk',
          type: 'volume',
          format: 'raw',
          pool: 'ims',
          volume: 'vm1-bootparams.iso',
          readonly: true,
        },
        {
          target: 'vdc',
          device: 'disk',
          type: 'volume',
          format: 'raw',
          pool: 'data',
          volume: 'vm1-app.img',
          readonly: false,
        },
      ],
      consoleLog: '/var/log/ims/vm1.log',
      metadata: { managedBy: 'ims', config: 'lab', template: 'tiny' },
    });
  });

  it('brings hostile values back exactly, spaces, tabs, newlines and non-ASCII included', () => {
    const hostile = `  a"b'c<d>&e ]]> f\tg\nh é 😀 &amp; &#10; `;
    const path = `/var/log/ims/x"y'z<&>]]> é.log`;
    const parsed = parseDomainXml(
      buildDomainXml({ ...base, cmdline: hostile, kernel: path, initrd: path, consoleLog: path }),
    );
    expect(parsed.os).toEqual({ kernel: path, initrd: path, cmdline: hostile });
    expect(parsed.consoleLog).toBe(path);
  });

  it('reads the metadata of any configuration and template name', () => {
    const parsed = parseDomainXml(
      buildDomainXml({ ...base, metadata: { config: 'a&b<c>', template: "t'1" } }),
    );
    expect(parsed.metadata).toEqual({ managedBy: 'ims', config: 'a&b<c>', template: "t'1" });
  });
});

describe('parseDomainXml of what libvirt returns', () => {
  it('reads a running IMS domain full of libvirt additions', () => {
    const parsed = parseDomainXml(fixture('domain-ims-running.xml'));
    expect(parsed.name).toBe('web-01');
    expect(parsed.uuid).toBe('9a3b1c2d-4e5f-4a6b-8c7d-0e1f2a3b4c5d');
    expect(parsed.id).toBe(7);
    expect(parsed.domainType).toBe('qemu');
    expect(parsed.memoryMiB).toBe(512);
    expect(parsed.vcpus).toBe(2);
    expect(parsed.os).toEqual({
      kernel: '/var/lib/ims/pool/debian-12-vmlinuz',
      initrd: '/var/lib/ims/pool/debian-12-initrd.gz',
      cmdline: `console=ttyS0 panic=-1 quiet ims.note="a <b> & c's"`,
    });
    expect(parsed.macs).toEqual(['52:54:00:ab:cd:01', '52:54:00:ab:cd:02']);
    expect(parsed.nics).toEqual([
      { mac: '52:54:00:ab:cd:01', type: 'user', model: 'virtio' },
      { mac: '52:54:00:ab:cd:02', type: 'network', network: 'lab-net', model: 'e1000' },
    ]);
    expect(parsed.disks).toEqual([
      {
        target: 'vda',
        device: 'disk',
        type: 'volume',
        format: 'qcow2',
        pool: 'ims',
        volume: 'web-01-root.qcow2',
        readonly: false,
      },
      {
        target: 'vdb',
        device: 'disk',
        type: 'volume',
        format: 'raw',
        pool: 'ims',
        volume: 'web-01-bootparams.iso',
        readonly: true,
      },
      {
        target: 'vdc',
        device: 'disk',
        type: 'file',
        format: 'raw',
        file: '/var/lib/ims/pool/web-01-app.img',
        readonly: false,
      },
    ]);
    expect(parsed.consoleLog).toBe("/var/log/ims/web-01 & it's <console>.log");
    expect(parsed.metadata).toEqual({ managedBy: 'ims', config: 'lab', template: 'debian-12' });
  });

  it('reads a domain IMS does not manage, ignoring a look-alike element in another namespace', () => {
    const parsed = parseDomainXml(fixture('domain-unmanaged.xml'));
    expect(parsed.metadata).toBeUndefined();
    expect(parsed.name).toBe('legacy-db');
    expect(parsed.uuid).toBe('1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9');
    expect(parsed.id).toBeUndefined();
    expect(parsed.domainType).toBe('kvm');
    expect(parsed.memoryMiB).toBe(2048);
    expect(parsed.vcpus).toBe(2);
    expect(parsed.os).toEqual({});
    expect(parsed.macs).toEqual(['00:16:3e:5a:6b:7c']);
    expect(parsed.nics).toEqual([{ mac: '00:16:3e:5a:6b:7c', type: 'bridge', model: 'rtl8139' }]);
    expect(parsed.disks).toEqual([
      {
        target: 'sda',
        device: 'disk',
        type: 'file',
        format: 'qcow2',
        file: '/var/lib/libvirt/images/legacy-db.qcow2',
        readonly: false,
      },
      { target: 'sdb', device: 'cdrom', type: 'file', format: 'raw', readonly: true },
    ]);
    expect(parsed.consoleLog).toBeUndefined();
  });

  it('finds IMS metadata by namespace whatever the prefix, or as the default namespace', () => {
    const prefixed = `<domain type='kvm'><name>a</name><memory>1024</memory><metadata>
      <other:instance xmlns:other='${IMS_METADATA_NAMESPACE}'><other:managedBy>ims</other:managedBy>
      <other:config>c</other:config><other:template>t</other:template></other:instance></metadata></domain>`;
    expect(parseDomainXml(prefixed).metadata).toEqual({ managedBy: 'ims', config: 'c', template: 't' });
    const unprefixed = `<domain type='kvm'><name>a</name><memory>1024</memory><metadata>
      <instance xmlns="${IMS_METADATA_NAMESPACE}"><config>c</config><template>t</template></instance>
      </metadata></domain>`;
    expect(parseDomainXml(unprefixed).metadata).toEqual({ managedBy: 'ims', config: 'c', template: 't' });
    expect(parseDomainXml(unprefixed).memoryMiB).toBe(1);
  });

  it('treats incomplete or foreign-owned IMS metadata as unmanaged', () => {
    const withInstance = (inner: string) =>
      `<domain type='kvm'><name>a</name><memory>1024</memory><metadata><ims:instance xmlns:ims='${IMS_METADATA_NAMESPACE}'>${inner}</ims:instance></metadata></domain>`;
    expect(parseDomainXml(withInstance('<ims:config>c</ims:config>')).metadata).toBeUndefined();
    expect(
      parseDomainXml(
        withInstance(
          '<ims:managedBy>other</ims:managedBy><ims:config>c</ims:config><ims:template>t</ims:template>',
        ),
      ).metadata,
    ).toBeUndefined();
  });

  it('fails with IMS_PROVIDER_ERROR on XML it cannot read', () => {
    for (const bad of [
      '<domain><name>a</name>',
      '<pool type="dir"><name>a</name></pool>',
      '<domain type="kvm"><memory>1</memory></domain>',
      '<domain type="kvm"><name>a</name></domain>',
      'not xml',
    ]) {
      const error = errorOf(() => parseDomainXml(bad));
      expect(error.code).toBe('IMS_PROVIDER_ERROR');
      expect(error.message).toMatch(/^libvirt returned <domain> XML that IMS cannot read: /);
    }
  });

  it('does not expand entities a DOCTYPE declares', () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE domain [<!ENTITY boom "BOOM">]>
      <domain type='kvm'><name>a&boom;</name><memory>1024</memory></domain>`;
    expect(parseDomainXml(xml).name).toBe('a&boom;');
  });
});
