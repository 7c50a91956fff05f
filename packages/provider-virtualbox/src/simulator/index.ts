export { runVBoxManage } from './engine.js';
export type { SimResult } from './output.js';
export { SIMULATED_VERSIONS, type SimulatedVersionKey } from './versions.js';
export { shellQuote, type WrapperOptions, writeVBoxManageWrapper } from './wrapper.js';
