export type { BootNic, BootParams, StaticAddress } from './bootparams.js';
export type {
  ArchiveExtractor,
  BootImageBuilder,
  Clock,
  CommandRunner,
  ExtractedEntry,
  ExtractOptions,
  Logger,
  ProgressReporter,
  ProgressTask,
  ProviderContext,
  RunOptions,
  RunResult,
  SshConnector,
  SshSession,
  SshTarget,
  TransferProgress,
} from './context.js';
export { cleanupSignalOf } from './context.js';
export type { ErrorCategory, ErrorCode, ImsErrorOptions } from './errors.js';
export { categoryOf, ERROR_CODES, ImsError, isImsError } from './errors.js';
export type { EnvOperation, OperationSources, ProviderOperation } from './lazy-provider.js';
export { providerFromOperations } from './lazy-provider.js';
export type { ManifestCheck, ManifestProblem, ProviderManifest } from './manifest.js';
export { checkManifest, MANIFEST_JSON_SCHEMA, PROVIDER_ID_PATTERN } from './manifest.js';
export { mapLimited } from './map-limited.js';
export type { NamedKind } from './names.js';
export { assertValidName, escapeForDisplay, NAME_PATTERN, quoteForDisplay } from './names.js';
export type { ProviderDefinition, ProviderPlugin } from './plugin.js';
export {
  CAPABILITY_KEYS,
  defineProvider,
  isProviderPlugin,
  PROVIDER_PLUGIN_BRAND,
  PROVIDER_PLUGIN_FORMAT,
  pluginShapeProblems,
} from './plugin.js';
export type {
  AddressSource,
  Capabilities,
  ConnectionInfo,
  DeleteOptions,
  GuestAddress,
  NicSpec,
  Provider,
  StartOptions,
  StopOptions,
  TemplateDeleteOptions,
  TemplateDisk,
  TemplateImportRequest,
  TemplateInfo,
  TemplateMetadata,
  VmCreated,
  VmListing,
  VmMetricsSample,
  VmSpec,
} from './provider.js';
export { PROVIDER_OPERATIONS } from './provider.js';
export type { VmState, VmStatus } from './state.js';
export { VM_STATES } from './state.js';
export type { ResolvedTemplateFile } from './template-files.js';
export { invalidTemplate, templateFile, templateMetadata, templateRoot } from './template-files.js';
export { TOKENS } from './tokens.js';
export { SPI_VERSION } from './version.js';
