import { ImsError } from '@ims/spi';
import { isMulticastMac, normalizeMac } from './mac.js';
import {
  attr,
  attribute,
  attributes,
  buildXml,
  child,
  children,
  childText,
  integerAtLeast,
  isNode,
  parseXmlRoot,
  scaledBytes,
  TEXT,
  unreadable,
  type XmlNode,
  xmlAttribute,
  xmlText,
} from './xml-common.js';

/** The XML namespace of IMS's `<metadata>` element in a domain; its presence marks a VM IMS manages. */
export const IMS_METADATA_NAMESPACE = 'https://ims.dev/xmlns/libvirt/1';

/** The prefix IMS writes for {@link IMS_METADATA_NAMESPACE} (readers go by the namespace, not the prefix). */
const IMS_PREFIX = 'ims';

/** Local name of IMS's element inside `<metadata>`. */
const IMS_METADATA_ELEMENT = 'instance';

/** The virtio-serial channel name the QEMU guest agent listens on. */
export const GUEST_AGENT_CHANNEL = 'org.qemu.guest_agent.0';

/** Disk image formats IMS writes. */
export type DiskFormat = 'qcow2' | 'raw';

/** A storage volume by pool and volume name. */
export interface VolumeRef {
  /** Storage pool name. */
  pool: string;
  /** Volume name inside the pool. */
  name: string;
}

/** A disk volume with its image format. */
export interface FormattedVolumeRef extends VolumeRef {
  /** Image format of the volume. */
  format: DiskFormat;
}

/** What IMS records in a domain's `<metadata>`: which configuration owns it and its template. */
export interface ImsDomainMetadata {
  /** Always `ims`. */
  managedBy: 'ims';
  /** The IMS configuration the VM belongs to. */
  config: string;
  /** The template the VM was created from. */
  template: string;
}

/** The NIC of a domain. */
export interface DomainNicSpec {
  /** MAC address (any accepted spelling; written lower-case). */
  mac: string;
  /** Device model, e.g. `virtio`, `e1000`. */
  model: string;
  /** `user` for user-mode networking, otherwise the name of a libvirt network. */
  network: string;
}

/** Everything `buildDomainXml` needs to define an IMS VM. */
export interface DomainSpec {
  /** Domain name (validated by the caller). */
  name: string;
  /** Domain UUID; libvirt generates one when absent. */
  uuid?: string;
  /** `kvm` (hardware virtualization) or `qemu` (software emulation). */
  domainType: 'kvm' | 'qemu';
  /** Memory in MiB. */
  memoryMiB: number;
  /** Virtual CPUs. */
  vcpus: number;
  /** Kernel for direct boot; without it the domain boots from its root disk. */
  kernel?: string;
  /** Initial ramdisk for direct boot (needs `kernel`). */
  initrd?: string;
  /** Kernel command line for direct boot (needs `kernel`). */
  cmdline?: string;
  /** The system disk, `vda`. */
  rootVolume: FormattedVolumeRef;
  /** The boot-parameter image (raw ISO), attached read-only as `vdb`. */
  bootVolume?: VolumeRef;
  /** An application disk, `vdc`. */
  appVolume?: FormattedVolumeRef;
  /** The one NIC. */
  nic: DomainNicSpec;
  /** File on the libvirt host the serial console is appended to. */
  consoleLog?: string;
  /** Adds the QEMU guest agent channel; default true. */
  agentChannel?: boolean;
  /** IMS ownership, stored under {@link IMS_METADATA_NAMESPACE}. */
  metadata: { config: string; template: string };
}

/** Fixed disk targets, so the boot image can be found and replaced by its slot. */
export const DISK_TARGETS = { root: 'vda', boot: 'vdb', app: 'vdc' } as const;

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * The libvirt domain XML of an IMS VM: q35 machine, direct kernel boot, virtio disks from a storage
 * pool, one NIC, serial console on a pty (appending to `consoleLog`), guest agent channel, virtio
 * balloon with 2 s statistics, no graphics. For `kvm` the CPU is `host-passthrough` (fastest, and
 * IMS does not live-migrate); for `qemu` it is the portable `qemu64` model.
 */
export function buildDomainXml(spec: DomainSpec): string {
  const domain: XmlNode = {
    [attr('type')]: spec.domainType,
    name: xmlText('VM name', spec.name),
  };
  if (spec.uuid !== undefined) domain.uuid = checkedUuid(spec.uuid);
  domain.metadata = { [`${IMS_PREFIX}:${IMS_METADATA_ELEMENT}`]: metadataElement(spec.metadata) };
  domain.memory = {
    [attr('unit')]: 'MiB',
    [TEXT]: String(integerAtLeast('memory in MiB', spec.memoryMiB, 1)),
  };
  domain.vcpu = String(integerAtLeast('number of vCPUs', spec.vcpus, 1));
  domain.os = osElement(spec);
  domain.features = { acpi: '' };
  domain.cpu =
    spec.domainType === 'kvm'
      ? { [attr('mode')]: 'host-passthrough' }
      : {
          [attr('mode')]: 'custom',
          [attr('match')]: 'exact',
          model: { [attr('fallback')]: 'allow', [TEXT]: 'qemu64' },
        };
  domain.on_poweroff = 'destroy';
  domain.on_reboot = 'restart';
  domain.on_crash = 'destroy';
  domain.devices = devicesElement(spec);
  return buildXml({ domain });
}

function checkedUuid(uuid: string): string {
  if (UUID.test(uuid)) return uuid.toLowerCase();
  throw new ImsError('IMS_INVALID_ARGUMENT', `Invalid domain UUID ${JSON.stringify(uuid)}.`, {
    hint: 'Give a UUID like 4dea22b3-1d52-d8f3-2516-782e98ab3fa0, or none to let libvirt choose.',
  });
}

function metadataElement(metadata: DomainSpec['metadata']): XmlNode {
  return {
    [attr(`xmlns:${IMS_PREFIX}`)]: IMS_METADATA_NAMESPACE,
    [`${IMS_PREFIX}:managedBy`]: 'ims',
    [`${IMS_PREFIX}:config`]: xmlText('configuration name', metadata.config),
    [`${IMS_PREFIX}:template`]: xmlText('template name', metadata.template),
  };
}

function osElement(spec: DomainSpec): XmlNode {
  const os: XmlNode = { type: { [attr('arch')]: 'x86_64', [attr('machine')]: 'q35', [TEXT]: 'hvm' } };
  if (spec.kernel === undefined) {
    if (spec.initrd !== undefined || spec.cmdline !== undefined) {
      throw new ImsError(
        'IMS_INVALID_ARGUMENT',
        'An initrd or kernel command line was given without a kernel.',
        {
          hint: 'Give the kernel too, or leave out initrd and cmdline to boot from the root disk.',
        },
      );
    }
    os.boot = { [attr('dev')]: 'hd' };
    return os;
  }
  os.kernel = xmlText('kernel path', spec.kernel);
  if (spec.initrd !== undefined) os.initrd = xmlText('initrd path', spec.initrd);
  if (spec.cmdline !== undefined) os.cmdline = xmlText('kernel command line', spec.cmdline);
  return os;
}

function devicesElement(spec: DomainSpec): XmlNode {
  const disks = [volumeDisk(spec.rootVolume, spec.rootVolume.format, DISK_TARGETS.root, false)];
  if (spec.bootVolume !== undefined) disks.push(volumeDisk(spec.bootVolume, 'raw', DISK_TARGETS.boot, true));
  if (spec.appVolume !== undefined) {
    disks.push(volumeDisk(spec.appVolume, spec.appVolume.format, DISK_TARGETS.app, false));
  }
  const devices: XmlNode = { disk: disks, interface: interfaceElement(spec.nic) };
  const serial: XmlNode = { [attr('type')]: 'pty' };
  if (spec.consoleLog !== undefined) {
    serial.log = {
      [attr('file')]: xmlAttribute('console log path', spec.consoleLog),
      [attr('append')]: 'on',
    };
  }
  serial.target = { [attr('port')]: '0' };
  devices.serial = serial;
  devices.console = { [attr('type')]: 'pty', target: { [attr('type')]: 'serial', [attr('port')]: '0' } };
  if (spec.agentChannel !== false) {
    devices.channel = {
      [attr('type')]: 'unix',
      target: { [attr('type')]: 'virtio', [attr('name')]: GUEST_AGENT_CHANNEL },
    };
  }
  devices.memballoon = { [attr('model')]: 'virtio', stats: { [attr('period')]: '2' } };
  return devices;
}

function volumeDisk(volume: VolumeRef, format: DiskFormat, target: string, readonly: boolean): XmlNode {
  const disk: XmlNode = {
    [attr('type')]: 'volume',
    [attr('device')]: 'disk',
    driver: { [attr('name')]: 'qemu', [attr('type')]: format },
    source: {
      [attr('pool')]: xmlAttribute('storage pool name', volume.pool),
      [attr('volume')]: xmlAttribute('volume name', volume.name),
    },
    target: { [attr('dev')]: target, [attr('bus')]: 'virtio' },
  };
  if (readonly) disk.readonly = '';
  return disk;
}

function interfaceElement(nic: DomainNicSpec): XmlNode {
  const mac = normalizeMac(nic.mac);
  if (isMulticastMac(mac)) {
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      `MAC address ${mac} is a multicast address; a NIC needs a unicast one.`,
      {
        hint: 'Use an address whose first byte is even, e.g. 52:54:00:xx:xx:xx.',
        details: { mac },
      },
    );
  }
  const element: XmlNode =
    nic.network === 'user'
      ? { [attr('type')]: 'user' }
      : {
          [attr('type')]: 'network',
          source: { [attr('network')]: xmlAttribute('network name', nic.network) },
        };
  element.mac = { [attr('address')]: mac };
  element.model = { [attr('type')]: xmlAttribute('NIC model', nic.model) };
  return element;
}

/** A disk of a domain as read back. */
export interface ParsedDisk {
  /** Target device, e.g. `vda`. */
  target: string;
  /** `disk`, `cdrom`, ... */
  device: string;
  /** Source kind: `volume`, `file`, `block`, ... */
  type: string;
  /** Image format from `<driver type>`, if given. */
  format?: string;
  /** Pool of a `volume` disk. */
  pool?: string;
  /** Volume of a `volume` disk. */
  volume?: string;
  /** Path of a `file` disk. */
  file?: string;
  /** Whether the disk is read-only. */
  readonly: boolean;
}

/** A NIC of a domain as read back. */
export interface ParsedNic {
  /** MAC address, lower-case. */
  mac: string;
  /** Interface type: `user`, `network`, `bridge`, ... */
  type: string;
  /** The libvirt network of a `network` interface. */
  network?: string;
  /** Device model, if given. */
  model?: string;
}

/** A domain's XML as read back from libvirt. */
export interface ParsedDomain {
  /** Domain name. */
  name: string;
  /** Domain UUID, lower-case. */
  uuid?: string;
  /** Runtime id, present while the domain runs. */
  id?: number;
  /** Domain type (`kvm`, `qemu`, ...). */
  domainType: string;
  /** Maximum memory in MiB (rounded down). */
  memoryMiB: number;
  /** Virtual CPUs the domain has (`current` when set, else the maximum). */
  vcpus: number;
  /** Direct-boot kernel, initrd and command line, where present. */
  os: { kernel?: string; initrd?: string; cmdline?: string };
  /** MAC addresses of the NICs, in order, lower-case. */
  macs: string[];
  /** The NICs, in order. */
  nics: ParsedNic[];
  /** The disks, in order. */
  disks: ParsedDisk[];
  /** The log file of the first serial port, if any. */
  consoleLog?: string;
  /** IMS's metadata, or undefined when IMS does not manage the domain. */
  metadata?: ImsDomainMetadata;
}

const MIB = 1024 * 1024;

/**
 * Reads domain XML as libvirt returns it (`virDomainGetXMLDesc`), ignoring everything IMS does not
 * need; malformed XML fails with `IMS_PROVIDER_ERROR`.
 */
export function parseDomainXml(xml: string): ParsedDomain {
  const root = parseXmlRoot(xml, 'domain');
  const name = childText(root, 'name');
  if (name === undefined || name === '') throw unreadable('domain', 'it has no <name>');
  const memoryBytes = scaledBytes(child(root, 'memory'), 'KiB');
  if (memoryBytes === undefined) throw unreadable('domain', `domain ${name} has no readable <memory>`);
  const vcpuElement = child(root, 'vcpu');
  const vcpus = Number((attribute(vcpuElement, 'current') ?? childText(root, 'vcpu') ?? '1').trim());
  const devices = child(root, 'devices');
  const nics = children(devices, 'interface').filter(isNode).flatMap(readNic);
  const parsed: ParsedDomain = {
    name,
    domainType: attribute(root, 'type') ?? '',
    memoryMiB: Math.floor(memoryBytes / MIB),
    vcpus: Number.isSafeInteger(vcpus) ? vcpus : 1,
    os: readOs(child(root, 'os')),
    macs: nics.map((nic) => nic.mac),
    nics,
    disks: children(devices, 'disk').filter(isNode).flatMap(readDisk),
  };
  const uuid = childText(root, 'uuid');
  if (uuid !== undefined) parsed.uuid = uuid.trim().toLowerCase();
  const id = attribute(root, 'id');
  if (id !== undefined && /^\d+$/.test(id)) parsed.id = Number(id);
  const serial = children(devices, 'serial').find(isNode);
  const consoleLog = attribute(child(serial, 'log'), 'file');
  if (consoleLog !== undefined) parsed.consoleLog = consoleLog;
  const metadata = readImsMetadata(child(root, 'metadata'));
  if (metadata !== undefined) parsed.metadata = metadata;
  return parsed;
}

function readOs(os: XmlNode | undefined): ParsedDomain['os'] {
  const result: ParsedDomain['os'] = {};
  const kernel = childText(os, 'kernel');
  const initrd = childText(os, 'initrd');
  const cmdline = childText(os, 'cmdline');
  if (kernel !== undefined) result.kernel = kernel;
  if (initrd !== undefined) result.initrd = initrd;
  if (cmdline !== undefined) result.cmdline = cmdline;
  return result;
}

function readNic(element: XmlNode): ParsedNic[] {
  const address = attribute(child(element, 'mac'), 'address');
  if (address === undefined) return [];
  const nic: ParsedNic = { mac: canonicalMacOrAsIs(address), type: attribute(element, 'type') ?? '' };
  const network = attribute(child(element, 'source'), 'network');
  if (nic.type === 'network' && network !== undefined) nic.network = network;
  const model = attribute(child(element, 'model'), 'type');
  if (model !== undefined) nic.model = model;
  return [nic];
}

function canonicalMacOrAsIs(address: string): string {
  try {
    return normalizeMac(address);
  } catch {
    return address.toLowerCase();
  }
}

function readDisk(element: XmlNode): ParsedDisk[] {
  const target = attribute(child(element, 'target'), 'dev');
  if (target === undefined) return [];
  const disk: ParsedDisk = {
    target,
    device: attribute(element, 'device') ?? 'disk',
    type: attribute(element, 'type') ?? 'file',
    readonly: child(element, 'readonly') !== undefined,
  };
  const format = attribute(child(element, 'driver'), 'type');
  if (format !== undefined) disk.format = format;
  const source = child(element, 'source');
  const pool = attribute(source, 'pool');
  const volume = attribute(source, 'volume');
  const file = attribute(source, 'file');
  if (pool !== undefined) disk.pool = pool;
  if (volume !== undefined) disk.volume = volume;
  if (file !== undefined) disk.file = file;
  return [disk];
}

/**
 * Finds IMS's element among `<metadata>`'s children by its namespace (whatever prefix libvirt or
 * someone else gave it) and reads it; undefined when absent or incomplete.
 */
function readImsMetadata(metadata: XmlNode | undefined): ImsDomainMetadata | undefined {
  if (metadata === undefined) return undefined;
  for (const [key, value] of Object.entries(metadata)) {
    const [prefix, local] = key.includes(':') ? key.split(':', 2) : [undefined, key];
    if (local !== IMS_METADATA_ELEMENT) continue;
    for (const element of Array.isArray(value) ? value : [value]) {
      if (!isNode(element)) continue;
      const declared = attributes(element)[prefix === undefined ? 'xmlns' : `xmlns:${prefix}`];
      if (declared !== IMS_METADATA_NAMESPACE) continue;
      const field = (name: string) => childText(element, prefix === undefined ? name : `${prefix}:${name}`);
      const config = field('config');
      const template = field('template');
      const managedBy = field('managedBy');
      if (config === undefined || template === undefined || (managedBy ?? 'ims') !== 'ims') return undefined;
      return { managedBy: 'ims', config, template };
    }
  }
  return undefined;
}
