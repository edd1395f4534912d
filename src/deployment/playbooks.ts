// The playbook a fix asks the operator to re-run: the collection's playbooks from 2024.2 (30.x),
// the os-*-install.yml files before (they remain as wrappers later).
import type { Release } from '../osa/releases.js';

export function neutronPlaybook(r: Release): string {
  return r.major >= 30
    ? 'openstack-ansible openstack.osa.neutron'
    : 'openstack-ansible os-neutron-install.yml';
}

export function novaPlaybook(r: Release): string {
  return r.major >= 30 ? 'openstack-ansible openstack.osa.nova' : 'openstack-ansible os-nova-install.yml';
}
