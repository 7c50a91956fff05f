import { isImsError } from '@ims/spi';
import { describe, expect, it } from 'vitest';
import { parseLibvirtUri, SYSTEM_SOCKET, VIRTQEMUD_SOCKET } from './uri.js';

describe('parseLibvirtUri', () => {
  it('reads qemu:///system as the local system daemon', () => {
    expect(parseLibvirtUri('qemu:///system')).toEqual({
      uri: 'qemu:///system',
      driver: 'qemu',
      transport: 'unix',
      socketPath: SYSTEM_SOCKET,
      openName: 'qemu:///system',
    });
  });

  it('reads qemu+unix with a socket parameter and keeps it out of the opened name', () => {
    expect(parseLibvirtUri('qemu+unix:///system?socket=/tmp/x/libvirt-sock')).toMatchObject({
      transport: 'unix',
      socketPath: '/tmp/x/libvirt-sock',
      openName: 'qemu:///system',
    });
  });

  it('reads qemu+ssh with user, host, port and socket', () => {
    expect(
      parseLibvirtUri('qemu+ssh://admin@kvm1.example.org:2222/system?socket=/var/run/libvirt/libvirt-sock'),
    ).toEqual({
      uri: 'qemu+ssh://admin@kvm1.example.org:2222/system?socket=/var/run/libvirt/libvirt-sock',
      driver: 'qemu',
      transport: 'ssh',
      user: 'admin',
      host: 'kvm1.example.org',
      port: 2222,
      socketPath: '/var/run/libvirt/libvirt-sock',
      openName: 'qemu:///system',
    });
  });

  it('defaults the SSH port and user, and unwraps IPv6 hosts', () => {
    const parsed = parseLibvirtUri('qemu+ssh://[::1]/system');
    expect(parsed).toMatchObject({
      host: '::1',
      port: 22,
      socketPath: SYSTEM_SOCKET,
      openName: 'qemu:///system',
    });
    expect(parsed.user).toBeUndefined();
    expect(parseLibvirtUri('qemu+ssh://us%40er@h/system').user).toBe('us@er');
  });

  it('reads the test driver with its default and with a fixture file', () => {
    expect(parseLibvirtUri('test:///default')).toMatchObject({
      driver: 'test',
      transport: 'unix',
      socketPath: SYSTEM_SOCKET,
      openName: 'test:///default',
    });
    expect(parseLibvirtUri('test:///tmp/ims%20fixture/node.xml').openName).toBe(
      'test:///tmp/ims%20fixture/node.xml',
    );
  });

  it('keeps driver parameters, drops client-only ones, and honours name=', () => {
    expect(parseLibvirtUri('qemu+ssh://h/system?keyfile=/k&no_verify=1&foo=bar').openName).toBe(
      'qemu:///system?foo=bar',
    );
    expect(parseLibvirtUri('qemu+ssh://h/system?name=qemu:///embed').openName).toBe('qemu:///embed');
  });

  it('picks virtqemud for mode=direct and a session socket for /session', () => {
    expect(parseLibvirtUri('qemu:///system?mode=direct').socketPath).toBe(VIRTQEMUD_SOCKET);
    expect(parseLibvirtUri('qemu:///system?mode=legacy').socketPath).toBe(SYSTEM_SOCKET);
    expect(parseLibvirtUri('qemu:///session').socketPath).toMatch(/\/libvirt\/libvirt-sock$/);
  });

  it.each([
    ['xen:///system', /scheme/],
    ['qemu://host/system', /TLS/],
    ['qemu+tls://host/system', /scheme/],
    ['qemu+ssh:///system', /needs a host/],
    ['qemu:///', /must be \/system or \/session/],
    ['qemu:///other', /must be \/system or \/session/],
    ['test://', /test driver needs/],
    ['qemu:///system?socket=relative', /absolute path/],
    ['qemu:///system?mode=weird', /mode=/],
    ['qemu+ssh://u:secret@h/system', /passwords/],
    ['qemu+ssh://h/session', /session socket/],
  ])('refuses %s', (uri, why) => {
    let caught: unknown;
    try {
      parseLibvirtUri(uri);
    } catch (error) {
      caught = error;
    }
    expect(isImsError(caught) && caught.code).toBe('IMS_INVALID_ARGUMENT');
    expect((caught as Error).message).toMatch(why);
    expect((caught as Error).message).not.toContain('secret');
  });
});
