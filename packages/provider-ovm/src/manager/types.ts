/**
 * The OVM 2.2 types the provider reads, decoded from the Manager's elements. Each keeps the
 * element it came from, so it can be passed back to the Manager exactly as received.
 */
import { ImsError } from '@ims/spi';
import { childNamed, childText, type XmlNode } from '../soap/xml-reader.js';

/** A server pool. */
export interface ServerPool {
  /** `serverPoolId`. */
  id: string;
  /** `serverPoolName`. */
  name: string;
  /** The element as received. */
  raw: XmlNode;
}

/** A server (the pool master is one). */
export interface VirtualServer {
  /** `serverId`. */
  id: string;
  /** `serverName`. */
  name: string;
  /** `ip`: the address of its dom0. */
  ip: string;
  /** The element as received. */
  raw: XmlNode;
}

/** A VM or a template, as `VirtualMachine`. */
export interface OvmVirtualMachine {
  /** `imgName`. */
  name: string;
  /** `imgId` (a Java long, kept as decimal text). */
  imgId: string;
  /** `location`: the directory name in running_pool, and the Xen domain name. */
  location: string;
  /** `status.status`, as the Manager wrote it. */
  status: string;
  /** `status.code`, when present. */
  statusCode: number | undefined;
  /** `imgIp`: the address the guest reported; empty when none. */
  ip: string;
  /** `memory` in MiB. */
  memoryMiB: number;
  /** `cpuNumber`. */
  cpus: number;
  /** The element as received. */
  raw: XmlNode;
}

function required(node: XmlNode, field: string, type: string): string {
  const value = childText(node, field);
  if (value === undefined || value.trim() === '') {
    throw new ImsError('IMS_PROVIDER_ERROR', `The OVM Manager sent a ${type} without ${field}.`, {
      hint: 'Check that managerUrl points at an Oracle VM Manager 2.2.',
      details: { type, field },
    });
  }
  return value.trim();
}

function integer(node: XmlNode, field: string): number {
  const value = Number.parseInt(childText(node, field)?.trim() ?? '', 10);
  return Number.isSafeInteger(value) ? value : 0;
}

/** Decodes a `ServerPool`. */
export function decodeServerPool(node: XmlNode): ServerPool {
  return {
    id: required(node, 'serverPoolId', 'ServerPool'),
    name: required(node, 'serverPoolName', 'ServerPool'),
    raw: node,
  };
}

/** Decodes a `VirtualServer` or `MasterVirtualServer`. */
export function decodeVirtualServer(node: XmlNode): VirtualServer {
  return {
    id: required(node, 'serverId', 'VirtualServer'),
    name: childText(node, 'serverName')?.trim() ?? '',
    ip: childText(node, 'ip')?.trim() ?? '',
    raw: node,
  };
}

/** Decodes a `VirtualMachine`. */
export function decodeVirtualMachine(node: XmlNode): OvmVirtualMachine {
  const status = childNamed(node, 'status');
  const code = status === undefined ? Number.NaN : Number.parseInt(childText(status, 'code') ?? '', 10);
  return {
    name: required(node, 'imgName', 'VirtualMachine'),
    imgId: required(node, 'imgId', 'VirtualMachine'),
    location: childText(node, 'location')?.trim() ?? '',
    status: (status === undefined ? '' : childText(status, 'status'))?.trim() ?? '',
    statusCode: Number.isInteger(code) ? code : undefined,
    ip: childText(node, 'imgIp')?.trim() ?? '',
    memoryMiB: integer(node, 'memory'),
    cpus: integer(node, 'cpuNumber'),
    raw: node,
  };
}
