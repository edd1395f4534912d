# Runs inside the sriov-vm guest booted through test/vm/numa-qemu (two NUMA nodes, the second
# NIC behind a pxb-pcie expander bus on node 1). Creates VFs on every PF and huge pages on node 1,
# records what sysfs says (independently of osa-sriov), then runs the project's collector.
#   $1: the repository path on the host (seen at /host$1)
REPO=$1
OUT=/tmp/out
mkdir -p $OUT
{
  for p in $SRIOV_PFS; do
    if echo 2 > /sys/class/net/$p/device/sriov_numvfs; then echo "set numvfs.$p ok"; else echo "set numvfs.$p fail"; fi
  done
  if echo 8 > /sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages; then
    echo "set hugepages.node1 ok"; else echo "set hugepages.node1 fail"; fi
} > $OUT/setup.txt 2>&1
sleep 1

# Ground truth straight from sysfs, in "key value" lines.
{
  echo "pfs $SRIOV_PFS"
  echo "nodes $(cd /sys/devices/system/node && ls -d node[0-9]* | tr '\n' ' ')"
  for nd in /sys/devices/system/node/node[0-9]*; do
    n=${nd##*/node}
    echo "node.$n.cpulist $(cat $nd/cpulist)"
    echo "node.$n.hugepages2m $(cat $nd/hugepages/hugepages-2048kB/nr_hugepages)"
  done
  for c in /sys/devices/system/cpu/cpu[0-9]*; do
    echo "cpu.${c##*/cpu}.package $(cat $c/topology/physical_package_id)"
  done
  for p in $SRIOV_PFS; do
    d=/sys/class/net/$p/device
    echo "pf.$p.address $(basename "$(readlink $d)")"
    echo "pf.$p.path $(readlink -f $d)"
    echo "pf.$p.numa_node $(cat $d/numa_node)"
    for v in $d/virtfn*; do
      [ -L "$v" ] || continue
      i=${v##*virtfn}
      echo "vf.$p.$i.address $(basename "$(readlink $v)")"
      echo "vf.$p.$i.numa_node $(cat $v/numa_node)"
    done
  done
} > $OUT/truth.txt

dash /host$REPO/src/facts/collect.sh > $OUT/dash.snapshot
echo "rc dash $?"
for f in setup.txt truth.txt dash.snapshot; do
  echo "=== $f"; cat $OUT/$f
done
