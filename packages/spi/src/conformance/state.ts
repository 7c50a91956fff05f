import type { BootParams } from '../bootparams.js';
import type { Capabilities } from '../provider.js';
import type { ConformanceFixture, ConformanceSettings } from './options.js';

/** The names one run of the kit uses; all start with `runPrefix`, so cleanup finds them. */
export interface ConformanceNames {
  /** `<vmPrefix>-<random>-`, unique to this run. */
  readonly runPrefix: string;
  /** The VM the lifecycle checks run on. */
  readonly vm: string;
  /** A second VM, created without a MAC and deleted at once. */
  readonly secondVm: string;
  /** A VM the kit tries to create from a missing template. */
  readonly orphanVm: string;
  /** A VM name that never exists. */
  readonly missingVm: string;
  /** The name the fixture's template directory is imported under. */
  readonly importedTemplate: string;
  /** A template name that never exists. */
  readonly missingTemplate: string;
}

/** What the checks share while they run. */
export interface ConformanceState {
  /** The fixture `setup()` made. */
  readonly fixture: ConformanceFixture;
  /** The options with defaults filled in. */
  readonly settings: ConformanceSettings;
  /** The plugin's capabilities; a flag the plugin does not declare `true` counts as `false`. */
  readonly capabilities: Capabilities;
  /** The names of this run. */
  readonly names: ConformanceNames;
  /** The MAC address the lifecycle VM is created with. */
  readonly mac: string;
  /** The boot parameters the lifecycle VM is started with. */
  readonly bootParams: BootParams;
}

/** A check's result when it cannot apply to this fixture (it then neither passes nor fails). */
export interface NotApplicable {
  /** Why, e.g. `the fixture has no templateDir`. */
  readonly notApplicable: string;
}

/** One check of the kit. */
export interface ConformanceCheck {
  /** Stable short identifier, e.g. `vm-stop-again`. */
  readonly id: string;
  /** What it verifies, as a test title. */
  readonly title: string;
  /** Upper bound of its run time in milliseconds, for the test runner's timeout. */
  readonly timeoutMs: number;
  /** Runs it: rejects when the provider does not conform, resolves to {@link NotApplicable} when it cannot apply. */
  run(state: ConformanceState): Promise<NotApplicable | undefined>;
}

/** The checks in the order they must run, with the setup and cleanup around them. */
export interface ConformancePlan {
  /** Settings the plan was made with. */
  readonly settings: ConformanceSettings;
  /** The checks; the lifecycle ones depend on the ones before them. */
  readonly checks: readonly ConformanceCheck[];
  /** Upper bound of `setup()` in milliseconds. */
  readonly setupTimeoutMs: number;
  /** Upper bound of `teardown()` in milliseconds. */
  readonly teardownTimeoutMs: number;
  /** Calls the options' `setup()` and picks this run's names. */
  setup(): Promise<ConformanceState>;
  /** Deletes what the run left behind (best effort), closes the provider and calls the fixture's teardown. */
  teardown(state: ConformanceState): Promise<void>;
}
