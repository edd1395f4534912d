// The osa-sriov library API.

export { atLeastSeverity, type Finding, type FindingLocation, type Severity } from './checks/finding.js';
export { RULES, ruleById } from './checks/registry.js';
export type { DeploymentRule, HostFinding, HostRule, Rule } from './checks/rule.js';
export {
  type CheckOptions,
  type CheckResult,
  runChecks,
  selectRules,
  UnknownRuleError,
} from './checks/run.js';
export { CheckContext, type FactsForHost, HostView } from './deployment/context.js';
export { type FactsFile, type FactsMatch, matchFacts } from './deployment/facts-match.js';
export { ERROR_SCHEMA, formatInputError, InputError, type InputErrorJson, type Location } from './errors.js';
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
export * as neutronAgentConfig from './openstack/neutron-agent-config.js';
export * as neutronEswitch from './openstack/neutron-eswitch.js';
export * as neutronMechDriver from './openstack/neutron-mech-driver.js';
export * as neutronPlacement from './openstack/neutron-placement.js';
export * as neutronVfState from './openstack/neutron-vf-state.js';
export * as novaDevspec from './openstack/nova-devspec.js';
export * as novaHost from './openstack/nova-host.js';
export * as novaPciMatch from './openstack/nova-pci-match.js';
export * as novaPortRequests from './openstack/nova-port-requests.js';
export {
  buildInventory,
  type Inventory,
  type InventoryHost,
  type VarDef,
  type VarLevel,
} from './osa/inventory.js';
export { type DeployDir, DeployLoadError, loadDeployDir } from './osa/load.js';
export { buildModel, type DeploymentModel, loadModel } from './osa/model.js';
export {
  computeProviderNetworks,
  type ProviderNetworksOutput,
  providerNetworksBehaviour,
} from './osa/provider-networks.js';
export { type Loc, parseYaml, toPlain, YamlError, type YNode } from './osa/pyyaml.js';
export { NEWEST_RELEASE, parseRelease, RELEASES, type Release } from './osa/releases.js';
export { type HostRender, type IniFiles, renderHost } from './osa/render.js';
export { renderProbeText } from './report/facts-text.js';
export { FINDINGS_SCHEMA, findingsJson } from './report/findings-json.js';
export { findingsSarif } from './report/findings-sarif.js';
export { renderFindingsText } from './report/findings-text.js';
export { modelJson } from './report/model-json.js';
