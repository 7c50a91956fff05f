import { DEFAULT_VERSION, resolveVersion, type SimVersion } from './versions.js';

/** The simulator's settings, read from `VBOXSIM_*` environment variables. */
export interface SimSettings {
  /** State directory (`VBOXSIM_HOME`). */
  home: string;
  /** Requested version (`VBOXSIM_VERSION`), undefined to use the state directory's or the default. */
  versionSpec: string | undefined;
  /** How long a session lock lingers after power-off/save (`VBOXSIM_LOCK_LINGER_MS`). */
  lockLingerMs: number;
  /** Start → guest properties published (`VBOXSIM_BOOT_MS`). */
  bootMs: number;
  /** ACPI power button → powered off (`VBOXSIM_ACPI_MS`). */
  acpiMs: number;
  /** Every Nth start exits 1 with the success text (`VBOXSIM_STARTVM_EXIT1_EVERY`, 0 = never). */
  startExit1Every: number;
  /** Print the 7.x LOGNAME/USER warning before `--version` (`VBOXSIM_WARN_USER=1`). */
  warnUser: boolean;
  /** Working directory for relative paths. */
  cwd: string;
}

function nonNegativeInt(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
}

/** Reads the settings; `home` is empty when `VBOXSIM_HOME` is unset. */
export function readSettings(env: NodeJS.ProcessEnv): SimSettings {
  return {
    home: env.VBOXSIM_HOME ?? '',
    versionSpec: env.VBOXSIM_VERSION?.trim() ? env.VBOXSIM_VERSION.trim() : undefined,
    lockLingerMs: nonNegativeInt(env.VBOXSIM_LOCK_LINGER_MS, 1500),
    bootMs: nonNegativeInt(env.VBOXSIM_BOOT_MS, 400),
    acpiMs: nonNegativeInt(env.VBOXSIM_ACPI_MS, 300),
    startExit1Every: nonNegativeInt(env.VBOXSIM_STARTVM_EXIT1_EVERY, 3),
    warnUser: env.VBOXSIM_WARN_USER === '1',
    cwd: process.cwd(),
  };
}

/** The version to imitate: the environment wins, then the state directory's, then the default. */
export function chooseVersion(settings: SimSettings, stored: string | undefined): SimVersion | undefined {
  return resolveVersion(settings.versionSpec ?? stored ?? DEFAULT_VERSION);
}
