// test/vectors/neutron_eswitch.json and neutron_placement_ids.json.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  deviceRatesToSet,
  EmbSwitchRegistry,
  getNumVfs,
  InvalidDeviceError,
  isAssignedVfDirect,
  isAssignedVfMacvtap,
  macvtapUpperDevs,
  type SysfsView,
  scanVfDevices,
} from '../../src/openstack/neutron-eswitch.js';
import {
  deviceResourceProviderUuid,
  physnetTrait,
  vnicTypeTrait,
} from '../../src/openstack/neutron-placement.js';
import { vectors } from '../helpers.js';

type V = Record<string, unknown> & { id: string; kind: string };

function view(parts: Partial<SysfsView>): SysfsView {
  return {
    isDir: () => false,
    listDir: () => null,
    readLink: () => null,
    readFile: () => null,
    glob: () => [],
    ...parts,
  };
}

describe('neutron_eswitch vectors', () => {
  for (const v of vectors<V[]>('neutron_eswitch.json')) {
    test(v.id, () => {
      switch (v.kind) {
        case 'set_device_rate':
          assert.deepEqual(
            deviceRatesToSet(v.request_kbps as object, v.current_vf_rates_mbps as object),
            v.expect_set_mbps,
          );
          break;
        case 'scan_vf_devices': {
          const links = v.symlinks as Record<string, string>;
          const sysfs = view({
            isDir: () => v.pf_device_dir_exists === true,
            listDir: () => (v.pf_device_dir_exists ? (v.dir_listing as string[]) : null),
            readLink: (p) => links[p.split('/').pop()!] ?? null,
          });
          if (v.expect === 'EXC:InvalidDeviceError')
            assert.throws(() => scanVfDevices(sysfs, v.pf as string), InvalidDeviceError);
          else assert.deepEqual(scanVfDevices(sysfs, v.pf as string), v.expect);
          break;
        }
        case 'get_numvfs':
          assert.equal(
            getNumVfs(
              view({ readFile: (p) => (p === v.file ? (v.content as string | null) : null) }),
              'dev1',
            ),
            v.expect,
          );
          break;
        case 'is_assigned_vf_direct':
          for (const c of v.cases as Array<{ path_is_dir: boolean; expect: boolean }>) {
            assert.equal(
              isAssignedVfDirect(view({ isDir: (p) => p === v.path_checked && c.path_is_dir }), 'p7p1', 1),
              c.expect,
            );
          }
          break;
        case 'is_assigned_vf_macvtap':
          for (const c of v.cases as Array<{ glob_result: string[]; expect: boolean }>) {
            assert.equal(
              isAssignedVfMacvtap(view({ glob: (p) => (p === v.glob ? c.glob_result : []) }), 'p7p1', 1),
              c.expect,
            );
          }
          break;
        case 'get_vf_macvtap_upper_devs':
          assert.deepEqual(macvtapUpperDevs(v.glob_result as string[]), v.expect);
          break;
        case '_create_emb_switch': {
          const reg = new EmbSwitchRegistry();
          for (const pass of v.sequence as Array<{
            sriov_numvfs: number;
            scanned_vfs: Array<[string, number]>;
            expect_added: boolean;
            expect_skipped: string[];
            expect_pci_slot_map_contains?: string[];
          }>) {
            assert.equal(reg.add('dev1', pass.sriov_numvfs, pass.scanned_vfs), pass.expect_added);
            assert.deepEqual([...reg.skipped], pass.expect_skipped);
            for (const slot of pass.expect_pci_slot_map_contains ?? [])
              assert.ok(reg.pciSlotMap.has(slot), slot);
          }
          break;
        }
        default:
          assert.fail(`unknown kind ${v.kind}`);
      }
    });
  }
});

describe('neutron_placement_ids vectors', () => {
  for (const v of vectors<V[]>('neutron_placement_ids.json')) {
    test(v.id, () => {
      if (v.kind === 'device_resource_provider_uuid') {
        assert.equal(
          deviceResourceProviderUuid(v.host as string, v.device as string, v.namespace as string),
          v.expect,
        );
      } else if (v.kind === 'physnet_trait') assert.equal(physnetTrait(v.input as string), v.expect);
      else if (v.kind === 'vnic_type_trait') assert.equal(vnicTypeTrait(v.input as string), v.expect);
      else assert.fail(`unknown kind ${v.kind}`);
    });
  }
});
