#!/bin/sh
# osa-sriov host collector: prints one snapshot of this host's SR-IOV state on stdout.
#
# POSIX sh (dash, busybox ash), read-only, needs nothing beyond coreutils; uses ip,
# ethtool, lspci when present. The output format is documented in docs/snapshot-format.md:
#   header "osa-sriov-snapshot 1", then one record per line:
#     v NAME VALUE    a one-line text file whose content is exactly "VALUE\n"
#     l NAME TARGET   a symbolic link and its target
#     n NAME ENTRY    NAME (a directory or a list) contains ENTRY
#     m NAME          NAME does not exist, or the tool is not installed
#     b NAME STATUS   raw bytes follow on "x HEX" lines (STATUS: exit code, or "timeout")
#   and a last line "end". NAMEs never contain white space; anything else is hex-encoded,
#   so binary data, a missing trailing newline or this very text cannot break the format.
#
# Environment: OSA_SRIOV_ROOT prefixes every file path (tests point it at a fake tree);
# OSA_SRIOV_TIMEOUT replaces the per-command time limits (seconds).
# Everything from config files is filtered here, on the host: from nova.conf only the
# [pci] and [filter_scheduler] sections and [DEFAULT] host; from sriov_nic_agent.ini only
# [sriov_nic]; from persistence sources only the lines that create VFs.

LC_ALL=C
export LC_ALL
R=${OSA_SRIOV_ROOT:-}
TMP=$(mktemp -d 2>/dev/null || { d=/tmp/osa-sriov.$$; mkdir -m 700 "$d" && echo "$d"; }) || exit 3
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

if command -v timeout >/dev/null 2>&1; then HAVE_TIMEOUT=1; else HAVE_TIMEOUT=0; fi

# bounded SECONDS CMD...: run CMD with a time limit when `timeout` exists.
# OSA_SRIOV_TIMEOUT (seconds) replaces every limit, for slow hosts and for tests.
bounded() {
  _s=${OSA_SRIOV_TIMEOUT:-$1}; shift
  if [ "$HAVE_TIMEOUT" = 1 ]; then timeout "$_s" "$@"; else "$@"; fi
}

# hexdump NAME STATUS FILE: a "b" record with FILE's bytes.
hexdump() {
  printf 'b %s %s\n' "$1" "$2"
  bounded 20 od -An -v -tx1 "$3" | sed 's/ //g; /^$/d; s/^/x /'
}

# attr NAME PATH: a sysfs or proc file, inline when it is one printable line.
attr() {
  if [ ! -e "$R$2" ]; then printf 'm %s\n' "$1"; return; fi
  _l1= _l2= _r1=1 _r2=0
  { IFS= read -r _l1; _r1=$?; IFS= read -r _l2; _r2=$?; } 2>/dev/null < "$R$2"
  if [ "$_r1" = 0 ] && [ "$_r2" != 0 ] && [ -z "$_l2" ]; then
    case $_l1 in
      *[![:print:]]*) ;;
      *) printf 'v %s %s\n' "$1" "$_l1"; return ;;
    esac
  fi
  if bounded 10 cat "$R$2" > "$TMP/attr" 2>/dev/null; then
    hexdump "$1" 0 "$TMP/attr"
  else
    hexdump "$1" "$?" "$TMP/attr"
  fi
}

# link NAME PATH: where a symbolic link points.
link() {
  if [ -L "$R$2" ]; then
    _t=$(readlink "$R$2" 2>/dev/null)
    case $_t in
      *[![:print:]]*|'') printf 'm %s\n' "$1" ;;
      *) printf 'l %s %s\n' "$1" "$_t" ;;
    esac
  else
    printf 'm %s\n' "$1"
  fi
}

# find_tool NAME: the first executable file NAME on PATH. Not `command -v`: a busybox shell
# built to prefer its applets answers with its own reduced `ip` even when iproute2 is there.
find_tool() {
  _o=$IFS; IFS=:
  for _d in $PATH; do
    if [ -f "$_d/$1" ] && [ -x "$_d/$1" ]; then IFS=$_o; printf '%s\n' "$_d/$1"; return 0; fi
  done
  IFS=$_o
  return 1
}

# cmd NAME SECONDS CMD...: a command's standard output, bounded in time.
cmd() {
  _n=$1 _s=$2; shift 2
  _p=$(find_tool "$1") || { printf 'm %s\n' "$_n"; return; }
  shift
  bounded "$_s" "$_p" "$@" > "$TMP/out" 2>/dev/null
  _st=$?
  # coreutils' timeout exits 124; busybox's reports the TERM it sent (128 + 15).
  if [ "$HAVE_TIMEOUT" = 1 ] && { [ "$_st" = 124 ] || [ "$_st" = 143 ]; }; then _st=timeout; fi
  hexdump "$_n" "$_st" "$TMP/out"
}

# base NAME: the last path component, without a fork.
base() { printf '%s' "${1##*/}"; }

printf 'osa-sriov-snapshot 1\n'
printf 'v meta.collector %s\n' "collect.sh 2"
printf 'v meta.date %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ 2>/dev/null)"
# Who asked for this snapshot (the fleet playbook says "ansible <controller> <inventory name>").
if [ -n "${OSA_SRIOV_ORIGIN:-}" ]; then
  printf 'v meta.origin %s\n' "$(printf '%s' "$OSA_SRIOV_ORIGIN" | LC_ALL=C tr -cd ' -~')"
fi

attr host.hostname /proc/sys/kernel/hostname
attr kernel.release /proc/sys/kernel/osrelease
attr kernel.cmdline /proc/cmdline
if [ -r "$R/proc/cpuinfo" ]; then
  bounded 10 awk -F': *' '
    /^vendor_id/ && v == "" { v = $2 }
    /^flags/ && !f { f = 1; n = split($2, w, " "); for (i = 1; i <= n; i++) if (w[i] == "vmx" || w[i] == "svm") virt = w[i] }
    END { print "vendor_id=" v; print "virtualization=" virt }' "$R/proc/cpuinfo" > "$TMP/cpu" 2>/dev/null
  hexdump cpu.info "$?" "$TMP/cpu"
else
  printf 'm cpu.info\n'
fi

# IOMMU: the units the kernel registered, and how many groups it made.
if [ -d "$R/sys/class/iommu" ]; then
  for u in "$R"/sys/class/iommu/*; do
    [ -e "$u" ] || [ -L "$u" ] || continue
    printf 'n /sys/class/iommu %s\n' "$(base "$u")"
  done
  printf 'v /sys/class/iommu present\n'
else
  printf 'm /sys/class/iommu\n'
fi
groups=0
for g in "$R"/sys/kernel/iommu_groups/*; do [ -d "$g" ] && groups=$((groups + 1)); done
printf 'v count./sys/kernel/iommu_groups %s\n' "$groups"

# PCI network devices (class 0x02xxxx), physical and virtual functions alike.
pfs=
netdevs=
masters=
for dev in "$R"/sys/bus/pci/devices/*; do
  [ -e "$dev/class" ] || continue
  IFS= read -r class 2>/dev/null < "$dev/class" || continue
  case $class in 0x02*) ;; *) continue ;; esac
  a=$(base "$dev")
  P=/sys/bus/pci/devices/$a
  printf 'n pci.net %s\n' "$a"
  for f in class vendor device subsystem_vendor subsystem_device numa_node \
           sriov_totalvfs sriov_numvfs sriov_drivers_autoprobe sriov_vf_device sriov_offset sriov_stride; do
    if [ -e "$dev/$f" ]; then attr "$P/$f" "$P/$f"; fi
  done
  for f in driver iommu_group physfn; do link "$P/$f" "$P/$f"; done
  for v in "$dev"/virtfn*; do
    [ -L "$v" ] || continue
    link "$P/$(base "$v")" "$P/$(base "$v")"
  done
  [ -e "$dev/sriov_totalvfs" ] && pfs="$pfs $a"
  # virtio puts the netdev one level down (virtio0/net/eth0). Not "*/net": physfn and
  # virtfnN are links to other functions, whose netdevs are not this device's.
  set -- "$dev"/net/*
  [ -e "$1" ] || set -- "$dev"/virtio*/net/*
  for nd in "$@"; do
    [ -e "$nd" ] || continue
    n=$(base "$nd")
    printf 'n %s/net %s\n' "$P" "$n"
    netdevs="$netdevs $n"
  done
done

# Each netdev of those devices: state, addresses, and what it is enslaved to.
for n in $netdevs; do
  N=/sys/class/net/$n
  for f in operstate carrier mtu address phys_port_name ifindex; do attr "$N/$f" "$N/$f"; done
  link "$N/master" "$N/master"
  for u in "$R$N"/upper_* "$R$N"/lower_*; do
    [ -L "$u" ] || continue
    printf 'n %s %s\n' "$N" "$(base "$u")"
  done
  if [ -L "$R$N/master" ]; then
    m=$(readlink "$R$N/master"); m=${m##*/}
    case " $masters " in *" $m "*) ;; *) masters="$masters $m" ;; esac
  fi
done
for m in $masters; do
  for k in bonding bridge; do
    [ -d "$R/sys/class/net/$m/$k" ] && printf 'n /sys/class/net/%s %s\n' "$m" "$k"
  done
done

# Tools: iproute2 (JSON when it has -j, text always), ethtool and lspci per PF.
cmd cmd.ip-d-link 10 ip -d link show
cmd cmd.ip-j-d-link 10 ip -j -d link show
# Addresses and default routes: a mapped PF (or a bond, bridge or VLAN on it) may carry the
# host's own traffic.
cmd cmd.ip-o-addr 10 ip -o addr show
cmd cmd.ip-route-default 10 ip route show default
cmd cmd.ip6-route-default 10 ip -6 route show default
for a in $pfs; do
  for nd in "$R"/sys/bus/pci/devices/"$a"/net/*; do
    [ -e "$nd" ] || continue
    n=$(base "$nd")
    cmd "cmd.ethtool-i.$n" 5 ethtool -i "$n"
  done
  cmd "cmd.lspci-vvv-nn.$a" 10 lspci -vvv -nn -s "$a"
done

# Evidence that VFs are re-created at boot: only the lines that do it, with their line
# numbers. persist KIND PATTERN GLOB...: for each existing file that matches, two records:
# persist.KIND.I.file (its path) and persist.KIND.I.lines (grep -n output).
persist() {
  _k=$1 _p=$2 _i=0 _seen=0; shift 2
  for _g in "$@"; do
    for _f in "$R"$_g; do
      [ -f "$_f" ] || continue
      _seen=$((_seen + 1))
      bounded 10 grep -n -E -e "$_p" "$_f" > "$TMP/persist" 2>/dev/null
      [ -s "$TMP/persist" ] || continue
      printf '%s' "${_f#"$R"}" > "$TMP/name"
      hexdump "persist.$_k.$_i.file" 0 "$TMP/name"
      hexdump "persist.$_k.$_i.lines" 0 "$TMP/persist"
      _i=$((_i + 1))
    done
  done
  printf 'v persist.%s.searched %s\n' "$_k" "$_seen"
}
persist udev 'sriov_numvfs' '/etc/udev/rules.d/*' '/lib/udev/rules.d/*' '/usr/lib/udev/rules.d/*'
persist systemd 'sriov_numvfs' '/etc/systemd/system/*.service' '/etc/systemd/system/*.d/*.conf' \
  '/lib/systemd/system/*.service' '/usr/lib/systemd/system/*.service'
persist scripts 'sriov_numvfs' '/etc/rc.local' '/etc/rc.d/rc.local' '/etc/network/interfaces' \
  '/etc/network/interfaces.d/*' '/etc/sysfs.conf' '/etc/sysfs.d/*' '/usr/local/bin/*' '/usr/local/sbin/*'
persist netplan 'virtual-function-count' '/etc/netplan/*.yaml' '/etc/netplan/*.yml'
persist networkmanager '^[[:space:]]*(total-vfs[[:space:]]*=|\[sriov\])' '/etc/NetworkManager/system-connections/*'
persist os-net-config 'numvfs' '/etc/os-net-config/config.json' '/etc/os-net-config/config.yaml' \
  '/var/lib/os-net-config/sriov_config.yaml'
persist modprobe '(max_vfs|num_vfs)[[:space:]]*=' '/etc/modprobe.d/*.conf'

# OpenStack configuration, filtered down to the SR-IOV sections.
# ini_sections NAME FILE SECTIONS DEFAULT_OPTS: lines of the wanted sections only.
ini_sections() {
  if [ ! -f "$R$2" ]; then printf 'm %s\n' "$1"; return; fi
  bounded 10 awk -v want="$3" -v defopts="$4" '
    BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) keep[w[i]] = 1
            n = split(defopts, d, " "); for (i = 1; i <= n; i++) dopt[d[i]] = 1 }
    /^[ \t]*\[[^]]*\][ \t]*$/ {
      s = $0; sub(/^[ \t]*\[[ \t]*/, "", s); sub(/[ \t]*\][ \t]*$/, "", s); s = tolower(s)
      if (s in keep || s == "default") print
      next
    }
    s in keep { print; next }
    s == "default" && /^[A-Za-z0-9_]+[ \t]*[=:]/ {
      o = $0; sub(/[ \t]*[=:].*/, "", o); if (o in dopt) print
    }' "$R$2" > "$TMP/ini" 2>/dev/null
  hexdump "$1" "$?" "$TMP/ini"
}
ini_sections conf.sriov_nic_agent /etc/neutron/plugins/ml2/sriov_nic_agent.ini "sriov_nic" ""
ini_sections conf.nova /etc/nova/nova.conf "pci filter_scheduler" "host"

printf 'end\n'
