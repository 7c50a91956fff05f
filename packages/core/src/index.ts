/** The IMS host as a library: what the `ims` CLI is built on. */

export { main as runCli } from './cli/main.js';
export type { PluginRow, RegistryOptions } from './discovery/registry.js';
export { PluginRegistry } from './discovery/registry.js';
export { defaultSearchRoots } from './discovery/search-roots.js';
export type { DiscoveredProvider, DiscoveryResult, PluginFailure, PluginStatus } from './discovery/types.js';
export type { ConfigView } from './host/configs.js';
export { createConfig, deleteConfig, listConfigs, showConfig, testConfig } from './host/configs.js';
export type { DoctorCheck } from './host/doctor.js';
export { runDoctor } from './host/doctor.js';
export type { HostServices } from './host/host-services.js';
export { createProviderContext, defaultHostServices } from './host/host-services.js';
export type { ConfiguredProvider, ImsHostOptions } from './host/ims-host.js';
export { ImsHost } from './host/ims-host.js';
export { installPlugin, removePlugin } from './host/plugin-admin.js';
export type { ImportOptions, TemplateView } from './host/templates.js';
export { deleteTemplate, importTemplate, listTemplates } from './host/templates.js';
export type { VmMetricsView, VmStatusView } from './host/vm-observe.js';
export { listVms, vmAddresses, vmMetrics, vmStatus } from './host/vm-observe.js';
export type { CreateVmRequest } from './host/vms.js';
export { bootParamsOf, createVm, deleteVm, pauseVm, setVmAddress, startVm, stopVm } from './host/vms.js';
export { createArchiveExtractor } from './services/archive/extract.js';
export { createLocalRunner } from './services/local-runner.js';
export { createSshConnector } from './services/ssh/connector.js';
export { createFileStateStore, resolveImsHome } from './state/file-store.js';
export type { StateStore } from './state/store.js';
