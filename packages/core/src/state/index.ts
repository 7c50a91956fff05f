export type { AtomicWriteOptions, StaleTempOptions } from './atomic-write.js';
export { removeStaleTempFiles, writeFileAtomic } from './atomic-write.js';
export { stateV1Problem } from './check-state.js';
export type { FileStateStoreOptions } from './file-store.js';
export { createFileStateStore, resolveImsHome, STATE_FILES } from './file-store.js';
export type { FileLock, LockHolder, LockOptions } from './lock.js';
export { acquireFileLock } from './lock.js';
export type {
  ConfigV0,
  LoadedState,
  Migration,
  MigrationContext,
  StateSource,
  StateV0,
  VmV0,
} from './migrations.js';
export { loadStateDocument, MIGRATIONS, migrateV0ToV1, stateV0Problem } from './migrations.js';
export type { ConfigRecord, StateV1, TemplateRecord, VmNicRecord, VmRecord } from './model.js';
export { CURRENT_STATE_VERSION, emptyState } from './model.js';
export type { SecretsByConfig, StateStore } from './store.js';
