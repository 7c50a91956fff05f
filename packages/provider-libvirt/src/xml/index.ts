export * from './domain-xml.js';
export * from './mac.js';
export * from './states.js';
export * from './storage-xml.js';
