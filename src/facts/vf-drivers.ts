// Which driver a guest needs for a VF of a given PF driver (a `direct` port hands the VF
// itself to the guest). A `macvtap` port is a virtio device in the guest (virtio_net), and
// virtio_net cannot drive a VF. Sources: the kernel's drivers/net/ethernet tree.

const VF_DRIVER_BY_PF_DRIVER: Readonly<Record<string, string>> = {
  igb: 'igbvf',
  ixgbe: 'ixgbevf',
  i40e: 'iavf',
  ice: 'iavf',
  fm10k: 'fm10k',
  bnx2x: 'bnx2x',
  bnxt_en: 'bnxt_en',
  mlx4_core: 'mlx4_core',
  mlx4_en: 'mlx4_core',
  mlx5_core: 'mlx5_core',
  qede: 'qede',
  qed: 'qede',
  qlcnic: 'qlcnic',
  liquidio: 'liquidio_vf',
  cxgb4: 'cxgb4vf',
  be2net: 'be2net',
  enic: 'enic',
  sfc: 'sfc',
  nfp: 'nfp',
  hinic: 'hinic',
  hns3: 'hns3',
  ionic: 'ionic',
  nicpf: 'nicvf',
  rvu_nicpf: 'rvu_nicvf',
  octeon_ep: 'octeon_ep_vf',
  idpf: 'idpf',
};

/** The guest driver for VFs of a PF bound to `pfDriver`, or null when not in the table. */
export function guestVfDriver(pfDriver: string | null): string | null {
  if (pfDriver === null) return null;
  return VF_DRIVER_BY_PF_DRIVER[pfDriver] ?? null;
}
