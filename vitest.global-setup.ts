// Makes `pnpm test` self-sufficient: starts libvirtd (scripts/libvirtd.sh) when none answers, and
// stops it again afterwards if it was started here. A daemon that was already running is left alone.
import { execFileSync, spawnSync } from 'node:child_process';

const script = new URL('./scripts/libvirtd.sh', import.meta.url).pathname;

export default function setup(): () => void {
  const running = spawnSync('virsh', ['-c', 'qemu:///system', 'version'], { stdio: 'ignore' }).status === 0;
  if (running) return () => {};
  const hasLibvirt =
    spawnSync('sh', ['-c', 'command -v libvirtd && command -v tini'], { stdio: 'ignore' }).status === 0;
  // Without libvirt installed the libvirt tests fail with a message naming what is missing.
  if (!hasLibvirt) return () => {};
  execFileSync('bash', [script, 'start'], { stdio: 'inherit' });
  return () => {
    execFileSync('bash', [script, 'stop'], { stdio: 'inherit' });
  };
}
