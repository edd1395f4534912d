// The osa-sriov library API.
export { factsFromPasted, factsFromSnapshot, iommuWords, type PastedOutputs } from './facts/build.js';
export * from './facts/host-facts.js';
export { FactsInputError, readHostFacts } from './facts/load.js';
export { type EthtoolInfo, normalisePciAddress, parseEthtoolInfo } from './facts/parse-ethtool.js';
export {
  type IpLink,
  type IpVf,
  parseIpLinkJson,
  parseIpLinkText,
  parseVfLine,
} from './facts/parse-ip-link.js';
export { type LspciDevice, parseLspci, vfAddressFromCapability } from './facts/parse-lspci.js';
export {
  assessReadiness,
  type GuestDriverHint,
  type Level,
  type Readiness,
  type Verdict,
} from './facts/readiness.js';
export { CollectorError, collectorPath, runCollector } from './facts/run-collector.js';
export { parseSnapshot, SNAPSHOT_HEADER, Snapshot, SnapshotError } from './facts/snapshot.js';
export { guestVfDriver } from './facts/vf-drivers.js';
export { renderProbeText } from './report/facts-text.js';
