#!/bin/sh
# osa-sriov host collector: prints one snapshot of this host's SR-IOV state on stdout.
#
# POSIX sh (dash, bash, busybox ash), read-only, needs nothing beyond coreutils; uses ip,
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
# OSA_SRIOV_TIMEOUT replaces the per-command and per-read time limits (seconds).
#
# Secrets: nothing is copied from a file or the kernel command line unless it is on an
# allow-list: named options of named sections of the OpenStack files, named kernel
# parameters, and of each line that re-creates VFs only the part that does it. A password
# elsewhere on such a line, or in another option of a kept section, never leaves the host.
#
# Time: every read of the host is bounded. Commands run under `timeout`; sysfs and /proc
# attributes are read by a worker that a watchdog stops when one read makes no progress for
# the time limit (an attribute can block in open()); that read is recorded as "timeout" and
# the worker goes on after it. Speed: no process per attribute, link or candidate file.

LC_ALL=C
export LC_ALL
R=${OSA_SRIOV_ROOT:-}
TMP=$(mktemp -d 2>/dev/null || { d=/tmp/osa-sriov.$$; mkdir -m 700 "$d" && echo "$d"; }) || exit 3
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
LIMIT=${OSA_SRIOV_TIMEOUT:-5}

if command -v timeout >/dev/null 2>&1; then HAVE_TIMEOUT=1; else HAVE_TIMEOUT=0; fi

# bounded SECONDS CMD...: run CMD with a time limit when `timeout` exists.
# OSA_SRIOV_TIMEOUT (seconds) replaces every limit, for slow hosts and for tests.
bounded() {
  _s=${OSA_SRIOV_TIMEOUT:-$1}; shift
  if [ "$HAVE_TIMEOUT" = 1 ]; then timeout "$_s" "$@"; else "$@"; fi
}

# hexdump NAME STATUS FILE: a "b" record with FILE's bytes (FILE is ours, in $TMP).
hexdump() {
  printf 'b %s %s\n' "$1" "$2"
  od -An -v -tx1 "$3" | sed 's/ //g; /^$/d; s/^/x /'
}

# attr NAME PATH: a sysfs or proc file, inline when it is one printable line. Called only
# by the ops worker, under its watchdog: the shell's `read` has no time limit of its own.
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

# ops_worker SKIP: runs the ops on stdin after the first SKIP: "a NAME PATH" reads an
# attribute, any other line is copied. Before each read it writes the op's number to
# $TMP/at, which the watchdog watches.
ops_worker() {
  _i=0
  while IFS= read -r _op; do
    _i=$((_i + 1))
    [ "$_i" -le "$1" ] && continue
    case $_op in
      'a '*)
        printf '%s\n' "$_i" > "$TMP/at"
        _op=${_op#a }
        attr "${_op%% *}" "${_op#* }"
        ;;
      *) printf '%s\n' "$_op" ;;
    esac
  done
}

# watchdog PID: stops PID once $TMP/at has not changed for LIMIT seconds.
watchdog() {
  trap - EXIT INT
  _sl=
  trap '[ -n "$_sl" ] && kill "$_sl" 2>/dev/null; exit 0' TERM
  _last= _same=0
  while :; do
    sleep 1 & _sl=$!
    wait "$_sl"
    _now=
    IFS= read -r _now < "$TMP/at" 2>/dev/null
    if [ "$_now" = "$_last" ]; then _same=$((_same + 1)); else _same=0 _last=$_now; fi
    if [ "$_same" -ge "$LIMIT" ]; then
      : > "$TMP/stuck"
      kill -TERM "$1" 2>/dev/null
      exit 0
    fi
  done
}

# run_ops IN OUT: the ops of IN into OUT, each read bounded by the watchdog.
run_ops() {
  _done=0
  : > "$2"
  while :; do
    rm -f "$TMP/stuck"
    printf '0\n' > "$TMP/at"
    ( trap - EXIT INT TERM; ops_worker "$_done" < "$1" >> "$2" ) &
    _w=$!
    watchdog "$_w" < /dev/null > /dev/null 2>&1 &
    _d=$!
    wait "$_w"
    kill "$_d" 2>/dev/null
    wait "$_d" 2>/dev/null
    [ -f "$TMP/stuck" ] || break
    IFS= read -r _at < "$TMP/at"
    # The read of op _at never returned: record it as timed out and go on after it.
    _j=0
    while IFS= read -r _op; do
      _j=$((_j + 1))
      [ "$_j" = "$_at" ] || continue
      _op=${_op#a }
      printf 'b %s timeout\n' "${_op%% *}" >> "$2"
      break
    done < "$1"
    _done=$_at
  done
}

# link NAME PATH: where a symbolic link points (one process; used for a few links only).
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

# lop PATH: a link op, resolved for all links at once by one `ls` (see join_links).
LINKS=
lop() {
  if [ -L "$R$1" ]; then
    printf 'L %s\n' "$1"
    LINKS="$LINKS ${1#/}"
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

# The kernel command line, reduced to the parameters the checks read (IOMMU, PCI, VFIO,
# hugepages and CPU isolation, VF counts given to drivers): iSCSI and other boot
# parameters can carry passwords. A parameter whose value is not plain is dropped too.
CMDLINE_AWK='
{ for (i = 1; i <= NF; i++) {
    w = $i; k = w; sub(/=.*/, "", k)
    if (k !~ /^(intel_iommu|amd_iommu|amd_iommu_intr|iommu|iommu\.[a-z_]+|intremap|pci|pcie_acs_override|pcie_aspm|pcie_ports|vfio|vfio[-_.][a-z0-9_.-]+|hugepages|hugepagesz|default_hugepagesz|isolcpus|nohz_full|rcu_nocbs|modprobe\.blacklist|module_blacklist|[a-z0-9_-]+\.(max_vfs|num_vfs))$/) continue
    if (w !~ /^[A-Za-z0-9_.,:=+\/@%-]+$/) continue
    out = out (out == "" ? "" : " ") w
  } }
END { print out }'

# The options of an oslo.config file that are on the allow-list ("section/option" words),
# found as oslo.config finds them: a line ends at \n, \r\n or a lone \r (Python reads text
# files with universal newlines); trailing white space is stripped; a line starting with
# white space continues the previous value and a blank line ends it; "[name]" starts a
# section whose name is compared in lowercase except DEFAULT ("[ pci ]" is not [pci]);
# the option name ends at the first "=" or ":". Printed as "[section]", "option = value"
# and "  continuation" lines, the value as written (quotes kept).
INI_AWK='
BEGIN { n = split(allow, a, /[ \t\n]+/)
        for (i = 1; i <= n; i++) if ((j = index(a[i], "/")) > 0) ok[substr(a[i], 1, j - 1), substr(a[i], j + 1)] = 1 }
function line(t,    name, co, eq, sep, key, val) {
  sub(/[ \t\r\f\v]+$/, "", t)
  if (t == "") { cont = 0; return }
  if (t ~ /^[ \t]/) { if (cont) { sub(/^[ \t]+/, "", t); print "  " t }; return }
  cont = 0
  if (substr(t, 1, 1) == "[") {
    sec = ""
    if (t ~ /\]$/ && length(t) > 2) { sec = substr(t, 2, length(t) - 2); if (sec != "DEFAULT") sec = tolower(sec) }
    return
  }
  if (t ~ /^[#;]/) return
  co = index(t, ":"); eq = index(t, "=")
  if (co == 0 && eq == 0) return
  sep = (co == 0 || (eq > 0 && eq < co)) ? eq : co
  key = substr(t, 1, sep - 1); sub(/^[ \t]+/, "", key); sub(/[ \t]+$/, "", key)
  if (!((sec, key) in ok)) return
  val = substr(t, sep + 1); sub(/^[ \t]+/, "", val)
  if (sec != shown) { print "[" sec "]"; shown = sec }
  print key " = " val
  cont = 1
}
{ t = $0; sub(/\r$/, "", t); m = split(t, part, "\r"); if (m == 0) line("")
  for (p = 1; p <= m; p++) line(part[p]) }'

# Lines that re-create VFs at boot, each reduced to what does it: for udev rules the
# match and sysfs keys, for scripts and units the "echo N > .../sriov_numvfs" writes, for
# the other sources the count. Printed as "LINE:TEXT" (grep -n style).
PERSIST_AWK='
BEGIN { Q = sprintf("%c", 39); QQ = "[\"" Q "]?"
        WORD = "[A-Za-z0-9_.:%@{}$*?+/-]*sriov_numvfs"
        VAL = "[A-Za-z0-9_${}%-]+"
        ECHO = "echo[ \t]+(-[en]+[ \t]+)?" QQ VAL QQ "[ \t]*(>>?|[|][ \t]*(sudo[ \t]+)?tee([ \t]+-a)?)[ \t]*" QQ "$"
        ASSIGN = "^" QQ "[ \t]*=[ \t]*" QQ VAL
        SAFE = "^[][A-Za-z0-9_.:*?!|/-]*$"
        UTERM = "[A-Z_]+([{][^}]*[}])?[ \t]*(==|!=|[+]=|-=|:=|=)[ \t]*\"[^\"]*\"" }
function writes(s,    out, rest, w, pre, post, v) {
  out = ""; rest = s
  while (match(rest, WORD)) {
    w = substr(rest, RSTART, RLENGTH); pre = substr(rest, 1, RSTART - 1); post = substr(rest, RSTART + RLENGTH)
    if (match(pre, ECHO)) {
      v = substr(pre, RSTART, RLENGTH); sub(/^echo[ \t]+(-[en]+[ \t]+)?/, "", v)
      match(v, VAL); w = "echo " substr(v, RSTART, RLENGTH) " > " w
    } else if (match(post, ASSIGN)) {
      v = substr(post, 1, RLENGTH); match(v, VAL "$"); w = w " = " substr(v, RSTART, RLENGTH)
    }
    out = out (out == "" ? "" : "; ") w
    rest = post
  }
  return out
}
function udev(s,    out, rest, t, key, op, val) {
  out = ""; rest = s
  while (match(rest, UTERM)) {
    t = substr(rest, RSTART, RLENGTH); rest = substr(rest, RSTART + RLENGTH)
    match(t, /^[A-Z_]+([{][^}]*[}])?/); key = substr(t, 1, RLENGTH)
    op = substr(t, RLENGTH + 1); sub(/^[ \t]*/, "", op); sub(/[ \t]*".*$/, "", op)
    val = t; sub(/^[^"]*"/, "", val); sub(/"$/, "", val)
    if (key ~ /^(RUN|PROGRAM)([{][a-z]*[}])?$/) {
      if ((val = writes(val)) != "") out = out (out == "" ? "" : ", ") key op "\"" val "\""
    } else if ((key ~ /^(ACTION|SUBSYSTEMS?|KERNELS?|NAME|DRIVERS?|ENV[{](ID_NET_DRIVER|INTERFACE|ID_PATH)[}])$/ ||
                key ~ /^ATTRS?[{](device\/)?(sriov_[a-z_]+|vendor|device|subsystem_vendor|subsystem_device|address|phys_port_name|phys_switch_id)[}]$/) &&
               val ~ SAFE) {
      out = out (out == "" ? "" : ", ") key op "\"" val "\""
    }
  }
  if (index(rest, "sriov_numvfs") && (t = writes(rest)) != "") out = out (out == "" ? "" : ", ") t
  return out
}
function count(s, name,    v) {
  if (!match(s, name QQ "[ \t]*[:=][ \t]*" QQ "[0-9]+")) return name
  v = substr(s, RSTART, RLENGTH); match(v, /[0-9]+$/)
  return name (kind == "networkmanager" ? "=" : ": ") substr(v, RSTART, RLENGTH)
}
function modprobe(s,    out, v) {
  out = ""
  if (match(s, /^[ \t]*options[ \t]+[A-Za-z0-9_-]+/)) { v = substr(s, RSTART, RLENGTH); sub(/^[ \t]*options[ \t]+/, "", v); out = "options " v }
  while (match(s, /(max_vfs|num_vfs)[ \t]*=[ \t]*[0-9,]+/)) {
    v = substr(s, RSTART, RLENGTH); gsub(/[ \t]/, "", v); out = out (out == "" ? "" : " ") v
    s = substr(s, RSTART + RLENGTH)
  }
  return out
}
{ t = $0; sub(/\r$/, "", t); r = "" }
kind == "udev" && index(t, "sriov_numvfs") { r = udev(t) }
(kind == "systemd" || kind == "scripts") && index(t, "sriov_numvfs") { r = writes(t) }
kind == "netplan" && index(t, "virtual-function-count") { r = count(t, "virtual-function-count") }
kind == "networkmanager" && t ~ /^[ \t]*\[sriov\]/ { r = "[sriov]" }
kind == "networkmanager" && t ~ /^[ \t]*total-vfs[ \t]*=/ { r = count(t, "total-vfs") }
kind == "os-net-config" && index(t, "numvfs") { r = count(t, "numvfs") }
kind == "modprobe" && t ~ /(max_vfs|num_vfs)[ \t]*=/ { r = modprobe(t) }
r != "" { print FNR ":" r }'

# /etc/openstack-release: only its DISTRIB_* assignments.
RELEASE_AWK='
{ t = $0; sub(/\r$/, "", t) }
t ~ /^[ \t]*DISTRIB_(ID|RELEASE|CODENAME|DESCRIPTION)=/ && t ~ /^[ -~]*$/ { sub(/^[ \t]+/, "", t); print t }'

# ---------------------------------------------------------------------------------------
printf 'osa-sriov-snapshot 1\n'
printf 'v meta.collector %s\n' "collect.sh 3"
printf 'v meta.date %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ 2>/dev/null)"
# Who asked for this snapshot (the fleet playbook says "ansible <controller> <inventory name>").
if [ -n "${OSA_SRIOV_ORIGIN:-}" ]; then
  printf 'v meta.origin %s\n' "$(printf '%s' "$OSA_SRIOV_ORIGIN" | LC_ALL=C tr -cd ' -~')"
fi

# The class of every PCI device first: it says which are network devices.
for dev in "$R"/sys/bus/pci/devices/*; do
  [ -e "$dev/class" ] || continue
  a=${dev##*/}
  printf 'a /sys/bus/pci/devices/%s/class /sys/bus/pci/devices/%s/class\n' "$a" "$a"
done > "$TMP/class-ops"
run_ops "$TMP/class-ops" "$TMP/classes"

# Everything from sysfs and /proc, as ops: reads run afterwards in one bounded worker.
{
  printf 'a host.hostname /proc/sys/kernel/hostname\n'
  printf 'a kernel.release /proc/sys/kernel/osrelease\n'
  if [ -f "$R/proc/cmdline" ]; then
    bounded 5 awk "$CMDLINE_AWK" "$R/proc/cmdline" > "$TMP/cmdline" 2>/dev/null
    _st=$?
    _c=
    IFS= read -r _c < "$TMP/cmdline"
    if [ "$_st" = 0 ]; then printf 'v kernel.cmdline %s\n' "$_c"; else printf 'b kernel.cmdline %s\n' "$_st"; fi
  else
    printf 'm kernel.cmdline\n'
  fi
  if [ -f "$R/proc/cpuinfo" ]; then
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
      printf 'n /sys/class/iommu %s\n' "${u##*/}"
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
  while IFS= read -r line; do
    case $line in 'v /sys/bus/pci/devices/'*'/class 0x02'*) ;; *) continue ;; esac
    a=${line#v /sys/bus/pci/devices/}
    a=${a%%/class *}
    dev=$R/sys/bus/pci/devices/$a
    P=/sys/bus/pci/devices/$a
    printf 'n pci.net %s\n%s\n' "$a" "$line"
    for f in vendor device subsystem_vendor subsystem_device numa_node \
             sriov_totalvfs sriov_numvfs sriov_drivers_autoprobe sriov_vf_device sriov_offset sriov_stride; do
      if [ -e "$dev/$f" ]; then printf 'a %s %s\n' "$P/$f" "$P/$f"; fi
    done
    lop "$P/driver"; lop "$P/iommu_group"; lop "$P/physfn"
    for v in "$dev"/virtfn*; do
      [ -L "$v" ] || continue
      lop "$P/${v##*/}"
    done
    [ -e "$dev/sriov_totalvfs" ] && pfs="$pfs $a"
    # virtio puts the netdev one level down (virtio0/net/eth0). Not "*/net": physfn and
    # virtfnN are links to other functions, whose netdevs are not this device's.
    set -- "$dev"/net/*
    [ -e "$1" ] || set -- "$dev"/virtio*/net/*
    for nd in "$@"; do
      [ -e "$nd" ] || continue
      n=${nd##*/}
      printf 'n %s/net %s\n' "$P" "$n"
      netdevs="$netdevs $n"
    done
  done < "$TMP/classes"

  # Each netdev of those devices: state, addresses, and what it is enslaved to.
  for n in $netdevs; do
    N=/sys/class/net/$n
    for f in operstate carrier mtu address phys_port_name ifindex; do printf 'a %s %s\n' "$N/$f" "$N/$f"; done
    link "$N/master" "$N/master"
    for u in "$R$N"/upper_* "$R$N"/lower_*; do
      [ -L "$u" ] || continue
      printf 'n %s %s\n' "$N" "${u##*/}"
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
} > "$TMP/ops"

run_ops "$TMP/ops" "$TMP/body"
# All link targets from one `ls -ldn` (numeric: no user lookups), joined to the "L" ops.
: > "$TMP/links"
if [ -n "$LINKS" ]; then
  ( cd "${R:-/}" 2>/dev/null && set -f && bounded 10 ls -ldn -- $LINKS ) > "$TMP/links" 2>/dev/null
fi
awk -v lf="$TMP/links" '
  BEGIN { while ((getline s < lf) > 0) {
            i = index(s, " -> "); if (!i) continue
            n = split(substr(s, 1, i - 1), w, " "); t["/" w[n]] = substr(s, i + 4) } }
  /^L / { p = substr($0, 3)
          if ((p in t) && t[p] ~ /^[ -~]+$/) print "l " p " " t[p]; else print "m " p; next }
  { print }' "$TMP/body"

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
    cmd "cmd.ethtool-i.${nd##*/}" 5 ethtool -i "${nd##*/}"
  done
  cmd "cmd.lspci-vvv-nn.$a" 10 lspci -vvv -nn -s "$a"
done

# Evidence that VFs are re-created at boot: of each matching line, its number and what
# re-creates VFs (PERSIST_AWK). persist KIND "GLOB..." STRING...: the regular files of the
# globs that contain one of the fixed STRINGs (one grep for all of them), then two records
# per file with such lines: persist.KIND.I.file (its path) and persist.KIND.I.lines.
persist() {
  _k=$1 _globs=$2; shift 2
  # "$@": the strings, then each becomes "-e STRING" at the end of the list.
  for _s do set -- "$@" -e "$_s"; shift; done
  _n=$#
  set -f
  for _g in $_globs; do
    set +f
    for _f in "$R"$_g; do [ -f "$_f" ] && set -- "$@" "$_f"; done
    set -f
  done
  set +f
  _seen=$(($# - _n)) _i=0
  if [ "$_seen" -gt 0 ]; then
    bounded 10 grep -l -F "$@" > "$TMP/hits" 2>/dev/null
    while IFS= read -r _f; do
      [ -f "$_f" ] || continue
      bounded 10 awk -v kind="$_k" "$PERSIST_AWK" "$_f" > "$TMP/persist" 2>/dev/null
      [ -s "$TMP/persist" ] || continue
      printf '%s' "${_f#"$R"}" > "$TMP/name"
      hexdump "persist.$_k.$_i.file" 0 "$TMP/name"
      hexdump "persist.$_k.$_i.lines" 0 "$TMP/persist"
      _i=$((_i + 1))
    done < "$TMP/hits"
  fi
  printf 'v persist.%s.searched %s\n' "$_k" "$_seen"
}
persist udev '/etc/udev/rules.d/* /lib/udev/rules.d/* /usr/lib/udev/rules.d/*' sriov_numvfs
persist systemd '/etc/systemd/system/*.service /etc/systemd/system/*.d/*.conf
  /lib/systemd/system/*.service /usr/lib/systemd/system/*.service' sriov_numvfs
persist scripts '/etc/rc.local /etc/rc.d/rc.local /etc/network/interfaces
  /etc/network/interfaces.d/* /etc/sysfs.conf /etc/sysfs.d/* /usr/local/bin/* /usr/local/sbin/*' sriov_numvfs
persist netplan '/etc/netplan/*.yaml /etc/netplan/*.yml' virtual-function-count
persist networkmanager '/etc/NetworkManager/system-connections/*' total-vfs '[sriov]'
persist os-net-config '/etc/os-net-config/config.json /etc/os-net-config/config.yaml
  /var/lib/os-net-config/sriov_config.yaml' numvfs
persist modprobe '/etc/modprobe.d/*.conf' max_vfs num_vfs

# OpenStack configuration: only the allow-listed options (INI_AWK).
# ini_keep NAME FILE "section/option ...".
ini_keep() {
  if [ ! -f "$R$2" ]; then printf 'm %s\n' "$1"; return; fi
  bounded 10 awk -v allow="$3" "$INI_AWK" "$R$2" > "$TMP/ini" 2>/dev/null
  hexdump "$1" "$?" "$TMP/ini"
}
ini_keep conf.sriov_nic_agent /etc/neutron/plugins/ml2/sriov_nic_agent.ini \
  'sriov_nic/physical_device_mappings sriov_nic/exclude_devices sriov_nic/resource_provider_bandwidths
   sriov_nic/resource_provider_hypervisors sriov_nic/resource_provider_inventory_defaults
   agent/extensions securitygroup/firewall_driver'
ini_keep conf.nova /etc/nova/nova.conf \
  'DEFAULT/host pci/passthrough_whitelist pci/device_spec pci/alias pci/report_in_placement
   filter_scheduler/enabled_filters filter_scheduler/available_filters
   filter_scheduler/pci_in_placement filter_scheduler/pci_weight_multiplier'
ini_keep conf.ml2 /etc/neutron/plugins/ml2/ml2_conf.ini \
  'ml2/mechanism_drivers ml2/type_drivers ml2/tenant_network_types ml2/project_network_types
   ml2/extension_drivers ml2/physical_network_mtus ml2/path_mtu
   ml2_type_vlan/network_vlan_ranges ml2_type_flat/flat_networks'
ini_keep conf.openvswitch_agent /etc/neutron/plugins/ml2/openvswitch_agent.ini \
  'agent/extensions ovs/bridge_mappings fdb/shared_physical_device_mappings'
ini_keep conf.linuxbridge_agent /etc/neutron/plugins/ml2/linuxbridge_agent.ini \
  'agent/extensions linux_bridge/physical_interface_mappings linux_bridge/bridge_mappings
   fdb/shared_physical_device_mappings'

# What OSA left on the host: its release file and its virtualenvs (release detection).
if [ -f "$R/etc/openstack-release" ]; then
  bounded 5 awk "$RELEASE_AWK" "$R/etc/openstack-release" > "$TMP/release" 2>/dev/null
  hexdump osa.openstack-release "$?" "$TMP/release"
else
  printf 'm osa.openstack-release\n'
fi
if [ -d "$R/openstack/venvs" ]; then
  for v in "$R"/openstack/venvs/*; do
    [ -d "$v" ] || continue
    case ${v##*/} in *[![:graph:]]*) continue ;; esac
    printf 'n /openstack/venvs %s\n' "${v##*/}"
  done
  printf 'v /openstack/venvs present\n'
else
  printf 'm /openstack/venvs\n'
fi

printf 'end\n'
