import type { State } from './model.js';

/** Secrets of every configuration: configuration name → secret option name → value. */
export type SecretsByConfig = Record<string, Record<string, string>>;

/**
 * Where the IMS host keeps its state. The file store is the only one today; a shared database can
 * implement the same contract later.
 */
export interface StateStore {
  /** The current state document, without locking (writers replace it atomically); read-only (frozen). */
  read(): Promise<Readonly<State>>;
  /**
   * Locks the store, reads the current document, lets `fn` change it in place and saves it.
   * When `fn` throws, nothing is saved and the error propagates. Resolves to `fn`'s result.
   */
  update<T>(fn: (draft: State) => T | Promise<T>): Promise<T>;
  /** The secret options of one configuration (an empty object when it has none). */
  readSecrets(config: string): Promise<Record<string, string>>;
  /** Like {@link StateStore.update} for the secrets of all configurations. */
  updateSecrets(fn: (all: SecretsByConfig) => void | Promise<void>): Promise<void>;
}
