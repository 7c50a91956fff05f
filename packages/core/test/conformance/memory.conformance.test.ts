import { runConformanceSuite } from '@ims/spi/conformance';
import { memoryFixture } from './memory-fixture.js';

for (const persist of [false, true]) {
  runConformanceSuite({
    name: `memory provider (persist: ${persist})`,
    setup: () => memoryFixture({ config: { persist } }),
    timeouts: { bootMs: 5_000, stopMs: 5_000, ipMs: 5_000, operationMs: 5_000 },
  });
}
