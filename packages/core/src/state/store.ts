import type { ConfigRecord, StateV2 } from './model.js';

/** The entries of `secrets.json`: secrets id → secret option name → value. */
export type SecretsById = Record<string, Record<string, string>>;

/**
 * The secrets an {@link StateStore.update} may read and add. Entries are never changed in place:
 * new secrets are a new entry, and the configuration switches to its id in the same update; an
 * entry no configuration names any more is removed by the store.
 */
export interface SecretsDraft {
  /** Stores `secrets` under a fresh random id and returns the id. */
  add(secrets: Record<string, string>): string;
  /** A copy of the secrets stored under `id` (an empty object when there is no such entry). */
  get(id: string): Record<string, string>;
}

/**
 * Where the IMS host keeps its state. The file store is the only one today; a shared database can
 * implement the same contract later.
 */
export interface StateStore {
  /** The current state document, without locking (writers replace it atomically); read-only (frozen). */
  read(): Promise<Readonly<StateV2>>;
  /**
   * Locks the store, reads the current document, lets `fn` change it in place (and add secrets)
   * and saves both. When `fn` throws, nothing is saved and the error propagates. Resolves to `fn`'s
   * result. The state and the secrets change together: whatever happens to the process, the saved
   * state never names secrets that are not saved, and secrets no configuration names are never read.
   */
  update<T>(fn: (draft: StateV2, secrets: SecretsDraft) => T | Promise<T>): Promise<T>;
  /**
   * The secret options of a configuration (an empty object when it has none). Given a record read
   * before an update replaced its secrets, returns the configuration's current secrets.
   */
  readSecrets(config: Pick<ConfigRecord, 'name' | 'secretsId'>): Promise<Record<string, string>>;
}
