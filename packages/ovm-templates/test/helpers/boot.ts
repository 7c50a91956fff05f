import { join } from 'node:path';
import type { BootParams } from '@ims/spi';
import { expect } from 'vitest';
import { requireTool, run } from './builder.js';
import type { Guest, GuestDisk } from './qemu.js';

/** A user parameter no shell may ever run: quotes, command substitution, backticks. */
export const HOSTILE_GREETING = `it's "quoted" $(touch /tmp/pwned) \`id\` done`;

/** Console lines saying the guest will never report ready. */
export const BOOT_FAILED =
  /IMS: .*(nothing to configure|stopped with exit status)|ims-initramfs: ERROR|Kernel panic/;

/** A boot hook echoing the hostile parameter and the application disk's content. */
export const ECHO_HOOK = [
  '#!/bin/sh',
  'printf "greeting=[%s]\\n" "$IMS_PARAM_GREETING"',
  'printf "app=[%s]\\n" "$(cat /opt/app/hello.txt)"',
  'if [ -e /tmp/pwned ]; then echo "PWNED"; fi',
  '',
].join('\n');

/** Boot parameters of a test VM on qemu's user-mode network. */
export function testBootParams(name: string, mac: string): BootParams {
  return {
    vmName: name,
    hostname: name,
    nics: [{ mac, address: { address: '10.0.2.15', prefix: 24 }, gateway: '10.0.2.2' }],
    dns: ['10.0.2.3'],
    sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGltcy10ZXN0LWtleS1ub3QtcmVhbC0wMDAwMDAw test@ims'],
    params: { greeting: HOSTILE_GREETING },
  };
}

/** The qemu tools the boot tests need, or an error naming the package. */
export function requireQemu(): void {
  requireTool('qemu-system-x86_64', 'qemu-system-x86');
  requireTool('qemu-img', 'qemu-utils');
}

/** A qcow2 overlay on a raw template image, so booting never writes to the template. */
export async function overlay(dir: string, image: string): Promise<GuestDisk> {
  const file = join(dir, `${image.split('/').at(-1)}.qcow2`);
  const result = await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', image, '-F', 'raw', file]);
  expect(result.code, result.stderr).toBe(0);
  return { file, format: 'qcow2' };
}

/** The agent's view of one interface (`guest-network-get-interfaces`). */
export interface AgentInterface {
  /** Interface name. */
  name: string;
  /** MAC address. */
  'hardware-address'?: string;
  /** Its addresses. */
  'ip-addresses'?: { 'ip-address': string; prefix: number; 'ip-address-type': string }[];
}

/**
 * What every template must show once booted with {@link testBootParams} and {@link ECHO_HOOK}: the
 * console lines of the boot scripts, the hostile parameter printed literally and never run, the
 * application disk, and the configured address as the guest agent reports it.
 */
export async function expectGuestConfigured(
  guest: Guest,
  vm: string,
  mac: string,
  agentTimeoutMs: number,
): Promise<void> {
  const output = guest.console();
  expect(output).toContain(`IMS: hostname ${vm}`);
  expect(output).toMatch(new RegExp(`IMS: configured \\S+ ${mac} 10\\.0\\.2\\.15/24`));
  expect(output).toContain(`greeting=[${HOSTILE_GREETING}]`);
  expect(output).toContain('app=[hello from the application disk]');
  expect(output).not.toContain('PWNED');
  const interfaces = (await guest.agent(
    { execute: 'guest-network-get-interfaces' },
    agentTimeoutMs,
  )) as AgentInterface[];
  const nic = interfaces.find((entry) => entry['hardware-address'] === mac);
  expect(nic?.['ip-addresses']).toEqual(
    expect.arrayContaining([expect.objectContaining({ 'ip-address': '10.0.2.15', prefix: 24 })]),
  );
}
