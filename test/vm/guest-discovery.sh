# Runs inside the sriov-vm guest (dash, as root), from /guest. Sets up SR-IOV state the
# way an operator would, records what it set and what sysfs says (independently of
# osa-sriov), then runs the project's collector and CLI on it.
#   $1: the repository path on the host (seen at /host$1)
#   $2: "full" (VFs, bond, vfio-pci, persistence) or "plain" (nothing configured)
REPO=$1 MODE=$2
OUT=/host/tmp/out
mkdir -p $OUT
set -- $SRIOV_PFS
PF0=$1 PF1=$2 PF2=$3

# try LABEL CMD...: run CMD and record whether it worked, for the test to compare.
try() { label=$1; shift; if "$@" >/dev/null 2>&1; then echo "set $label ok"; else echo "set $label fail"; fi; }

if [ "$MODE" = full ]; then
  {
    echo 3 > /sys/class/net/$PF0/device/sriov_numvfs && echo "set numvfs.$PF0 ok"
    echo 2 > /sys/class/net/$PF1/device/sriov_numvfs && echo "set numvfs.$PF1 ok"
    try vf0.mac ip link set $PF0 vf 0 mac 02:11:22:33:44:55
    try vf0.vlan ip link set $PF0 vf 0 vlan 101 qos 2
    try vf1.spoofchk ip link set $PF0 vf 1 spoofchk off
    try vf1.trust ip link set $PF0 vf 1 trust on
    try vf1.state ip link set $PF0 vf 1 state disable
    try vf2.rate ip link set $PF0 vf 2 max_tx_rate 100
    ip link add bond0 type bond mode active-backup && ip link set $PF1 down && ip link set $PF1 master bond0 && echo "set bond ok"
    vf=$(basename "$(readlink /sys/class/net/$PF0/device/virtfn1)")
    echo "$vf" > /sys/bus/pci/devices/$vf/driver/unbind
    echo vfio-pci > /sys/bus/pci/devices/$vf/driver_override
    echo "$vf" > /sys/bus/pci/drivers_probe
    ip link set $PF0 up
    # The host's management network on a VLAN of the bond, with the default route.
    ip link set bond0 up
    ip link add link bond0 name bond0.120 type vlan id 120 && ip link set bond0.120 up &&
      ip addr add 172.29.236.16/22 dev bond0.120 &&
      ip route add default via 172.29.236.1 dev bond0.120 onlink && echo "set mgmt ok"
    mkdir -p /etc/udev/rules.d
    printf 'ACTION=="add", SUBSYSTEM=="net", KERNEL=="%s", ATTR{device/sriov_numvfs}="3"\n' $PF0 > "/etc/udev/rules.d/70-sriov vfs.rules"
  } > $OUT/setup.txt 2>&1
fi
sleep 1

# Ground truth straight from sysfs, in "key value" lines.
{
  echo "pfs $SRIOV_PFS"
  echo "iommu_units $(ls /sys/class/iommu 2>/dev/null | tr '\n' ' ')"
  echo "iommu_groups $(ls /sys/kernel/iommu_groups 2>/dev/null | wc -l)"
  for p in $SRIOV_PFS; do
    d=/sys/class/net/$p/device
    echo "pf.$p.address $(basename "$(readlink $d)")"
    for f in vendor device sriov_totalvfs sriov_numvfs sriov_vf_device numa_node mtu; do
      [ $f = mtu ] && { echo "pf.$p.mtu $(cat /sys/class/net/$p/mtu)"; continue; }
      echo "pf.$p.$f $(cat $d/$f)"
    done
    echo "pf.$p.driver $(basename "$(readlink $d/driver)")"
    echo "pf.$p.iommu_group $(basename "$(readlink $d/iommu_group 2>/dev/null)" 2>/dev/null)"
    echo "pf.$p.mac $(cat /sys/class/net/$p/address)"
    echo "pf.$p.operstate $(cat /sys/class/net/$p/operstate)"
    [ -L /sys/class/net/$p/master ] && echo "pf.$p.master $(basename "$(readlink /sys/class/net/$p/master)")"
    for v in $d/virtfn*; do
      [ -L "$v" ] || continue
      i=${v##*virtfn}
      a=$(basename "$(readlink $v)")
      echo "vf.$p.$i.address $a"
      echo "vf.$p.$i.driver $(basename "$(readlink /sys/bus/pci/devices/$a/driver)")"
      echo "vf.$p.$i.netdev $(ls /sys/bus/pci/devices/$a/net 2>/dev/null)"
      echo "vf.$p.$i.iommu_group $(basename "$(readlink /sys/bus/pci/devices/$a/iommu_group 2>/dev/null)" 2>/dev/null)"
    done
  done
} > $OUT/truth.txt

# The collector under the guest's own dash and busybox tools (this /etc has the udev rule),
# under busybox ash, and the project's CLI with this machine's node (chroot /host).
# Each boot under emulation is slow, so the "plain" mode runs only what it needs.
run() { name=$1 out=$2; shift 2; "$@" > "$out"; echo "rc $name $?"; }
run dash $OUT/dash.snapshot dash /host$REPO/src/facts/collect.sh
if [ "$MODE" = full ]; then
  run busybox $OUT/busybox.snapshot busybox sh /host$REPO/src/facts/collect.sh
  run cli-collect /dev/null chroot /host /bin/sh -c "cd $REPO && node bin/osa-sriov.js collect -o /tmp/out/cli.snapshot"
  run probe-json /dev/null chroot /host /bin/sh -c "cd $REPO && node bin/osa-sriov.js probe --from /tmp/out/dash.snapshot --json > /tmp/out/facts.json"
fi
run probe-live /dev/null chroot /host /bin/sh -c "cd $REPO && node bin/osa-sriov.js probe > /tmp/out/probe.txt"

# "plain", after the discovery: the host-setup playbook's VF script, as the built project
# renders it for PF0 (3 VFs, then 5), run by the guest's dash on the real kernel.
if [ "$MODE" = plain ]; then
  cat > $OUT/gen.mjs <<'EOF'
import { writeFileSync } from 'node:fs';
import { parse } from 'yaml';
const [repo, netdev, pciAddress] = process.argv.slice(2);
const { renderHostSetup } = await import(`${repo}/dist/plan/host-setup.js`);
for (const numVfs of [3, 5]) {
  const pfs = [{ netdev, pciAddress, numVfs }];
  const files = renderHostSetup([{ host: 'guest', cpuVendor: 'GenuineIntel', cmdline: null, pfs }]);
  writeFileSync('/tmp/out/osa-sriov-numvfs', files.get('files/osa-sriov-numvfs'));
  const [play] = parse(files.get('sriov-host-setup.yml'));
  writeFileSync(`/tmp/out/numvfs-${numVfs}.conf`, play.vars.osa_sriov_hosts.guest.numvfs_conf);
}
EOF
  d=/sys/class/net/$PF0/device
  run numvfs-gen /dev/null chroot /host /bin/sh -c \
    "cd $REPO && node --input-type=module - $REPO $PF0 $(basename "$(readlink $d)") < /tmp/out/gen.mjs"
  # numvfs_step NAME N: the script with the N-VF configuration, then what sysfs says.
  numvfs_step() {
    out=$(dash $OUT/osa-sriov-numvfs $OUT/numvfs-$2.conf 2>&1)
    echo "rc.$1 $?"
    echo "out.$1 $out"
    echo "numvfs.$1 $(cat $d/sriov_numvfs)"
    echo "virtfn.$1 $(ls -d $d/virtfn* 2>/dev/null | wc -l)"
  }
  {
    numvfs_step first 3
    numvfs_step again 3
    # What the script avoids: the kernel refuses a change between two non-zero counts.
    if echo 5 2>/dev/null > $d/sriov_numvfs; then echo "direct.change ok"; else echo "direct.change refused"; fi
    echo "numvfs.direct $(cat $d/sriov_numvfs)"
    numvfs_step change 5
    echo 0 > $d/sriov_numvfs
  } > $OUT/numvfs.txt 2>&1
fi
for f in setup.txt truth.txt dash.snapshot busybox.snapshot cli.snapshot facts.json probe.txt numvfs.txt; do
  [ -f $OUT/$f ] || continue
  echo "=== $f"; cat $OUT/$f
done
