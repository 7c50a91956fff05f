// A node file for libvirt's test driver holding many domains: a fake host whose inventory every
// new connection loads, so listing it measures the client and the daemon, not a hypervisor.
import { writeFileSync } from 'node:fs';

/** Writes a test-driver node file with `count` domains (every fourth running, the rest shut off). */
export function writeTestDriverFixture(file, count) {
  const domains = Array.from({ length: count }, (_, i) => {
    const n = String(i).padStart(4, '0');
    const runState = i % 4 === 0 ? 1 : 5;
    return (
      `<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>` +
      `<name>bench-${n}</name><uuid>00000000-0000-4000-8000-00000000${n}</uuid>` +
      `<memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os>` +
      `<test:runstate>${runState}</test:runstate></domain>`
    );
  });
  writeFileSync(file, `<node>\n${domains.join('\n')}\n</node>\n`);
}
