#!/usr/bin/env bash
# Builds the host snapshots of the blog lab's two computes (examples/blog-lab/facts/) by
# running the REAL collector, src/facts/collect.sh, on a fake root (OSA_SRIOV_ROOT) with fake
# `ip`, `ethtool`, `lspci` and `date` first on PATH. So the files are exactly what the
# collector prints on such machines; only the machines are reconstructed.
#
#   scripts/make-blog-lab-snapshots.sh      (from anywhere; needs bash, sh, coreutils)
#
# What the hosts are, and why (sources: the seed outputs in test/fixtures/seed/, the
# blog lab's openstack_user_config.yml, OSA Rocky's os_nova/os_neutron templates):
#
# hp02-qlogic  HP 530SFP+ (Broadcom BCM57810, bnx2x) ens2f0/ens2f1 at 08:00.0/.1.
#   - The seed outputs were taken on this host: its `ip link show ens2f1` (portid in the
#     header line, old "vf N MAC" lines), `lspci -vvv` ("Broadcom Corporation", "#15") and
#     `ethtool -i`. Those formats are iproute2 4.3 / pciutils 3.3.1, i.e. Ubuntu 16.04
#     userland, so this host runs 16.04 with the 4.15 HWE kernel (4.15.0-45 is 16.04.6's).
#     iproute2 4.3 has no -j: `ip -j -d link show` fails here, as it would on the host.
#   - ens2f1 is the SR-IOV PF and an OVS port (master ovs-system, MTU 9000); the operator
#     echoed 8 into sriov_numvfs by hand: nothing persists it. VF 1 carries the direct port
#     of the seed (fa:16:3e:30:1b:66, VLAN 101) and is bound to vfio-pci while vm3 runs
#     (libvirt's managed hostdev); the other VFs are on bnx2x (which drives 57810 VFs too;
#     there is no "bnx2xvf").
#   - intel_iommu=on (vm3 runs on a VF, so the IOMMU was on), two DMAR units, one IOMMU
#     group per VF.
#   - ens2f0 is the management NIC (port of the Linux bridge br-mgmt), no VFs.
#   - Device 168e subsystem 103c:339d: what the seed's lspci names ("NetXtreme II BCM57810
#     10 Gigabit Ethernet", "Ethernet 10Gb 2-port 530SFP+ Adapter"); 16ae would be the NPAR
#     ("Multi Function") personality. VF offset 71 stride 1 (seed) puts VF i at RID
#     0x0801 + 71 + i = 08:09.i; PF0's VFs (offset 8) would sit at 08:01.0-08:08.7.
#
# hp03-2x520   HP 560SFP+ (Intel 82599ES, ixgbe) ens1f0/ens1f1 at 04:00.0/.1, Ubuntu 18.04
#   (iproute2 4.15 with -j, pciutils 3.5.2), same 4.15.0-45 kernel.
#   - ens1f0 is the SR-IOV PF (8 of 63 VFs, offset 128 stride 2: 04:10.0, .2, .4, .6,
#     04:11.0, .2, .4, .6, all on ixgbevf) and an OVS port; ens1f1 is the management NIC.
#   - intel_iommu=on iommu=pt, two DMAR units, one IOMMU group per VF.
#   - VFs come back at boot from an /etc/rc.local line (rc.local is a "scripts" source).
#   - nova.conf has the lab's mistake: the global nova_pci_passthrough_whitelist of
#     user_variables.yml ("devname":"ens2f1", a NIC this host does not have) beat the host's
#     container_vars.
#
# Both: OSA Rocky config files as its templates write them (sriov_nic_agent.ini quotes its
# values; nova.conf has no [DEFAULT] host: Nova uses the hostname). Attributes the kernel
# refuses to read (phys_port_name without ndo_get_phys_port_name: EOPNOTSUPP; carrier of
# an interface that is down: EINVAL) are directories in the fake tree, so `cat` fails on
# them just as on a real host (the collector records "b NAME 1").
set -euo pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=$REPO/examples/blog-lab/facts
WORK=$(mktemp -d "${TMPDIR:-/tmp}/blog-lab-snapshots.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# ---------------------------------------------------------------------------------------
# Fake filesystem. R is the root being built; paths below are absolute host paths.

R=
dir_of() { [ -d "$R${1%/*}" ] || mkdir -p "$R${1%/*}"; }
put() { dir_of "$1"; printf '%s\n' "$2" > "$R$1"; }                     # one-line file
put_text() { dir_of "$1"; cat > "$R$1"; }                               # file from stdin
unreadable() { mkdir -p "$R$1"; }                                        # read fails
# lnk LINK TARGET: a symbolic link with the relative target sysfs gives it (up to the
# nearest common ancestor, then down), e.g. ../../../../bus/pci/drivers/bnx2x.
lnk() {
  local common=${1%/*} up=
  while [ "${2#"$common"/}" = "$2" ]; do common=${common%/*}; up="../$up"; done
  dir_of "$1"
  ln -s "$up${2#"$common"/}" "$R$1"
}

# pci_dev ADDR PARENT CLASS VENDOR DEVICE SUBVENDOR SUBDEVICE NUMA DRIVER IOMMU_GROUP
# PARENT is the path below /sys/devices (e.g. pci0000:00/0000:00:03.0); DRIVER and
# IOMMU_GROUP may be empty (unbound; no IOMMU).
pci_dev() {
  local addr=$1 parent=$2 d=/sys/devices/$2/$1
  mkdir -p "$R$d"
  put "$d/class" "$3"
  put "$d/vendor" "$4"
  put "$d/device" "$5"
  put "$d/subsystem_vendor" "$6"
  put "$d/subsystem_device" "$7"
  put "$d/numa_node" "$8"
  lnk "/sys/bus/pci/devices/$addr" "$d"
  if [ -n "$9" ]; then
    mkdir -p "$R/sys/bus/pci/drivers/$9"
    lnk "$d/driver" "/sys/bus/pci/drivers/$9"
  fi
  if [ -n "${10}" ]; then
    mkdir -p "$R/sys/kernel/iommu_groups/${10}/devices"
    lnk "$d/iommu_group" "/sys/kernel/iommu_groups/${10}"
  fi
}

# sriov_pf ADDR PARENT TOTAL NUM VF_DEVICE OFFSET STRIDE: the PF's SR-IOV attributes and
# its virtfnN links (VF i at routing ID = PF + OFFSET + STRIDE * i, on the same parent).
sriov_pf() {
  local addr=$1 d=/sys/devices/$2/$1 i rid bus dev fn
  put "$d/sriov_totalvfs" "$3"
  put "$d/sriov_numvfs" "$4"
  put "$d/sriov_drivers_autoprobe" 1
  put "$d/sriov_vf_device" "$5"
  put "$d/sriov_offset" "$6"
  put "$d/sriov_stride" "$7"
  bus=$((16#${addr:5:2})) dev=$((16#${addr:8:2})) fn=${addr:11:1}
  for ((i = 0; i < $4; i++)); do
    rid=$(((bus << 8 | dev << 3 | fn) + $6 + $7 * i))
    lnk "$d/virtfn$i" "$(printf '/sys/devices/%s/0000:%02x:%02x.%d' "$2" $((rid >> 8)) $((rid >> 3 & 31)) $((rid & 7)))"
  done
}
vf_addr() { readlink "$R/sys/bus/pci/devices/$1/virtfn$2" | sed 's|.*/||'; }

# netdev ADDR NAME IFINDEX OPERSTATE CARRIER MTU MAC [MASTER]: a PCI device's netdev.
# CARRIER "-" is unreadable (the interface is down).
netdev() {
  local dev n
  dev=$(readlink "$R/sys/bus/pci/devices/$1"); dev=/sys/devices/${dev#../../../devices/}
  n=$dev/net/$2
  mkdir -p "$R$n"
  put "$n/ifindex" "$3"
  put "$n/operstate" "$4"
  if [ "$5" = - ]; then unreadable "$n/carrier"; else put "$n/carrier" "$5"; fi
  put "$n/mtu" "$6"
  put "$n/address" "$7"
  put "$n/addr_len" 6
  put "$n/type" 1
  unreadable "$n/phys_port_name"
  lnk "/sys/class/net/$2" "$n"
  if [ -n "${8:-}" ]; then
    lnk "$n/master" "/sys/devices/virtual/net/$8"
    lnk "$n/upper_$8" "/sys/devices/virtual/net/$8"
    lnk "/sys/devices/virtual/net/$8/lower_$2" "$n"
  fi
}

# vnetdev NAME IFINDEX OPERSTATE MTU MAC [bridge]: a virtual netdev (lo, bridges, OVS).
vnetdev() {
  local n=/sys/devices/virtual/net/$1
  mkdir -p "$R$n"
  put "$n/ifindex" "$2"
  put "$n/operstate" "$3"
  put "$n/mtu" "$4"
  put "$n/address" "$5"
  lnk "/sys/class/net/$1" "$n"
  if [ "${6:-}" = bridge ]; then mkdir -p "$R$n/bridge" "$R$n/brif"; fi
}

# files DIR NAME... : configuration files that exist but say nothing about VFs (they are
# what the persistence search goes through on a stock install).
files() {
  local d=$1 f; shift
  dir_of "$d/x"
  for f in "$@"; do
    case $f in
      *.rules) printf '# do not edit this file, it will be overwritten on update\n' > "$R$d/$f" ;;
      *.service) printf '[Unit]\nDescription=%s\n\n[Service]\nExecStart=/bin/true\n' "${f%.service}" > "$R$d/$f" ;;
      *) printf '# This file is part of the distribution.\n' > "$R$d/$f" ;;
    esac
  done
}

# ---------------------------------------------------------------------------------------
# Fake tools. Each host gets a bin directory: ip, ethtool, lspci print files from DATA, and
# date prints the fixed collection time (the collector's only clock read is meta.date).

# tools BIN DATA DATE IPROUTE2: IPROUTE2 is 4.3 (no -j) or 4.15. `ip` answers from
# DATA/ip/<its arguments joined by "_">, so each call the collector makes needs its file;
# another call fails as iproute2 fails on an option or object it does not know.
tools() {
  local bin=$1 data=$2
  mkdir -p "$bin"
  printf '#!/bin/sh\necho %s\n' "$3" > "$bin/date"
  cat > "$bin/ip" <<EOF
#!/bin/sh
# iproute2 $4, canned.
f='$data/ip/'\$(printf '%s_' "\$@")
[ -f "\$f" ] && exec cat "\$f"
if [ "\$1" = -j ] && [ '$4' = 4.3 ]; then
  echo 'Option "-j" is unknown, try "ip -help".' >&2
else
  echo "ip: no canned output for: \$*" >&2
fi
exit 255
EOF
  cat > "$bin/ethtool" <<EOF
#!/bin/sh
# ethtool -i DEV
[ -f '$data/ethtool-i.'"\$2" ] || { echo "Cannot get driver information: No such device" >&2; exit 71; }
exec cat '$data/ethtool-i.'"\$2"
EOF
  cat > "$bin/lspci" <<EOF
#!/bin/sh
# lspci -vvv -nn -s ADDR: nothing (and success) for an address it does not know.
while [ \$# -gt 0 ]; do case "\$1" in -s) a=\$2; shift ;; esac; shift; done
[ -f '$data/lspci.'"\$a" ] && exec cat '$data/lspci.'"\$a"
exit 0
EOF
  chmod 755 "$bin"/*
}

# lspci blocks are written with "\t" for tabs.
with_tabs() { sed 's/\\t/\t/g'; }

# ---------------------------------------------------------------------------------------
# `ip -d link show` and `ip -j -d link show`, printed from one table of links the way
# iproute2's print_linkinfo() prints them (4.3: ip/ipaddress.c of v4.3.0; 4.15: v4.15.0,
# whose JSON writer pretty-prints with the odd indentation reproduced by jw_* below).
#
# link IDX NAME FLAGS MTU QDISC MASTER STATE QLEN TYPE MAC BRD PROMISC KIND SLAVE TXQ RXQ
#      PORTID VFS [ADDRGENMODE]
#   KIND/SLAVE: linkinfo kind and slave kind ("bridge", "openvswitch", ...) or empty;
#   VFS: the name of a VF table (array of "vf|mac|vlan|qos|txrate|max|min|spoof|state|
#   trust|rss"), "none" for a PF driver with no VFs enabled (an empty VF list), or empty;
#   ADDRGENMODE: eui64 unless given (none: systemd-networkd keeps IPv6 off the link).
LINKS=()
link() { local IFS='|'; LINKS+=("$*"); }
BR_MAC= BR_ID= BR_GC= # the host's br-mgmt: MAC, bridge id, gc timer
PORT_NO=1

bridge_id() { # BR_ID: "8000." and the MAC as ether_ntoa_r prints it (no leading zeros)
  local IFS=: b out=
  for b in $BR_MAC; do printf -v b '%x' $((16#$b)); out="$out:$b"; done
  BR_ID=8000.${out#:}
}

text_bridge() {
  printf 'forward_delay 0 hello_time 200 max_age 2000 ageing_time 30000 stp_state 0 priority 32768 vlan_filtering 0 vlan_protocol 802.1Q '
  [ "$1" = 4.3 ] && return
  local id=$BR_ID
  printf 'bridge_id %s designated_root %s root_port 0 root_path_cost 0 topology_change 0 topology_change_detected 0 ' "$id" "$id"
  printf 'hello_timer %4i.%.2i tcn_timer %4i.%.2i topology_change_timer %4i.%.2i gc_timer %4i.%.2i ' 0 0 0 0 0 0 "${BR_GC%.*}" "$((10#${BR_GC#*.}))"
  printf 'vlan_default_pvid 1 vlan_stats_enabled 0 group_fwd_mask 0 group_address 01:80:c2:00:00:00 mcast_snooping 1 mcast_router 1 mcast_query_use_ifaddr 0 mcast_querier 0 mcast_hash_elasticity 4 mcast_hash_max 512 mcast_last_member_count 2 mcast_startup_query_count 2 mcast_last_member_interval 100 mcast_membership_interval 26000 mcast_querier_interval 25500 mcast_query_interval 12500 mcast_query_response_interval 1000 mcast_startup_query_interval 3124 mcast_stats_enabled 0 mcast_igmp_version 2 mcast_mld_version 1 nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0 '
}
text_bridge_slave() {
  printf 'state forwarding priority 32 cost 2 hairpin off guard off root_block off fastleave off learning on flood on '
  [ "$1" = 4.3 ] && return
  local id=$BR_ID
  printf 'port_id 0x%x port_no 0x%x designated_port %u designated_cost 0 designated_bridge %s designated_root %s ' $((0x8000 + PORT_NO)) "$PORT_NO" $((0x8000 + PORT_NO)) "$id" "$id"
  printf 'hold_timer %4i.%.2i message_age_timer %4i.%.2i forward_delay_timer %4i.%.2i ' 0 0 0 0 0 0
  printf 'topology_change_ack 0 config_pending 0 proxy_arp off proxy_arp_wifi off mcast_router 1 mcast_fast_leave off mcast_flood on neigh_suppress off group_fwd_mask 0x0 group_fwd_mask_str 0x0 vlan_tunnel off '
}

# ip_text VERSION: `ip -d link show` of iproute2 VERSION (4.3 or 4.15).
ip_text() {
  local v=$1 rec idx name flags mtu qdisc master state qlen type mac brd promisc kind slave txq rxq portid vfs gen row
  local vf vmac vlan qos tx max min spoof lstate trust rss
  for rec in "${LINKS[@]}"; do
    IFS='|' read -r idx name flags mtu qdisc master state qlen type mac brd promisc kind slave txq rxq portid vfs gen <<< "$rec"
    printf '%s: %s: <%s> mtu %s qdisc %s ' "$idx" "$name" "$flags" "$mtu" "$qdisc"
    [ -n "$master" ] && printf 'master %s ' "$master"
    [ "$v" = 4.3 ] && [ -n "$portid" ] && printf 'portid %s ' "$portid"
    printf 'state %s mode DEFAULT group default qlen %s' "$state" "$qlen"
    printf '\n    link/%s %s brd %s' "$type" "$mac" "$brd"
    printf ' promiscuity %s ' "$promisc"
    if [ -n "$kind" ]; then
      printf '\n    %s ' "$kind"
      [ "$kind" = bridge ] && text_bridge "$v"
    fi
    if [ -n "$slave" ]; then
      printf '\n    %s_slave ' "$slave"
      [ "$slave" = bridge ] && text_bridge_slave "$v"
    fi
    printf 'addrgenmode %s ' "${gen:-eui64}"
    if [ "$v" = 4.15 ]; then
      printf 'numtxqueues %s numrxqueues %s gso_max_size 65536 gso_max_segs 65535 ' "$txq" "$rxq"
      [ -n "$portid" ] && printf 'portid %s ' "$portid"
    fi
    if [ -n "$vfs" ] && [ "$vfs" != none ]; then
      local -n table=$vfs
      for row in "${table[@]}"; do
        IFS='|' read -r vf vmac vlan qos tx max min spoof lstate trust rss <<< "$row"
        printf '\n    vf %s MAC %s' "$vf" "$vmac"
        [ "$vlan" != 0 ] && printf ', vlan %s' "$vlan"
        [ "$qos" != 0 ] && printf ', qos %s' "$qos"
        [ "$tx" != 0 ] && printf ', tx rate %s (Mbps)' "$tx"
        [ "$max" != 0 ] && printf ', max_tx_rate %sMbps' "$max"
        [ "$min" != 0 ] && printf ', min_tx_rate %sMbps' "$min"
        [ -n "$spoof" ] && printf ', spoof checking %s' "$spoof"
        printf ', link-state %s' "$lstate"
        if [ "$v" = 4.15 ]; then
          [ -n "$trust" ] && printf ', trust %s' "$trust"
          [ -n "$rss" ] && printf ', query_rss %s' "$rss"
        fi
      done
      unset -n table
    fi
    printf '\n'
  done
}

# lib/json_writer.c (v4.15.0), pretty mode: a name starts a new line indented 4 spaces per
# depth; arrays are closed with pretty printing off.
JW_FILE= JW_DEPTH=0 JW_PRETTY=1 JW_SEP=
jw_put() { printf '%s' "$1" >> "$JW_FILE"; }
jw_eor() { if [ -n "$JW_SEP" ]; then jw_put "$JW_SEP"; fi; JW_SEP=,; }
jw_eol() { if [ "$JW_PRETTY" = 1 ]; then printf '\n%*s' $((JW_DEPTH * 4)) '' >> "$JW_FILE"; fi; }
jw_begin() { jw_eor; jw_put "$1"; JW_DEPTH=$((JW_DEPTH + 1)); JW_SEP=; }
jw_end() { JW_DEPTH=$((JW_DEPTH - 1)); if [ -n "$JW_SEP" ]; then jw_eol; fi; jw_put "$1"; JW_SEP=,; }
jw_name() { jw_eor; jw_eol; JW_SEP=; jw_put "\"$1\":"; if [ "$JW_PRETTY" = 1 ]; then jw_put ' '; fi; }
jw_num() { jw_name "$1"; jw_eor; jw_put "$2"; }       # numbers, booleans, timers
jw_str() { jw_name "$1"; jw_eor; jw_put "\"$2\""; }
jw_elem() { jw_eor; jw_put "\"$1\""; }
jw_obj() { if [ $# -gt 0 ]; then jw_name "$1"; fi; jw_begin '{'; }
jw_obj_end() { jw_end '}'; }
jw_arr() { if [ $# -gt 0 ]; then jw_name "$1"; fi; jw_begin '['; }
jw_arr_end() { JW_PRETTY=0; jw_end ']'; JW_PRETTY=1; }
jw_onoff() { if [ "$2" = on ]; then jw_num "$1" true; else jw_num "$1" false; fi; }

json_bridge() {
  local id=$BR_ID k
  for k in forward_delay:0 hello_time:200 max_age:2000 ageing_time:30000 stp_state:0 priority:32768 vlan_filtering:0; do
    jw_num "${k%%:*}" "${k#*:}"
  done
  jw_str vlan_protocol 802.1Q
  jw_str bridge_id "$id"
  jw_str root_id "$id"
  for k in root_port:0 root_path_cost:0 topology_change:0 topology_change_detected:0 \
           hello_timer:0.00 tcn_timer:0.00 topology_change_timer:0.00 "gc_timer:$BR_GC" \
           vlan_default_pvid:1 vlan_stats_enabled:0; do
    jw_num "${k%%:*}" "${k#*:}"
  done
  jw_str group_fwd_mask 0
  jw_str group_addr 01:80:c2:00:00:00
  for k in mcast_snooping:1 mcast_router:1 mcast_query_use_ifaddr:0 mcast_querier:0 \
           mcast_hash_elasticity:4 mcast_hash_max:512 mcast_last_member_cnt:2 \
           mcast_startup_query_cnt:2 mcast_last_member_intvl:100 mcast_membership_intvl:26000 \
           mcast_querier_intvl:25500 mcast_query_intvl:12500 mcast_query_response_intvl:1000 \
           mcast_startup_query_intvl:3124 mcast_stats_enabled:0 mcast_igmp_version:2 \
           mcast_mld_version:1 nf_call_iptables:0 nf_call_ip6tables:0 nf_call_arptables:0; do
    jw_num "${k%%:*}" "${k#*:}"
  done
}
json_bridge_slave() {
  local id=$BR_ID k
  jw_str state forwarding
  jw_num priority 32
  jw_num cost 2
  # iproute2 4.15 names these JSON keys after the text words ("hairpin", not "mode").
  for k in hairpin:false guard:false root_block:false fastleave:false learning:true flood:true; do
    jw_num "${k%%:*}" "${k#*:}"
  done
  local hex
  printf -v hex '0x%x' $((0x8000 + PORT_NO)); jw_str id "$hex"
  printf -v hex '0x%x' "$PORT_NO"; jw_str no "$hex"
  jw_num designated_port $((0x8000 + PORT_NO))
  jw_num designated_cost 0
  jw_str bridge_id "$id"
  jw_str root_id "$id"
  for k in hold_timer:0.00 message_age_timer:0.00 forward_delay_timer:0.00 topology_change_ack:0 \
           config_pending:0 proxy_arp:false proxy_arp_wifi:false multicast_router:1 \
           mcast_flood:true neigh_suppress:false; do
    jw_num "${k%%:*}" "${k#*:}"
  done
  jw_str group_fwd_mask 0x0
  jw_str group_fwd_mask_str 0x0
  jw_num vlan_tunnel false
}

# ip_json FILE: `ip -j -d link show` of iproute2 4.15.
ip_json() {
  local rec idx name flags mtu qdisc master state qlen type mac brd promisc kind slave txq rxq portid vfs gen row f
  local vf vmac vlan qos tx max min spoof lstate trust rss
  JW_FILE=$1 JW_DEPTH=0 JW_PRETTY=1 JW_SEP=
  : > "$JW_FILE"
  jw_arr
  for rec in "${LINKS[@]}"; do
    IFS='|' read -r idx name flags mtu qdisc master state qlen type mac brd promisc kind slave txq rxq portid vfs gen <<< "$rec"
    jw_obj
    jw_num ifindex "$idx"
    jw_str ifname "$name"
    jw_arr flags
    for f in ${flags//,/ }; do jw_elem "$f"; done
    jw_arr_end
    jw_num mtu "$mtu"
    jw_str qdisc "$qdisc"
    [ -n "$master" ] && jw_str master "$master"
    jw_str operstate "$state"
    jw_str linkmode DEFAULT
    jw_str group default
    jw_num txqlen "$qlen"
    jw_str link_type "$type"
    jw_str address "$mac"
    jw_str broadcast "$brd"
    jw_num promiscuity "$promisc"
    if [ -n "$kind$slave" ]; then
      jw_obj linkinfo
      if [ -n "$kind" ]; then
        jw_str info_kind "$kind"
        if [ "$kind" = bridge ]; then jw_obj info_data; json_bridge; jw_obj_end; fi
      fi
      if [ -n "$slave" ]; then
        jw_str info_slave_kind "$slave"
        if [ "$slave" = bridge ]; then jw_obj info_slave_data; json_bridge_slave; jw_obj_end; fi
      fi
      jw_obj_end
    fi
    jw_str inet6_addr_gen_mode "${gen:-eui64}"
    jw_num num_tx_queues "$txq"
    jw_num num_rx_queues "$rxq"
    jw_num gso_max_size 65536
    jw_num gso_max_segs 65535
    [ -n "$portid" ] && jw_str phys_port_id "$portid"
    if [ -n "$vfs" ]; then
      jw_arr vfinfo_list
      if [ "$vfs" != none ]; then
        local -n table=$vfs
        for row in "${table[@]}"; do
          IFS='|' read -r vf vmac vlan qos tx max min spoof lstate trust rss <<< "$row"
          jw_obj
          jw_num vf "$vf"
          jw_str mac "$vmac"
          jw_arr vlan_list
          jw_obj
          [ "$vlan" != 0 ] && jw_num vlan "$vlan"
          [ "$qos" != 0 ] && jw_num qos "$qos"
          jw_obj_end
          jw_arr_end
          [ "$tx" != 0 ] && jw_num tx_rate "$tx"
          jw_obj rate
          jw_num max_tx "$max"
          jw_num min_tx "$min"
          jw_obj_end
          [ -n "$spoof" ] && jw_onoff spoofchk "$spoof"
          jw_str link_state "$lstate"
          [ -n "$trust" ] && jw_onoff trust "$trust"
          [ -n "$rss" ] && jw_onoff query_rss_en "$rss"
          jw_obj_end
        done
        unset -n table
      fi
      jw_arr_end
    fi
    jw_obj_end
  done
  JW_PRETTY=1
  jw_end ']'
  printf '\n' >> "$JW_FILE"
}

# ---------------------------------------------------------------------------------------
# Pieces both hosts share.

cpuinfo() { # cpuinfo MODEL: two logical CPUs of a Haswell-EP Xeon (the collector reads the first)
  local p
  for p in 0 1; do
    cat <<EOF
processor	: $p
vendor_id	: GenuineIntel
cpu family	: 6
model		: 63
model name	: $1
stepping	: 2
microcode	: 0x43
cpu MHz		: 1200.117
cache size	: 20480 KB
physical id	: 0
siblings	: 16
core id		: $p
cpu cores	: 8
apicid		: $((p * 2))
initial apicid	: $((p * 2))
fpu		: yes
fpu_exception	: yes
cpuid level	: 15
wp		: yes
flags		: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush dts acpi mmx fxsr sse sse2 ss ht tm pbe syscall nx pdpe1gb rdtscp lm constant_tsc arch_perfmon pebs bts rep_good nopl xtopology nonstop_tsc cpuid aperfmperf pni pclmulqdq dtes64 monitor ds_cpl vmx smx est tm2 ssse3 sdbg fma cx16 xtpr pdcm pcid dca sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand lahf_lm abm cpuid_fault epb invpcid_single pti intel_ppin ssbd ibrs ibpb stibp tpr_shadow vnmi flexpriority ept vpid fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid cqm xsaveopt cqm_llc cqm_occup_llc dtherm ida arat pln pts flush_l1d
bugs		: cpu_meltdown spectre_v1 spectre_v2 spec_store_bypass l1tf
bogomips	: 4794.41
clflush size	: 64
cache_alignment	: 64
address sizes	: 46 bits physical, 48 bits virtual
power management:

EOF
  done
}

# OSA Rocky (os_neutron rocky-eol templates/plugins/ml2/sriov_nic_agent.ini.j2 through
# config_template): the template quotes both values.
sriov_nic_agent_ini() {
  cat <<EOF
# Ansible managed

# Agent
[agent]

[securitygroup]
firewall_driver = neutron.agent.firewall.NoopFirewallDriver

[sriov_nic]
physical_device_mappings = "vlan:$1"
exclude_devices = ""

EOF
}

# OSA Rocky nova.conf (os_nova rocky-eol templates/nova.conf.j2, role defaults; the
# [pci] value unquoted as from 18.1.6). Secrets are placeholders: the collector keeps only
# [DEFAULT] host (absent: OSA does not set it), [pci] and [filter_scheduler].
nova_conf() { # nova_conf MY_IP WHITELIST
  cat <<EOF
# Ansible managed

[DEFAULT]
# Disable stderr logging
use_stderr = False
# Logs / State
debug = False
fatal_deprecations = False
log_dir = /var/log/nova
state_path = /var/lib/nova
rootwrap_config = /etc/nova/rootwrap.conf
service_down_time = 120

# Scheduler
cpu_allocation_ratio = 2.0
disk_allocation_ratio = 1.0
ram_allocation_ratio = 1.0
reserved_host_disk_mb = 2048
reserved_host_memory_mb = 2048

# Compute
compute_driver = libvirt.LibvirtDriver
instance_name_template = instance-%08x
instances_path = /var/lib/nova/instances
allow_resize_to_same_host = True
image_cache_manager_interval = 0
resume_guests_state_on_host_boot = False

# Api's
enabled_apis = osapi_compute,metadata
osapi_compute_workers = 16

# Rpc all
transport_url = rabbit://nova:NOT-THE-REAL-PASSWORD@172.29.236.100:5671,nova:NOT-THE-REAL-PASSWORD@172.29.236.101:5671,nova:NOT-THE-REAL-PASSWORD@172.29.236.102:5671//nova?ssl=1

executor_thread_pool_size = 64
rpc_response_timeout = 60

# Metadata
metadata_workers = 16

# Network
my_ip = $1

## Vif
libvirt_vif_type = ethernet

# Hypervisor
default_ephemeral_format = ext4

# Configdrive
force_config_drive = False

# Ceilometer notification configurations

# Notifications

# Cache
[cache]
enabled = true
backend = oslo_cache.memcache_pool
memcache_servers = 172.29.236.110:11211

# Cinder
[cinder]
catalog_info = volumev3:cinderv3:internalURL
cross_az_attach = True
os_region_name = RegionOne

[vnc]
enabled = True
novncproxy_base_url = https://192.168.1.10:6080/vnc_auto.html
server_listen = $1
server_proxyclient_address = $1

# Glance
[glance]
api_servers = http://172.29.236.10:9292
insecure = False

# Neutron
[neutron]
region_name = RegionOne
auth_type = password
default_floating_pool = public
# Keystone client plugin password option
password = NOT-THE-REAL-PASSWORD
# Keystone client plugin username option
username = neutron
project_name = service
user_domain_name = Default
project_domain_name = Default
# Keystone client plugin authentication URL option
auth_url = http://172.29.236.10:35357/v3
insecure = False
metadata_proxy_shared_secret = NOT-THE-REAL-SECRET
service_metadata_proxy = True
ovs_bridge = br-int

# Placement
[placement]
region_name = RegionOne
valid_interfaces = internal
auth_type = "password"
password = NOT-THE-REAL-PASSWORD
username = placement
project_name = service
user_domain_name = default
project_domain_name = default
auth_url = http://172.29.236.10:35357/v3
insecure = False

[conductor]
workers = 16

[keystone_authtoken]
insecure = False
auth_type = password
auth_url = http://172.29.236.10:35357
www_authenticate_uri = http://172.29.236.10:5000
project_domain_id = default
user_domain_id = default
project_name = service
username = nova
password = NOT-THE-REAL-PASSWORD
region_name = RegionOne

memcached_servers = 172.29.236.110:11211

token_cache_time = 300

# if your memcached server is shared, use these settings to avoid cache poisoning
memcache_security_strategy = ENCRYPT
memcache_secret_key = NOT-THE-REAL-KEY

[oslo_concurrency]
lock_path = /var/lock/nova

[oslo_messaging_rabbit]
ssl = True
rpc_conn_pool_size = 30

[libvirt]
inject_partition = -2
inject_password = False
inject_key = False
use_virtio_for_bridges = True
virt_type = kvm
remove_unused_resized_minimum_age_seconds = 3600
live_migration_uri = "qemu+ssh://nova@%s/system?no_verify=1&keyfile=/var/lib/nova/.ssh/id_rsa"
live_migration_tunnelled = True
hw_disk_discard = ignore
disk_cachemodes = none

[wsgi]
api_paste_config = /etc/nova/api-paste.ini

[api]
auth_strategy = keystone
enable_instance_password = True
use_forwarded_for = False
vendordata_jsonfile_path = /etc/nova/vendor_data.json

[scheduler]
workers = 16
max_attempts = 5
scheduler_driver = filter_scheduler
periodic_task_interval = 60
discover_hosts_in_cells_interval = 60

[filter_scheduler]
max_instances_per_host = 50
max_io_ops_per_host = 10
ram_weight_multiplier = 5.0
available_filters = nova.scheduler.filters.all_filters
enabled_filters = RetryFilter, AvailabilityZoneFilter, RamFilter, AggregateRamFilter, ComputeFilter, AggregateCoreFilter, DiskFilter, AggregateDiskFilter, AggregateNumInstancesFilter, AggregateIoOpsFilter, ComputeCapabilitiesFilter, ImagePropertiesFilter, ServerGroupAntiAffinityFilter, ServerGroupAffinityFilter, NUMATopologyFilter
host_subset_size = 10
weight_classes = nova.scheduler.weights.all_weighers
tracks_instance_changes = True

[quota]
cores = 20
injected_file_content_bytes = 10240
injected_file_path_length = 255
injected_files = 5
instances = 10
key_pairs = 100
max_age = 0
metadata_items = 128
ram = 51200
server_group_members = 10
server_groups = 10

[upgrade_levels]
compute=auto

[pci]
# White list of PCI devices available to VMs.
passthrough_whitelist = $2

EOF
}

# An OSA systemd unit (systemd_service role) for a service of the compute host.
osa_unit() { # osa_unit NAME VENV_BIN [CONFIG_ARGS]
  cat <<EOF
# Ansible managed

[Unit]
Description=$1 service
After=syslog.target
After=network.target

[Service]
Type=simple
User=${1%%-*}
Group=${1%%-*}

ExecStart=$2/$1 ${3:-}
ExecReload=/bin/kill -HUP \$MAINPID

# Give a reasonable amount of time for the server to start up/shut down
TimeoutSec=120
Restart=on-failure
RestartSec=2

# This creates a specific slice which all services will operate from
#  The accounting options give us the ability to see resource usage through
#  the \`systemd-cgtop\` command.
Slice=${1%%-*}.slice
CPUAccounting=true
BlockIOAccounting=true
MemoryAccounting=false
TasksAccounting=true

[Install]
WantedBy=multi-user.target
EOF
}

# What OSA Rocky leaves on every host it deploys: /etc/openstack-release, from the
# openstack_hosts role (rocky-eol templates/openstack-release.j2 with the role's defaults
# openstack_distrib_id "OSA", openstack_distrib_code_name "Rocky", openstack_distrib_description
# "OpenStack-Ansible", and openstack_distrib_release = openstack_release = the OSA version,
# 18.1.6: the last Rocky tag before the lab's collection date, 2019-04-17; ansible_managed is
# Ansible's default, "Ansible managed", as OSA Rocky sets none), and a virtualenv per service,
# /openstack/venvs/<service>-<venv_tag>, venv_tag being the OSA version too (the units below
# run nova-compute and the Neutron agents from them).
osa_host_files() {
  put_text /etc/openstack-release <<'EOF'
# Ansible managed

DISTRIB_ID="OSA"
DISTRIB_RELEASE="18.1.6"
DISTRIB_CODENAME="Rocky"
DISTRIB_DESCRIPTION="OpenStack-Ansible"
EOF
  mkdir -p "$R/openstack/venvs/nova-18.1.6/bin" "$R/openstack/venvs/neutron-18.1.6/bin"
}

# ---------------------------------------------------------------------------------------
# hp02-qlogic

host_hp02() {
  R=$WORK/hp02/root
  local data=$WORK/hp02/data a i
  mkdir -p "$R" "$data"
  LINKS=()

  put /proc/sys/kernel/hostname hp02-qlogic
  put /proc/sys/kernel/osrelease 4.15.0-45-generic
  # intel_iommu=on without iommu=pt, as many 2018 guides wrote it.
  put /proc/cmdline 'BOOT_IMAGE=/vmlinuz-4.15.0-45-generic root=/dev/mapper/hp02--qlogic--vg-root ro quiet splash intel_iommu=on'
  cpuinfo 'Intel(R) Xeon(R) CPU E5-2630 v3 @ 2.40GHz' | put_text /proc/cpuinfo
  # Two DMAR units (two sockets) and 48 groups at boot; the 8 VFs got groups 48-55.
  mkdir -p "$R/sys/devices/virtual/iommu/dmar0" "$R/sys/devices/virtual/iommu/dmar1"
  lnk /sys/class/iommu/dmar0 /sys/devices/virtual/iommu/dmar0
  lnk /sys/class/iommu/dmar1 /sys/devices/virtual/iommu/dmar1
  for ((g = 0; g < 56; g++)); do mkdir -p "$R/sys/kernel/iommu_groups/$g/devices"; done

  # PCI: host bridge, the onboard 331i (tg3, 4 ports) and the 530SFP+ in slot 1.
  put /sys/devices/pci0000:00/0000:00:00.0/class 0x060000
  lnk /sys/bus/pci/devices/0000:00:00.0 /sys/devices/pci0000:00/0000:00:00.0
  for i in 0 1 2 3; do
    pci_dev 0000:02:00.$i pci0000:00/0000:00:1c.0 0x020000 0x14e4 0x1657 0x103c 0x22be 0 tg3 30
  done
  for i in 0 1; do
    pci_dev 0000:08:00.$i pci0000:00/0000:00:03.0 0x020000 0x14e4 0x168e 0x103c 0x339d 0 bnx2x $((33 + i))
  done
  sriov_pf 0000:08:00.0 pci0000:00/0000:00:03.0 64 0 16af 8 1
  sriov_pf 0000:08:00.1 pci0000:00/0000:00:03.0 64 8 16af 71 1
  for i in 0 1 2 3 4 5 6 7; do
    a=$(vf_addr 0000:08:00.1 "$i")
    # VF 1 is vm3's direct port: libvirt moved it to vfio-pci (no netdev on the host).
    pci_dev "$a" pci0000:00/0000:00:03.0 0x020000 0x14e4 0x16af 0x103c 0x339d 0 "$([ "$i" = 1 ] && echo vfio-pci || echo bnx2x)" $((48 + i))
    lnk "/sys/devices/pci0000:00/0000:00:03.0/$a/physfn" /sys/devices/pci0000:00/0000:00:03.0/0000:08:00.1
  done

  # Netdevs: ifindex 7 for ens2f1 is the seed's; VF netdevs came later, by hand (13 was
  # enp8s9f1, gone with VF 1's driver).
  netdev 0000:02:00.0 eno1 2 down - 1500 9c:b6:54:9a:3e:c8
  netdev 0000:02:00.1 eno2 3 down - 1500 9c:b6:54:9a:3e:c9
  netdev 0000:02:00.2 eno3 4 down - 1500 9c:b6:54:9a:3e:ca
  netdev 0000:02:00.3 eno4 5 down - 1500 9c:b6:54:9a:3e:cb
  netdev 0000:08:00.0 ens2f0 6 up 1 1500 40:a8:f0:2b:d8:d0 br-mgmt
  netdev 0000:08:00.1 ens2f1 7 up 1 9000 40:a8:f0:2b:d8:d4 ovs-system
  local vfidx=(12 '' 14 15 16 17 18 19)
  for i in 0 2 3 4 5 6 7; do
    netdev "$(vf_addr 0000:08:00.1 "$i")" "enp8s9$([ "$i" = 0 ] || echo "f$i")" "${vfidx[$i]}" down - 1500 00:00:00:00:00:00
  done
  vnetdev lo 1 unknown 65536 00:00:00:00:00:00
  vnetdev br-mgmt 8 up 1500 40:a8:f0:2b:d8:d0 bridge
  lnk /sys/devices/virtual/net/br-mgmt/brif/ens2f0 /sys/devices/pci0000:00/0000:00:03.0/0000:08:00.0/net/ens2f0/brport
  vnetdev ovs-system 9 down 1500 72:9b:1e:c4:5d:31
  vnetdev br-vlan 10 unknown 9000 40:a8:f0:2b:d8:d4
  vnetdev br-int 11 down 1500 ae:4f:c2:87:19:4b

  # `ip -d link show` of iproute2 4.3. The VF table is the seed's `ip link show ens2f1`.
  BR_MAC=40:a8:f0:2b:d8:d0 BR_GC=0.00 PORT_NO=1; bridge_id
  HP02_VFS=(
    '0|00:00:00:00:00:00|0|0|10000|10000|0|on|auto||'
    '1|fa:16:3e:30:1b:66|101|0|10000|10000|0|on|auto||'
    '2|00:00:00:00:00:00|0|0|10000|10000|0|on|auto||'
    '3|00:00:00:00:00:00|0|0|10000|10000|0|on|auto||'
    '4|00:00:00:00:00:00|0|0|10000|10000|0|on|auto||'
    '5|00:00:00:00:00:00|0|0|10000|10000|0|on|auto||'
    '6|00:00:00:00:00:00|0|0|10000|10000|0|on|auto||'
    '7|00:00:00:00:00:00|0|0|10000|10000|0|on|auto||'
  )
  local bc=ff:ff:ff:ff:ff:ff
  link 1 lo LOOPBACK,UP,LOWER_UP 65536 noqueue '' UNKNOWN 1000 loopback 00:00:00:00:00:00 00:00:00:00:00:00 0 '' '' 1 1 '' ''
  link 2 eno1 BROADCAST,MULTICAST 1500 noop '' DOWN 1000 ether 9c:b6:54:9a:3e:c8 $bc 0 '' '' 5 5 '' ''
  link 3 eno2 BROADCAST,MULTICAST 1500 noop '' DOWN 1000 ether 9c:b6:54:9a:3e:c9 $bc 0 '' '' 5 5 '' ''
  link 4 eno3 BROADCAST,MULTICAST 1500 noop '' DOWN 1000 ether 9c:b6:54:9a:3e:ca $bc 0 '' '' 5 5 '' ''
  link 5 eno4 BROADCAST,MULTICAST 1500 noop '' DOWN 1000 ether 9c:b6:54:9a:3e:cb $bc 0 '' '' 5 5 '' ''
  link 6 ens2f0 BROADCAST,MULTICAST,UP,LOWER_UP 1500 mq br-mgmt UP 1000 ether 40:a8:f0:2b:d8:d0 $bc 1 '' bridge 32 8 40a8f02bd8d0 none
  link 7 ens2f1 BROADCAST,MULTICAST,UP,LOWER_UP 9000 mq ovs-system UP 1000 ether 40:a8:f0:2b:d8:d4 $bc 1 '' openvswitch 32 8 40a8f02bd8d4 HP02_VFS
  link 8 br-mgmt BROADCAST,MULTICAST,UP,LOWER_UP 1500 noqueue '' UP 1000 ether 40:a8:f0:2b:d8:d0 $bc 0 bridge '' 1 1 '' ''
  link 9 ovs-system BROADCAST,MULTICAST 1500 noop '' DOWN 1000 ether 72:9b:1e:c4:5d:31 $bc 1 openvswitch '' 1 1 '' ''
  link 10 br-vlan BROADCAST,MULTICAST,UP,LOWER_UP 9000 noqueue '' UNKNOWN 1000 ether 40:a8:f0:2b:d8:d4 $bc 1 openvswitch '' 1 1 '' ''
  link 11 br-int BROADCAST,MULTICAST 1500 noop '' DOWN 1000 ether ae:4f:c2:87:19:4b $bc 1 openvswitch '' 1 1 '' ''
  for i in 0 2 3 4 5 6 7; do
    link "${vfidx[$i]}" "enp8s9$([ "$i" = 0 ] || echo "f$i")" BROADCAST,MULTICAST 1500 noop '' DOWN 1000 ether 00:00:00:00:00:00 $bc 0 '' '' 1 1 40a8f02bd8d4 ''
  done
  mkdir -p "$data/ip"
  ip_text 4.3 > "$data/ip/-d_link_show_"
  # `ip -o addr show` and the default routes: ifupdown's static address and gateway on
  # br-mgmt (a route without "proto": ifupdown adds it as proto boot); IPv6 link-local
  # addresses on every interface that is up; no IPv6 default route.
  cat > "$data/ip/-o_addr_show_" <<'EOF'
1: lo    inet 127.0.0.1/8 scope host lo\       valid_lft forever preferred_lft forever
1: lo    inet6 ::1/128 scope host \       valid_lft forever preferred_lft forever
6: ens2f0    inet6 fe80::42a8:f0ff:fe2b:d8d0/64 scope link \       valid_lft forever preferred_lft forever
7: ens2f1    inet6 fe80::42a8:f0ff:fe2b:d8d4/64 scope link \       valid_lft forever preferred_lft forever
8: br-mgmt    inet 172.29.236.16/22 brd 172.29.239.255 scope global br-mgmt\       valid_lft forever preferred_lft forever
8: br-mgmt    inet6 fe80::42a8:f0ff:fe2b:d8d0/64 scope link \       valid_lft forever preferred_lft forever
10: br-vlan    inet6 fe80::42a8:f0ff:fe2b:d8d4/64 scope link \       valid_lft forever preferred_lft forever
EOF
  printf 'default via 172.29.236.1 dev br-mgmt \n' > "$data/ip/route_show_default_"
  : > "$data/ip/-6_route_show_default_"

  # ethtool 4.5: the seed's `ethtool -i ens2f1` without the author's "<---- PCI Bus ID".
  for i in 0 1; do
    printf 'driver: bnx2x\nversion: 1.712.30-0\nfirmware-version: bc 7.14.62\nexpansion-rom-version: \nbus-info: 0000:08:00.%s\nsupports-statistics: yes\nsupports-test: yes\nsupports-eeprom-access: yes\nsupports-register-dump: yes\nsupports-priv-flags: yes\n' "$i" > "$data/ethtool-i.ens2f$i"
  done

  # lspci 3.3.1 (Ubuntu 16.04's pci.ids still says "Broadcom Corporation"); 08:00.1 keeps
  # every line of the seed, with -nn ids; the seed's "..." is filled in.
  lspci_bcm57810 0 A 32 f2800000 f2000000 f35e0000 f3880000 'Enable- Migration- Interrupt- MSE- ARIHierarchy-' 0 00 8 f3770000 f36f0000 1 \
    | with_tabs > "$data/lspci.0000:08:00.0"
  lspci_bcm57810 1 B 36 f1800000 f1000000 f35d0000 f3800000 'Enable+ Migration- Interrupt- MSE+ ARIHierarchy-' 8 01 71 f35f0000 f3570000 0 \
    | with_tabs > "$data/lspci.0000:08:00.1"

  # OpenStack configuration (OSA Rocky).
  sriov_nic_agent_ini ens2f1 | put_text /etc/neutron/plugins/ml2/sriov_nic_agent.ini
  osa_host_files
  nova_conf 172.29.236.16 '{ "physical_network":"vlan", "devname":"ens2f1" }' | put_text /etc/nova/nova.conf

  # Persistence: nothing re-creates the VFs. These are the files a stock Ubuntu 16.04 OSA
  # compute has where the collector looks.
  put_text /etc/rc.local <<'EOF'
#!/bin/sh -e
#
# rc.local
#
# This script is executed at the end of each multiuser runlevel.
# Make sure that the script will "exit 0" on success or any other
# value on error.
#
# In order to enable or disable this script just change the execution
# bits.
#
# By default this script does nothing.

exit 0
EOF
  put_text /etc/network/interfaces <<'EOF'
# This file describes the network interfaces available on your system
# and how to activate them. For more information, see interfaces(5).

source /etc/network/interfaces.d/*

# The loopback network interface
auto lo
iface lo inet loopback

# Management: br-mgmt on the first port of the 530SFP+
auto ens2f0
iface ens2f0 inet manual

auto br-mgmt
iface br-mgmt inet static
    bridge_stp off
    bridge_waitport 0
    bridge_fd 0
    bridge_ports ens2f0
    address 172.29.236.16
    netmask 255.255.252.0
    gateway 172.29.236.1
    dns-nameservers 172.29.236.1

# Provider VLANs: OVS bridge br-vlan on the second port, also the SR-IOV PF
auto br-vlan
allow-ovs br-vlan
iface br-vlan inet manual
    ovs_type OVSBridge
    ovs_ports ens2f1

allow-br-vlan ens2f1
iface ens2f1 inet manual
    ovs_bridge br-vlan
    ovs_type OVSPort
    mtu 9000
EOF
  mkdir -p "$R/etc/network/interfaces.d" "$R/etc/udev/rules.d" "$R/usr/local/bin" "$R/usr/local/sbin"
  files /lib/udev/rules.d 40-vm-hotadd.rules 50-firmware.rules 50-udev-default.rules 55-dm.rules \
    56-lvm.rules 60-block.rules 60-cdrom_id.rules 60-drm.rules 60-evdev.rules 60-persistent-alsa.rules \
    60-persistent-input.rules 60-persistent-storage-dm.rules 60-persistent-storage-tape.rules \
    60-persistent-storage.rules 60-persistent-v4l.rules 60-serial.rules \
    61-persistent-storage-android.rules 63-md-raid-arrays.rules 64-btrfs.rules \
    64-md-raid-assembly.rules 69-lvm-metad.rules 70-debian-uaccess.rules 70-mouse.rules \
    70-power-switch.rules 70-uaccess.rules 71-power-switch-proliant.rules 71-seat.rules \
    73-seat-late.rules 73-special-net-names.rules 73-usb-net-by-mac.rules \
    75-net-description.rules 75-probe_mtd.rules 78-graphics-card.rules 78-sound-card.rules \
    80-debian-compat.rules 80-drivers.rules 80-ifupdown.rules 80-net-setup-link.rules \
    85-hdparm.rules 85-hwclock.rules 85-keyboard-configuration.rules 85-regulatory.rules \
    90-console-setup.rules 95-dm-notify.rules 99-systemd.rules
  osa_unit nova-compute /openstack/venvs/nova-18.1.6/bin | put_text /etc/systemd/system/nova-compute.service
  osa_unit neutron-openvswitch-agent /openstack/venvs/neutron-18.1.6/bin \
    '--config-file /etc/neutron/neutron.conf --config-file /etc/neutron/plugins/ml2/ml2_conf.ini --config-file /etc/neutron/plugins/ml2/openvswitch_agent.ini' \
    | put_text /etc/systemd/system/neutron-openvswitch-agent.service
  osa_unit neutron-sriov-nic-agent /openstack/venvs/neutron-18.1.6/bin \
    '--config-file /etc/neutron/neutron.conf --config-file /etc/neutron/plugins/ml2/ml2_conf.ini --config-file /etc/neutron/plugins/ml2/sriov_nic_agent.ini' \
    | put_text /etc/systemd/system/neutron-sriov-nic-agent.service
  files /lib/systemd/system accounts-daemon.service acpid.service apparmor.service apport.service \
    atd.service autovt@.service bootlogd.service bootlogs.service bootmisc.service checkfs.service \
    checkroot-bootclean.service checkroot.service console-getty.service console-setup.service \
    container-getty@.service cron.service cryptdisks-early.service cryptdisks.service \
    dbus-org.freedesktop.hostname1.service dbus-org.freedesktop.locale1.service \
    dbus-org.freedesktop.login1.service dbus-org.freedesktop.network1.service \
    dbus-org.freedesktop.resolve1.service dbus-org.freedesktop.timedate1.service dbus.service \
    debug-shell.service emergency.service friendly-recovery.service getty-static.service \
    getty@.service halt.service hostname.service hwclock.service ifup@.service \
    initrd-cleanup.service initrd-parse-etc.service initrd-switch-root.service \
    initrd-udevadm-cleanup-db.service irqbalance.service iscsid.service keyboard-setup.service \
    killprocs.service kmod-static-nodes.service kmod.service libvirt-bin.service \
    libvirt-guests.service lvm2-lvmetad.service lvm2-lvmpolld.service lvm2-monitor.service \
    lvm2-pvscan@.service lxcfs.service lxd-containers.service lxd.service mdadm-grow-continue@.service \
    mdadm-last-resort@.service mdadm.service mdmonitor.service motd.service mountall-bootclean.service \
    mountall.service mountdevsubfs.service mountkernfs.service mountnfs-bootclean.service \
    mountnfs.service networking.service ntp.service ondemand.service open-iscsi.service \
    openvswitch-switch.service openvswitch-testcontroller.service plymouth-halt.service \
    plymouth-kexec.service plymouth-poweroff.service plymouth-quit-wait.service plymouth-quit.service \
    plymouth-read-write.service plymouth-reboot.service plymouth-start.service \
    plymouth-switch-root.service polkitd.service poweroff.service procps.service qemu-kvm.service \
    quotaon.service rc-local.service rc.service rcS.service reboot.service rescue.service \
    resolvconf.service rmnologin.service rsync.service rsyslog.service screen-cleanup.service \
    sendsigs.service serial-getty@.service setvtrgb.service snapd.autoimport.service \
    snapd.service ssh.service ssh@.service sudo.service systemd-ask-password-console.service \
    systemd-ask-password-wall.service systemd-backlight@.service systemd-binfmt.service \
    systemd-exit.service systemd-fsck-root.service systemd-fsck@.service systemd-halt.service \
    systemd-hibernate-resume@.service systemd-hibernate.service systemd-hostnamed.service \
    systemd-hwdb-update.service systemd-hybrid-sleep.service systemd-initctl.service \
    systemd-journal-flush.service systemd-journald.service systemd-kexec.service \
    systemd-localed.service systemd-logind.service systemd-machine-id-commit.service \
    systemd-modules-load.service systemd-networkd-wait-online.service systemd-networkd.service \
    systemd-poweroff.service systemd-quotacheck.service systemd-random-seed.service \
    systemd-reboot.service systemd-remount-fs.service systemd-resolved.service \
    systemd-rfkill.service systemd-suspend.service systemd-sysctl.service \
    systemd-timedated.service systemd-timesyncd.service systemd-tmpfiles-clean.service \
    systemd-tmpfiles-setup-dev.service systemd-tmpfiles-setup.service \
    systemd-udev-trigger.service systemd-udevd.service systemd-update-utmp-runlevel.service \
    systemd-update-utmp.service systemd-user-sessions.service udev.service \
    ufw.service umountfs.service umountnfs.service umountroot.service unattended-upgrades.service \
    urandom.service user@.service uuidd.service virtlockd.service virtlogd.service x11-common.service
  files /etc/modprobe.d blacklist-ath_pci.conf blacklist.conf blacklist-firewire.conf \
    blacklist-framebuffer.conf blacklist-rare-network.conf blacklist-watchdog.conf iwlwifi.conf \
    mlx4.conf qemu-system-x86.conf

  tools "$WORK/hp02/bin" "$data" 2019-04-17T09:12:44Z 4.3
}

# lspci_bcm57810 FN PIN IRQ BAR0 BAR2 BAR4 ROM IOVCTL NUMVFS FDL OFFSET VFBAR0 VFBAR4 NEXTFN
lspci_bcm57810() {
  cat <<EOF
08:00.$1 Ethernet controller [0200]: Broadcom Corporation NetXtreme II BCM57810 10 Gigabit Ethernet [14e4:168e] (rev 10)
\tSubsystem: Hewlett-Packard Company Ethernet 10Gb 2-port 530SFP+ Adapter [103c:339d]
\tPhysical Slot: 1
\tControl: I/O- Mem+ BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr+ Stepping- SERR+ FastB2B- DisINTx+
\tStatus: Cap+ 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- >SERR- <PERR- INTx-
\tLatency: 0, Cache Line Size: 64 bytes
\tInterrupt: pin $2 routed to IRQ $3
\tRegion 0: Memory at $4 (64-bit, prefetchable) [size=8M]
\tRegion 2: Memory at $5 (64-bit, prefetchable) [size=8M]
\tRegion 4: Memory at $6 (64-bit, prefetchable) [size=64K]
\tExpansion ROM at $7 [disabled] [size=512K]
\tCapabilities: [48] Power Management version 3
\t\tFlags: PMEClk- DSI- D1- D2- AuxCurrent=0mA PME(D0+,D1-,D2-,D3hot+,D3cold+)
\t\tStatus: D0 NoSoftRst+ PME-Enable- DSel=0 DScale=1 PME-
\tCapabilities: [50] Vital Product Data
\t\tProduct Name: HP Ethernet 10Gb 2-port 530SFP+ Adapter
\t\tRead-only fields:
\t\t\t[PN] Part number: 656244-001
\t\t\t[EC] Engineering changes: A-5420
\t\t\t[MN] Manufacture ID: 31 30 33 43
\t\t\t[V0] Vendor specific: 12W PCIeGen2
\t\t\t[V1] Vendor specific: 7.14.62
\t\t\t[V3] Vendor specific: 7.14.18
\t\t\t[V5] Vendor specific: 0A
\t\t\t[V6] Vendor specific: 7.14.12
\t\t\t[V7] Vendor specific: 530SFP+
\t\t\t[V2] Vendor specific: 5420
\t\t\t[V4] Vendor specific: 40A8F02BD8D0
\t\t\t[SN] Serial number: MY54200A7K
\t\t\t[RV] Reserved: checksum good, 0 byte(s) reserved
\t\tEnd
\tCapabilities: [58] MSI: Enable- Count=1/8 Maskable- 64bit+
\t\tAddress: 0000000000000000  Data: 0000
\tCapabilities: [a0] MSI-X: Enable+ Count=32 Masked-
\t\tVector table: BAR=4 offset=00000000
\t\tPBA: BAR=4 offset=00001000
\tCapabilities: [ac] Express (v2) Endpoint, MSI 00
\t\tDevCap:\tMaxPayload 512 bytes, PhantFunc 0, Latency L0s <4us, L1 <64us
\t\t\tExtTag+ AttnBtn- AttnInd- PwrInd- RBE+ FLReset+ SlotPowerLimit 25.000W
\t\tDevCtl:\tReport errors: Correctable- Non-Fatal+ Fatal+ Unsupported-
\t\t\tRlxdOrd+ ExtTag+ PhantFunc- AuxPwr- NoSnoop+ FLReset-
\t\t\tMaxPayload 256 bytes, MaxReadReq 4096 bytes
\t\tDevSta:\tCorrErr+ UncorrErr- FatalErr- UnsuppReq+ AuxPwr+ TransPend-
\t\tLnkCap:\tPort #0, Speed 5GT/s, Width x8, ASPM L0s L1, Exit Latency L0s <1us, L1 <2us
\t\t\tClockPM+ Surprise- LLActRep- BwNot- ASPMOptComp-
\t\tLnkCtl:\tASPM Disabled; RCB 64 bytes Disabled- CommClk+
\t\t\tExtSynch- ClockPM- AutWidDis- BWInt- AutBWInt-
\t\tLnkSta:\tSpeed 5GT/s, Width x8, TrErr- Train- SlotClk+ DLActive- BWMgmt- ABWMgmt-
\t\tDevCap2: Completion Timeout: Range ABCD, TimeoutDis+, LTR-, OBFF Not Supported
\t\tDevCtl2: Completion Timeout: 50us to 50ms, TimeoutDis-, LTR-, OBFF Disabled
\t\tLnkCtl2: Target Link Speed: 5GT/s, EnterCompliance- SpeedDis-
\t\t\t Transmit Margin: Normal Operating Range, EnterModifiedCompliance- ComplianceSOS-
\t\t\t Compliance De-emphasis: -6dB
\t\tLnkSta2: Current De-emphasis Level: -6dB, EqualizationComplete-, EqualizationPhase1-
\t\t\t EqualizationPhase2-, EqualizationPhase3-, LinkEqualizationRequest-
\tCapabilities: [100 v1] Advanced Error Reporting
\t\tUESta:\tDLP- SDES- TLP- FCP- CmpltTO- CmpltAbrt- UnxCmplt- RxOF- MalfTLP- ECRC- UnsupReq- ACSViol-
\t\tUEMsk:\tDLP- SDES- TLP- FCP- CmpltTO- CmpltAbrt- UnxCmplt- RxOF- MalfTLP- ECRC- UnsupReq- ACSViol-
\t\tUESvrt:\tDLP+ SDES+ TLP- FCP+ CmpltTO- CmpltAbrt- UnxCmplt- RxOF+ MalfTLP+ ECRC- UnsupReq- ACSViol-
\t\tCESta:\tRxErr- BadTLP- BadDLLP- Rollover- Timeout- NonFatalErr+
\t\tCEMsk:\tRxErr- BadTLP- BadDLLP- Rollover- Timeout- NonFatalErr+
\t\tAERCap:\tFirst Error Pointer: 00, GenCap+ CGenEn- ChkCap+ ChkEn-
\tCapabilities: [13c v1] Device Serial Number 40-a8-f0-ff-fe-2b-d8-d0
\tCapabilities: [150 v1] Power Budgeting <?>
\tCapabilities: [160 v1] Virtual Channel
\t\tCaps:\tLPEVC=0 RefClk=100ns PATEntryBits=1
\t\tArb:\tFixed- WRR32- WRR64- WRR128-
\t\tCtrl:\tArbSelect=Fixed
\t\tStatus:\tInProgress-
\t\tVC0:\tCaps:\tPATOffset=00 MaxTimeSlots=1 RejSnoopTrans-
\t\t\tArb:\tFixed- WRR32- WRR64- WRR128- TWRR128- WRR256-
\t\t\tCtrl:\tEnable+ ID=0 ArbSelect=Fixed TC/VC=ff
\t\t\tStatus:\tNegoPending- InProgress-
\tCapabilities: [1b8 v1] Alternative Routing-ID Interpretation (ARI)
\t\tARICap:\tMFVC- ACS-, Next Function: ${14}
\t\tARICtl:\tMFVC- ACS-, Function Group: 0
\tCapabilities: [1c0 v1] Single Root I/O Virtualization (SR-IOV)
\t\tIOVCap:\tMigration-, Interrupt Message Number: 000
\t\tIOVCtl:\t$8
\t\tIOVSta:\tMigration-
\t\tInitial VFs: 64, Total VFs: 64, Number of VFs: $9, Function Dependency Link: ${10}
\t\tVF offset: ${11}, stride: 1, Device ID: 16af
\t\tSupported Page Size: 000005ff, System Page Size: 00000001
\t\tRegion 0: Memory at 00000000${12} (64-bit, prefetchable)
\t\tRegion 4: Memory at 00000000${13} (64-bit, prefetchable)
\t\tVF Migration: offset: 00000000, BIR: 0
\tCapabilities: [220 v1] #15
\tKernel driver in use: bnx2x
\tKernel modules: bnx2x
EOF
}

# ---------------------------------------------------------------------------------------
# hp03-2x520

host_hp03() {
  R=$WORK/hp03/root
  local data=$WORK/hp03/data a i g
  mkdir -p "$R" "$data"
  LINKS=()

  put /proc/sys/kernel/hostname hp03-2x520
  put /proc/sys/kernel/osrelease 4.15.0-45-generic
  put /proc/cmdline 'BOOT_IMAGE=/vmlinuz-4.15.0-45-generic root=/dev/mapper/hp03--2x520--vg-root ro quiet splash intel_iommu=on iommu=pt'
  cpuinfo 'Intel(R) Xeon(R) CPU E5-2630 v3 @ 2.40GHz' | put_text /proc/cpuinfo
  # Two DMAR units (two sockets) and 48 groups at boot; the 8 VFs got groups 48-55.
  mkdir -p "$R/sys/devices/virtual/iommu/dmar0" "$R/sys/devices/virtual/iommu/dmar1"
  lnk /sys/class/iommu/dmar0 /sys/devices/virtual/iommu/dmar0
  lnk /sys/class/iommu/dmar1 /sys/devices/virtual/iommu/dmar1
  for ((g = 0; g < 56; g++)); do mkdir -p "$R/sys/kernel/iommu_groups/$g/devices"; done

  put /sys/devices/pci0000:00/0000:00:00.0/class 0x060000
  lnk /sys/bus/pci/devices/0000:00:00.0 /sys/devices/pci0000:00/0000:00:00.0
  # The 331i's four functions share a group (no ACS between them); the 82599's functions
  # are split by the kernel's multi-function ACS quirk.
  for i in 0 1 2 3; do
    pci_dev 0000:02:00.$i pci0000:00/0000:00:1c.0 0x020000 0x14e4 0x1657 0x103c 0x22be 0 tg3 30
  done
  pci_dev 0000:04:00.0 pci0000:00/0000:00:02.0 0x020000 0x8086 0x10fb 0x103c 0x17d3 0 ixgbe 33
  pci_dev 0000:04:00.1 pci0000:00/0000:00:02.0 0x020000 0x8086 0x10fb 0x103c 0x17d3 0 ixgbe 34
  sriov_pf 0000:04:00.0 pci0000:00/0000:00:02.0 63 8 10ed 128 2
  sriov_pf 0000:04:00.1 pci0000:00/0000:00:02.0 63 0 10ed 128 2
  for i in 0 1 2 3 4 5 6 7; do
    a=$(vf_addr 0000:04:00.0 "$i")
    pci_dev "$a" pci0000:00/0000:00:02.0 0x020000 0x8086 0x10ed 0x103c 0x17d3 0 ixgbevf $((48 + i))
    lnk "/sys/devices/pci0000:00/0000:00:02.0/$a/physfn" /sys/devices/pci0000:00/0000:00:02.0/0000:04:00.0
  done

  # ixgbevf netdevs, named by slot/function (enp4s16, enp4s16f2, ...); down, random MACs.
  local vfmac=(ce:4b:93:1e:52:a7 5e:a2:71:c9:3d:18 26:7f:e0:b4:88:3c a2:19:5d:6e:f4:c1
               7a:d3:2c:95:61:e6 f6:8e:47:13:ba:5d 3a:c5:91:d8:27:74 b6:60:1f:a2:cd:89)
  local vfname=(enp4s16 enp4s16f2 enp4s16f4 enp4s16f6 enp4s17 enp4s17f2 enp4s17f4 enp4s17f6)
  netdev 0000:02:00.0 eno1 2 down - 1500 9c:dc:71:4e:2a:60
  netdev 0000:02:00.1 eno2 3 down - 1500 9c:dc:71:4e:2a:61
  netdev 0000:02:00.2 eno3 4 down - 1500 9c:dc:71:4e:2a:62
  netdev 0000:02:00.3 eno4 5 down - 1500 9c:dc:71:4e:2a:63
  netdev 0000:04:00.0 ens1f0 6 up 1 9000 38:ea:a7:8c:2f:10 ovs-system
  netdev 0000:04:00.1 ens1f1 7 up 1 1500 38:ea:a7:8c:2f:11 br-mgmt
  for i in 0 1 2 3 4 5 6 7; do
    netdev "$(vf_addr 0000:04:00.0 "$i")" "${vfname[$i]}" $((12 + i)) down - 1500 "${vfmac[$i]}"
  done
  vnetdev lo 1 unknown 65536 00:00:00:00:00:00
  vnetdev br-mgmt 8 up 1500 38:ea:a7:8c:2f:11 bridge
  lnk /sys/devices/virtual/net/br-mgmt/brif/ens1f1 /sys/devices/pci0000:00/0000:00:02.0/0000:04:00.1/net/ens1f1/brport
  vnetdev ovs-system 9 down 1500 d6:2f:84:6a:13:e9
  vnetdev br-vlan 10 down 9000 38:ea:a7:8c:2f:10
  vnetdev br-int 11 down 1500 4e:b1:35:d9:72:0c

  # iproute2 4.15. ixgbe reports trust and query_rss, and no rate unless one is set; the
  # VFs' own MACs are not in the PF's table until they are brought up.
  BR_MAC=38:ea:a7:8c:2f:11 BR_GC=117.84 PORT_NO=1; bridge_id
  HP03_VFS=()
  for i in 0 1 2 3 4 5 6 7; do HP03_VFS+=("$i|00:00:00:00:00:00|0|0|0|0|0|on|auto|off|off"); done
  local bc=ff:ff:ff:ff:ff:ff
  link 1 lo LOOPBACK,UP,LOWER_UP 65536 noqueue '' UNKNOWN 1000 loopback 00:00:00:00:00:00 00:00:00:00:00:00 0 '' '' 1 1 '' ''
  link 2 eno1 BROADCAST,MULTICAST 1500 noop '' DOWN 1000 ether 9c:dc:71:4e:2a:60 $bc 0 '' '' 5 5 '' ''
  link 3 eno2 BROADCAST,MULTICAST 1500 noop '' DOWN 1000 ether 9c:dc:71:4e:2a:61 $bc 0 '' '' 5 5 '' ''
  link 4 eno3 BROADCAST,MULTICAST 1500 noop '' DOWN 1000 ether 9c:dc:71:4e:2a:62 $bc 0 '' '' 5 5 '' ''
  link 5 eno4 BROADCAST,MULTICAST 1500 noop '' DOWN 1000 ether 9c:dc:71:4e:2a:63 $bc 0 '' '' 5 5 '' ''
  link 6 ens1f0 BROADCAST,MULTICAST,UP,LOWER_UP 9000 mq ovs-system UP 1000 ether 38:ea:a7:8c:2f:10 $bc 1 '' openvswitch 64 64 '' HP03_VFS
  link 7 ens1f1 BROADCAST,MULTICAST,UP,LOWER_UP 1500 mq br-mgmt UP 1000 ether 38:ea:a7:8c:2f:11 $bc 1 '' bridge 64 64 '' none none
  link 8 br-mgmt BROADCAST,MULTICAST,UP,LOWER_UP 1500 noqueue '' UP 1000 ether 38:ea:a7:8c:2f:11 $bc 0 bridge '' 1 1 '' ''
  link 9 ovs-system BROADCAST,MULTICAST 1500 noop '' DOWN 1000 ether d6:2f:84:6a:13:e9 $bc 1 openvswitch '' 1 1 '' ''
  link 10 br-vlan BROADCAST,MULTICAST 9000 noop '' DOWN 1000 ether 38:ea:a7:8c:2f:10 $bc 1 openvswitch '' 1 1 '' ''
  link 11 br-int BROADCAST,MULTICAST 1500 noop '' DOWN 1000 ether 4e:b1:35:d9:72:0c $bc 1 openvswitch '' 1 1 '' ''
  for i in 0 1 2 3 4 5 6 7; do
    link $((12 + i)) "${vfname[$i]}" BROADCAST,MULTICAST 1500 noop '' DOWN 1000 ether "${vfmac[$i]}" $bc 0 '' '' 8 8 '' ''
  done
  mkdir -p "$data/ip"
  ip_text 4.15 > "$data/ip/-d_link_show_"
  ip_json "$data/ip/-j_-d_link_show_"
  # networkd (netplan): static address and route (proto static) on br-mgmt; the bridge
  # member ens1f1 has no IPv6 (LinkLocalAddressing=no); no IPv6 default route.
  cat > "$data/ip/-o_addr_show_" <<'EOF'
1: lo    inet 127.0.0.1/8 scope host lo\       valid_lft forever preferred_lft forever
1: lo    inet6 ::1/128 scope host \       valid_lft forever preferred_lft forever
6: ens1f0    inet6 fe80::3aea:a7ff:fe8c:2f10/64 scope link \       valid_lft forever preferred_lft forever
8: br-mgmt    inet 172.29.236.18/22 brd 172.29.239.255 scope global br-mgmt\       valid_lft forever preferred_lft forever
8: br-mgmt    inet6 fe80::3aea:a7ff:fe8c:2f11/64 scope link \       valid_lft forever preferred_lft forever
EOF
  printf 'default via 172.29.236.1 dev br-mgmt proto static \n' > "$data/ip/route_show_default_"
  : > "$data/ip/-6_route_show_default_"

  for i in 0 1; do
    printf 'driver: ixgbe\nversion: 5.1.0-k\nfirmware-version: 0x800004d8, 1.1618.0\nexpansion-rom-version: \nbus-info: 0000:04:00.%s\nsupports-statistics: yes\nsupports-test: yes\nsupports-eeprom-access: yes\nsupports-register-dump: yes\nsupports-priv-flags: yes\n' "$i" > "$data/ethtool-i.ens1f$i"
  done
  lspci_82599 0 A 32 96100000 2020 96204000 96280000 'Enable+ Migration- Interrupt- MSE+ ARIHierarchy+' 8 00 96400000 96500000 1 \
    | with_tabs > "$data/lspci.0000:04:00.0"
  lspci_82599 1 B 37 96000000 2000 96200000 96300000 'Enable- Migration- Interrupt- MSE- ARIHierarchy-' 0 01 96600000 96700000 0 \
    | with_tabs > "$data/lspci.0000:04:00.1"

  sriov_nic_agent_ini ens1f0 | put_text /etc/neutron/plugins/ml2/sriov_nic_agent.ini
  osa_host_files
  # The lab's mistake: user_variables.yml's whitelist (ens2f1) beat this host's own.
  nova_conf 172.29.236.18 '{ "physical_network":"vlan", "devname":"ens2f1" }' | put_text /etc/nova/nova.conf

  # Persistence: the operator's rc.local (Ubuntu 18.04 ships none; systemd's
  # rc-local.service runs it when it exists and is executable).
  put_text /etc/rc.local <<'EOF'
#!/bin/sh -e
#
# rc.local
#
# This script is executed at the end of each multiuser runlevel.
# Make sure that the script will "exit 0" on success or any other
# value on error.
#
# In order to enable or disable this script just change the execution
# bits.
#
# By default this script does nothing.

echo 8 > /sys/class/net/ens1f0/device/sriov_numvfs

exit 0
EOF
  chmod 755 "$R/etc/rc.local"
  put_text /etc/netplan/01-netcfg.yaml <<'EOF'
# This file describes the network interfaces available on your system
# For more information, see netplan(5).
network:
  version: 2
  renderer: networkd
  ethernets:
    ens1f0:
      mtu: 9000
    ens1f1: {}
  bridges:
    br-mgmt:
      interfaces: [ens1f1]
      addresses: [172.29.236.18/22]
      gateway4: 172.29.236.1
      nameservers:
        addresses: [172.29.236.1]
      parameters:
        stp: false
        forward-delay: 0
EOF
  mkdir -p "$R/etc/udev/rules.d" "$R/usr/local/bin" "$R/usr/local/sbin"
  files /lib/udev/rules.d 40-vm-hotadd.rules 50-firmware.rules 50-udev-default.rules 55-dm.rules \
    56-lvm.rules 60-block.rules 60-cdrom_id.rules 60-drm.rules 60-evdev.rules 60-input-id.rules \
    60-persistent-alsa.rules 60-persistent-input.rules 60-persistent-storage-dm.rules \
    60-persistent-storage-tape.rules 60-persistent-storage.rules 60-persistent-v4l.rules \
    60-sensor.rules 60-serial.rules 61-persistent-storage-android.rules 63-md-raid-arrays.rules \
    64-btrfs.rules 64-md-raid-assembly.rules 66-snapd-autoimport.rules 69-lvm-metad.rules \
    70-joystick.rules 70-mouse.rules 70-power-switch.rules 70-touchpad.rules 70-uaccess.rules \
    71-power-switch-proliant.rules 71-seat.rules 73-seat-late.rules 73-special-net-names.rules \
    73-usb-net-by-mac.rules 75-net-description.rules 75-probe_mtd.rules 78-sound-card.rules \
    80-debian-compat.rules 80-drivers.rules 80-net-setup-link.rules 85-hdparm.rules \
    85-regulatory.rules 90-console-setup.rules 95-dm-notify.rules 99-systemd.rules
  osa_unit nova-compute /openstack/venvs/nova-18.1.6/bin | put_text /etc/systemd/system/nova-compute.service
  osa_unit neutron-openvswitch-agent /openstack/venvs/neutron-18.1.6/bin \
    '--config-file /etc/neutron/neutron.conf --config-file /etc/neutron/plugins/ml2/ml2_conf.ini --config-file /etc/neutron/plugins/ml2/openvswitch_agent.ini' \
    | put_text /etc/systemd/system/neutron-openvswitch-agent.service
  osa_unit neutron-sriov-nic-agent /openstack/venvs/neutron-18.1.6/bin \
    '--config-file /etc/neutron/neutron.conf --config-file /etc/neutron/plugins/ml2/ml2_conf.ini --config-file /etc/neutron/plugins/ml2/sriov_nic_agent.ini' \
    | put_text /etc/systemd/system/neutron-sriov-nic-agent.service
  files /lib/systemd/system accounts-daemon.service apparmor.service apport-autoreport.service \
    apport-forward@.service apport.service apt-daily-upgrade.service apt-daily.service atd.service \
    autovt@.service blk-availability.service cloud-config.service cloud-final.service \
    cloud-init-local.service cloud-init.service console-getty.service console-setup.service \
    container-getty@.service cron.service cryptdisks-early.service cryptdisks.service \
    dbus-org.freedesktop.hostname1.service dbus-org.freedesktop.locale1.service \
    dbus-org.freedesktop.login1.service dbus-org.freedesktop.timedate1.service dbus.service \
    debug-shell.service dm-event.service ebtables.service emergency.service friendly-recovery.service \
    fstrim.service getty-static.service getty@.service hwclock.service initrd-cleanup.service \
    initrd-parse-etc.service initrd-switch-root.service initrd-udevadm-cleanup-db.service \
    irqbalance.service iscsid.service keyboard-setup.service kmod-static-nodes.service kmod.service \
    libvirt-guests.service libvirtd.service lvm2-lvmetad.service lvm2-lvmpolld.service \
    lvm2-monitor.service lvm2-pvscan@.service lxcfs.service lxd-containers.service lxd.service \
    mdadm-grow-continue@.service mdadm-last-resort@.service mdadm-waitidle.service \
    mdcheck_continue.service mdcheck_start.service mdmonitor-oneshot.service mdmonitor.service \
    motd-news.service netplan-wpa@.service networkd-dispatcher.service ntp.service \
    open-iscsi.service openvswitch-switch.service ovs-vswitchd.service ovsdb-server.service \
    plymouth-halt.service plymouth-kexec.service plymouth-poweroff.service \
    plymouth-quit-wait.service plymouth-quit.service plymouth-read-write.service \
    plymouth-reboot.service plymouth-start.service plymouth-switch-root.service polkit.service \
    pollinate.service qemu-kvm.service quotaon.service rc-local.service rescue.service \
    rsync.service rsyslog.service screen-cleanup.service serial-getty@.service setvtrgb.service \
    snapd.autoimport.service snapd.core-fixup.service snapd.failure.service snapd.seeded.service \
    snapd.service snapd.snap-repair.service ssh.service ssh@.service \
    systemd-ask-password-console.service systemd-ask-password-wall.service \
    systemd-backlight@.service systemd-binfmt.service systemd-exit.service systemd-fsck-root.service \
    systemd-fsck@.service systemd-fsckd.service systemd-halt.service \
    systemd-hibernate-resume@.service systemd-hibernate.service systemd-hostnamed.service \
    systemd-hwdb-update.service systemd-hybrid-sleep.service systemd-initctl.service \
    systemd-journal-flush.service systemd-journald.service systemd-kexec.service \
    systemd-localed.service systemd-logind.service systemd-machine-id-commit.service \
    systemd-modules-load.service systemd-networkd-wait-online.service systemd-networkd.service \
    systemd-poweroff.service systemd-quotacheck.service systemd-random-seed.service \
    systemd-reboot.service systemd-remount-fs.service systemd-resolved.service \
    systemd-rfkill.service systemd-suspend-then-hibernate.service systemd-suspend.service \
    systemd-sysctl.service systemd-timedated.service systemd-timesyncd.service \
    systemd-tmpfiles-clean.service systemd-tmpfiles-setup-dev.service \
    systemd-tmpfiles-setup.service systemd-udev-settle.service systemd-udev-trigger.service \
    systemd-udevd.service systemd-update-utmp-runlevel.service systemd-update-utmp.service \
    systemd-user-sessions.service ufw.service unattended-upgrades.service user@.service \
    uuidd.service virtlockd.service virtlogd.service
  files /etc/modprobe.d amd64-microcode-blacklist.conf blacklist-ath_pci.conf blacklist.conf \
    blacklist-firewire.conf blacklist-framebuffer.conf blacklist-rare-network.conf \
    blacklist-watchdog.conf intel-microcode-blacklist.conf iwlwifi.conf mdadm.conf \
    qemu-system-x86.conf

  tools "$WORK/hp03/bin" "$data" 2019-04-17T09:14:03Z 4.15
}

# lspci_82599 FN PIN IRQ BAR0 IOPORT BAR4 ROM IOVCTL NUMVFS FDL VFBAR0 VFBAR3 NEXTFN
# (pciutils 3.5.2: prints the NUMA node).
lspci_82599() {
  cat <<EOF
04:00.$1 Ethernet controller [0200]: Intel Corporation 82599ES 10-Gigabit SFI/SFP+ Network Connection [8086:10fb] (rev 01)
\tSubsystem: Hewlett-Packard Company Ethernet 10Gb 2-port 560SFP+ Adapter [103c:17d3]
\tPhysical Slot: 1
\tControl: I/O+ Mem+ BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr+ Stepping- SERR+ FastB2B- DisINTx+
\tStatus: Cap+ 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- >SERR- <PERR- INTx-
\tLatency: 0, Cache Line Size: 64 bytes
\tInterrupt: pin $2 routed to IRQ $3
\tNUMA node: 0
\tRegion 0: Memory at $4 (64-bit, non-prefetchable) [size=1M]
\tRegion 2: I/O ports at $5 [size=32]
\tRegion 4: Memory at $6 (64-bit, non-prefetchable) [size=16K]
\tExpansion ROM at $7 [disabled] [size=512K]
\tCapabilities: [40] Power Management version 3
\t\tFlags: PMEClk- DSI+ D1- D2- AuxCurrent=0mA PME(D0+,D1-,D2-,D3hot+,D3cold-)
\t\tStatus: D0 NoSoftRst- PME-Enable- DSel=0 DScale=1 PME-
\tCapabilities: [50] MSI: Enable- Count=1/1 Maskable+ 64bit+
\t\tAddress: 0000000000000000  Data: 0000
\t\tMasking: 00000000  Pending: 00000000
\tCapabilities: [70] MSI-X: Enable+ Count=64 Masked-
\t\tVector table: BAR=4 offset=00000000
\t\tPBA: BAR=4 offset=00002000
\tCapabilities: [a0] Express (v2) Endpoint, MSI 00
\t\tDevCap:\tMaxPayload 512 bytes, PhantFunc 0, Latency L0s <512ns, L1 <64us
\t\t\tExtTag- AttnBtn- AttnInd- PwrInd- RBE+ FLReset+ SlotPowerLimit 25.000W
\t\tDevCtl:\tReport errors: Correctable- Non-Fatal+ Fatal+ Unsupported-
\t\t\tRlxdOrd- ExtTag- PhantFunc- AuxPwr- NoSnoop+ FLReset-
\t\t\tMaxPayload 256 bytes, MaxReadReq 4096 bytes
\t\tDevSta:\tCorrErr+ UncorrErr- FatalErr- UnsuppReq+ AuxPwr- TransPend-
\t\tLnkCap:\tPort #0, Speed 5GT/s, Width x8, ASPM L0s, Exit Latency L0s <1us, L1 <8us
\t\t\tClockPM- Surprise- LLActRep- BwNot- ASPMOptComp-
\t\tLnkCtl:\tASPM Disabled; RCB 64 bytes Disabled- CommClk+
\t\t\tExtSynch- ClockPM- AutWidDis- BWInt- AutBWInt-
\t\tLnkSta:\tSpeed 5GT/s, Width x8, TrErr- Train- SlotClk+ DLActive- BWMgmt- ABWMgmt-
\t\tDevCap2: Completion Timeout: Range ABCD, TimeoutDis+, LTR-, OBFF Not Supported
\t\tDevCtl2: Completion Timeout: 50us to 50ms, TimeoutDis-, LTR-, OBFF Disabled
\t\tLnkCtl2: Target Link Speed: 5GT/s, EnterCompliance- SpeedDis-
\t\t\t Transmit Margin: Normal Operating Range, EnterModifiedCompliance- ComplianceSOS-
\t\t\t Compliance De-emphasis: -6dB
\t\tLnkSta2: Current De-emphasis Level: -6dB, EqualizationComplete-, EqualizationPhase1-
\t\t\t EqualizationPhase2-, EqualizationPhase3-, LinkEqualizationRequest-
\tCapabilities: [e0] Vital Product Data
\t\tProduct Name: HP Ethernet 10Gb 2-port 560SFP+ Adapter
\t\tRead-only fields:
\t\t\t[PN] Part number: 669279-001
\t\t\t[EC] Engineering changes: A-5444
\t\t\t[SN] Serial number: MYI5444B9R
\t\t\t[V0] Vendor specific: 11W PCIeGen2
\t\t\t[V2] Vendor specific: 5444
\t\t\t[V4] Vendor specific: 38EAA78C2F10
\t\t\t[V5] Vendor specific: 0A
\t\t\t[RV] Reserved: checksum good, 0 byte(s) reserved
\t\tRead/write fields:
\t\t\t[V1] Vendor specific: 4.8.13
\t\t\t[V3] Vendor specific: 3.0.0
\t\t\t[V6] Vendor specific: 2.3.3
\t\t\t[YA] Asset tag: N/A
\t\t\t[RW] Read-write area: 205 byte(s) free
\t\tEnd
\tCapabilities: [100 v1] Advanced Error Reporting
\t\tUESta:\tDLP- SDES- TLP- FCP- CmpltTO- CmpltAbrt- UnxCmplt- RxOF- MalfTLP- ECRC- UnsupReq- ACSViol-
\t\tUEMsk:\tDLP- SDES- TLP- FCP- CmpltTO- CmpltAbrt- UnxCmplt- RxOF- MalfTLP- ECRC- UnsupReq- ACSViol-
\t\tUESvrt:\tDLP+ SDES- TLP- FCP+ CmpltTO- CmpltAbrt- UnxCmplt- RxOF+ MalfTLP+ ECRC- UnsupReq- ACSViol-
\t\tCESta:\tRxErr- BadTLP- BadDLLP- Rollover- Timeout- NonFatalErr+
\t\tCEMsk:\tRxErr- BadTLP- BadDLLP- Rollover- Timeout- NonFatalErr+
\t\tAERCap:\tFirst Error Pointer: 00, GenCap+ CGenEn- ChkCap+ ChkEn-
\tCapabilities: [140 v1] Device Serial Number 38-ea-a7-ff-ff-8c-2f-10
\tCapabilities: [150 v1] Alternative Routing-ID Interpretation (ARI)
\t\tARICap:\tMFVC- ACS-, Next Function: ${13}
\t\tARICtl:\tMFVC- ACS-, Function Group: 0
\tCapabilities: [160 v1] Single Root I/O Virtualization (SR-IOV)
\t\tIOVCap:\tMigration-, Interrupt Message Number: 000
\t\tIOVCtl:\t$8
\t\tIOVSta:\tMigration-
\t\tInitial VFs: 64, Total VFs: 64, Number of VFs: $9, Function Dependency Link: ${10}
\t\tVF offset: 128, stride: 2, Device ID: 10ed
\t\tSupported Page Size: 00000553, System Page Size: 00000001
\t\tRegion 0: Memory at 00000000${11} (64-bit, prefetchable)
\t\tRegion 3: Memory at 00000000${12} (64-bit, prefetchable)
\t\tVF Migration: offset: 00000000, BIR: 0
\tKernel driver in use: ixgbe
\tKernel modules: ixgbe
EOF
}

# ---------------------------------------------------------------------------------------
# Run the collector on each host.

collect() { # collect HOST
  env -u OSA_SRIOV_TIMEOUT OSA_SRIOV_ROOT="$WORK/$1/root" PATH="$WORK/$1/bin:$PATH" \
    sh "$REPO/src/facts/collect.sh"
}

mkdir -p "$OUT"
host_hp02
host_hp03
collect hp02 > "$OUT/hp02-qlogic.snapshot"
collect hp03 > "$OUT/hp03-2x520.snapshot"
echo "wrote $OUT/hp02-qlogic.snapshot $OUT/hp03-2x520.snapshot"
