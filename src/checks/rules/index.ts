// The rule set: one line per rule (registry.ts sorts them by id).
export { rule as factsMissing } from './facts-missing.js';
export { rule as ml2SriovPlugin } from './ml2-sriov-plugin.js';
export { rule as pciPassthroughFilter } from './pci-passthrough-filter.js';
export { rule as physnetConsistency } from './physnet-consistency.js';
