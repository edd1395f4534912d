// The deployment model: a deploy dir read as OSA reads it, and every host's effective
// SR-IOV configuration for one release. Pure after loading.
import { buildInventory, type Inventory } from './inventory.js';
import { type DeployDir, loadDeployDir } from './load.js';
import type { Release } from './releases.js';
import { type HostRender, renderHost } from './render.js';

export interface DeploymentModel {
  release: Release;
  deploy: DeployDir;
  inventory: Inventory;
  hosts: Map<string, HostRender>;
}

/** Renders the named hosts (all when none are given), in inventory order. */
export function buildModel(deploy: DeployDir, release: Release, only?: readonly string[]): DeploymentModel {
  const inventory = buildInventory(deploy, release);
  const hosts = new Map<string, HostRender>();
  for (const host of inventory.hosts.values()) {
    if (only && only.length > 0 && !only.includes(host.name)) continue;
    hosts.set(host.name, renderHost(deploy, inventory, host, release));
  }
  return { release, deploy, inventory, hosts };
}

export function loadModel(dir: string, release: Release, only?: readonly string[]): DeploymentModel {
  return buildModel(loadDeployDir(dir), release, only);
}
