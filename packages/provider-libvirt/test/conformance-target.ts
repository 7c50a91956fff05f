/**
 * What the conformance kit runs on, for each libvirt transport: a provider fixture (own pool) with
 * the busybox template imported into it, and a teardown that fails when domains were left behind.
 */
import type { ConformanceFixture } from '@ims/spi/conformance';
import plugin from '../src/index.js';
import { busyboxTemplate } from './busybox-template.js';
import type { ProviderFixture } from './provider-fixture.js';

/** Extra steps around the fixture: a check once the template is in, a release after teardown. */
export interface TargetHooks {
  /** Runs after the import; throwing fails the setup. */
  afterImport?: () => void;
  /** Releases what the caller set up for the fixture (a server); runs last, also on failure. */
  release?: () => Promise<void>;
}

/** Makes the fixture with `makeFixture`, imports the busybox template and hands both to the kit. */
export async function conformanceTarget(
  makeFixture: () => Promise<ProviderFixture>,
  hooks: TargetHooks = {},
): Promise<ConformanceFixture> {
  const template = await busyboxTemplate();
  let fixture: ProviderFixture;
  try {
    fixture = await makeFixture();
  } catch (error) {
    await hooks.release?.();
    throw error;
  }
  const release = async () => {
    try {
      await fixture.teardown();
    } finally {
      await hooks.release?.();
    }
  };
  const name = `${fixture.poolName}-tpl`.slice(0, 63);
  try {
    await fixture.provider.importTemplate({
      name,
      directory: template.directory,
      metadata: template.metadata,
    });
    hooks.afterImport?.();
  } catch (error) {
    await release();
    throw error;
  }
  return {
    plugin,
    provider: fixture.provider,
    template: name,
    templateDir: template.directory,
    async teardown() {
      const leftovers = await fixture.domains();
      await release();
      if (leftovers.length > 0) throw new Error(`domains left behind in the pool: ${leftovers.join(', ')}`);
    },
  };
}
