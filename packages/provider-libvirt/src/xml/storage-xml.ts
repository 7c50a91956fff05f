import { ImsError } from '@ims/spi';
import {
  attr,
  attribute,
  buildXml,
  child,
  childText,
  integerAtLeast,
  parseXmlRoot,
  scaledBytes,
  TEXT,
  unreadable,
  type XmlNode,
  xmlAttribute,
  xmlText,
} from './xml-common.js';

/** A directory storage pool to define. */
export interface PoolSpec {
  /** Pool name. */
  name: string;
  /** Directory on the libvirt host that holds the volumes. */
  path: string;
}

/** The XML of a `dir` storage pool. */
export function buildPoolXml(spec: PoolSpec): string {
  return buildXml({
    pool: {
      [attr('type')]: 'dir',
      name: xmlText('storage pool name', spec.name),
      target: { path: xmlText('storage pool path', spec.path) },
    },
  });
}

/** Image formats of volumes IMS creates. */
export type VolumeFormat = 'raw' | 'qcow2';

/** A storage volume to create. */
export interface VolumeSpec {
  /** Volume name inside the pool. */
  name: string;
  /** Virtual size in bytes. */
  capacityBytes: number;
  /** Image format. */
  format: VolumeFormat;
  /** Copy-on-write base: the new qcow2 volume records only its differences from this image. */
  backing?: { path: string; format: VolumeFormat };
  /**
   * Bytes to allocate up front. Left out, libvirt allocates the whole capacity (a raw file of
   * zeros as big as the disk); 0 makes a sparse file.
   */
  allocationBytes?: number;
}

/** The XML of a storage volume; with `backing` a qcow2 overlay, created in milliseconds whatever the base's size. */
export function buildVolumeXml(spec: VolumeSpec): string {
  const volume: XmlNode = {
    name: xmlText('volume name', spec.name),
    capacity: {
      [attr('unit')]: 'bytes',
      [TEXT]: String(integerAtLeast('volume capacity', spec.capacityBytes, 0)),
    },
    ...(spec.allocationBytes === undefined
      ? {}
      : {
          allocation: {
            [attr('unit')]: 'bytes',
            [TEXT]: String(integerAtLeast('volume allocation', spec.allocationBytes, 0)),
          },
        }),
    target: { format: { [attr('type')]: spec.format } },
  };
  if (spec.backing !== undefined) {
    if (spec.format !== 'qcow2') {
      throw new ImsError(
        'IMS_INVALID_ARGUMENT',
        `Volume ${spec.name} cannot have a backing image: it is ${spec.format}.`,
        {
          hint: 'Only qcow2 volumes can be copy-on-write overlays; create it as qcow2.',
          details: { volume: spec.name, format: spec.format },
        },
      );
    }
    volume.backingStore = {
      path: xmlText('backing image path', spec.backing.path),
      format: { [attr('type')]: xmlAttribute('backing image format', spec.backing.format) },
    };
  }
  return buildXml({ volume });
}

/** A storage volume as libvirt describes it (`virStorageVolGetXMLDesc`). */
export interface ParsedVolume {
  /** Volume name. */
  name: string;
  /** libvirt's key of the volume (for a `dir` pool, its path). */
  key?: string;
  /** Path on the libvirt host. */
  path?: string;
  /** Virtual size in bytes. */
  capacityBytes: number;
  /** Bytes the image occupies on disk. */
  allocationBytes?: number;
  /** Image format (`qcow2`, `raw`, `iso`, ...). */
  format?: string;
  /** The backing image of an overlay. */
  backing?: { path: string; format?: string };
}

/** Reads a storage volume's XML; malformed XML fails with `IMS_PROVIDER_ERROR`. */
export function parseVolumeXml(xml: string): ParsedVolume {
  const root = parseXmlRoot(xml, 'volume');
  const name = childText(root, 'name');
  if (name === undefined || name === '') throw unreadable('volume', 'it has no <name>');
  const volume: ParsedVolume = { name, capacityBytes: scaledBytes(child(root, 'capacity'), 'bytes') ?? 0 };
  const key = childText(root, 'key');
  if (key !== undefined) volume.key = key;
  const allocation = scaledBytes(child(root, 'allocation'), 'bytes');
  if (allocation !== undefined) volume.allocationBytes = allocation;
  const target = child(root, 'target');
  const path = childText(target, 'path');
  if (path !== undefined) volume.path = path;
  const format = attribute(child(target, 'format'), 'type');
  if (format !== undefined) volume.format = format;
  const backingStore = child(root, 'backingStore');
  const backingPath = childText(backingStore, 'path');
  if (backingPath !== undefined) {
    const backingFormat = attribute(child(backingStore, 'format'), 'type');
    volume.backing =
      backingFormat === undefined ? { path: backingPath } : { path: backingPath, format: backingFormat };
  }
  return volume;
}

/** A storage pool as libvirt describes it (`virStoragePoolGetXMLDesc`). */
export interface ParsedPool {
  /** Pool name. */
  name: string;
  /** Pool UUID, lower-case. */
  uuid?: string;
  /** Pool type (`dir`, `logical`, ...). */
  type: string;
  /** Target directory or device path. */
  path?: string;
  /** Total size in bytes (known while the pool is active). */
  capacityBytes?: number;
  /** Bytes in use. */
  allocationBytes?: number;
  /** Bytes free. */
  availableBytes?: number;
}

/** Reads a storage pool's XML; malformed XML fails with `IMS_PROVIDER_ERROR`. */
export function parsePoolXml(xml: string): ParsedPool {
  const root = parseXmlRoot(xml, 'pool');
  const name = childText(root, 'name');
  if (name === undefined || name === '') throw unreadable('pool', 'it has no <name>');
  const pool: ParsedPool = { name, type: attribute(root, 'type') ?? '' };
  const uuid = childText(root, 'uuid');
  if (uuid !== undefined) pool.uuid = uuid.trim().toLowerCase();
  const path = childText(child(root, 'target'), 'path');
  if (path !== undefined) pool.path = path;
  const sizes = [
    ['capacityBytes', 'capacity'],
    ['allocationBytes', 'allocation'],
    ['availableBytes', 'available'],
  ] as const;
  for (const [field, element] of sizes) {
    const bytes = scaledBytes(child(root, element), 'bytes');
    if (bytes !== undefined) pool[field] = bytes;
  }
  return pool;
}
