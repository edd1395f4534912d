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
# $(own_pid): the PID of the shell that runs it, as sh's parent (sh replaces the command
# substitution's subshell); $$ is the main shell's PID in every subshell too.
own_pid() { exec sh -c 'echo "$PPID"'; }
MAIN_PID=$(own_pid)
# Only the main shell removes TMP. bash runs a parent's trap in a background subshell that a
# signal reaches before the subshell's own `trap -` (the watchdog, stopped just after it
# started on a loaded machine): that subshell must not remove what the run still writes.
trap '[ "$(own_pid)" = "$MAIN_PID" ] && rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
LIMIT=${OSA_SRIOV_TIMEOUT:-5}

if command -v timeout >/dev/null 2>&1; then HAVE_TIMEOUT=1; else HAVE_TIMEOUT=0; fi

# bounded SECONDS CMD...: run CMD with a time limit when `timeout` exists.
# OSA_SRIOV_TIMEOUT (seconds) replaces every limit, for slow hosts and for tests.
bounded() {
  _s=${OSA_SRIOV_TIMEOUT:-$1}; shift
  if [ "$HAVE_TIMEOUT" = 1 ]; then timeout "$_s" "$@"; else "$@"; fi
}

# Records are first written with placeholders that the last step (ASSEMBLE_AWK) resolves
# in one pass: "H NAME STATUS N" for the bytes of $TMP/b.N (all blobs go through one od),
# "L PATH" for a link (all links go through one ls), "S NAME PATH" for an attribute that is
# not one printable line (all of them go through one wc, see slow_attrs).
NB=1 LINKS=
# blob NAME STATUS: a "b" record with the bytes the caller wrote to $TMP/b.$NB.
blob() {
  printf 'H %s %s %s\n' "$1" "$2" "$NB"
  NB=$((NB + 1))
}

# attr NAME PATH: a sysfs or proc file, inline when it is one printable line. Called only
# by the ops worker, under its watchdog: the shell's `read` has no time limit of its own.
attr() {
  if [ ! -e "$R$2" ]; then printf 'm %s\n' "$1"; return; fi
  _l1= _l2= _r1=1 _r2=0
  { IFS= read -r _l1; _r1=$?; IFS= read -r _l2; _r2=$?; } < "$R$2"
  if [ "$_r1" = 0 ] && [ "$_r2" != 0 ] && [ -z "$_l2" ]; then
    case $_l1 in
      *[![:print:]]*) ;;
      *) printf 'v %s %s\n' "$1" "$_l1"; return ;;
    esac
  fi
  # Binary, several lines, no newline, or a read error (carrier of a link that is down,
  # phys_port_name the driver does not support): decided later for all of them at once.
  printf '%s %s\n' "$1" "$2" >> "$TMP/slow"
  printf 'S %s %s\n' "$1" "$2"
}

# The sysfs part is a function of "ops" that a worker subshell runs under a watchdog. Each
# op prints exactly one line: op TEXT prints TEXT, op_attr NAME PATH reads an attribute
# (attr). The ops are numbered (_i) so that the work can go on after a read that hung:
# MODE=run prints the ops after the first SKIP, MODE=name tells what op TARGET is ("a NAME"
# for a read, "o" otherwise), MODE=quiet prints nothing (the parent's run, for the variables
# the ops set).
# Outside the reads, the ops only test, list directories and read links: they never hang.
_i=0 MODE=quiet SKIP=0 TARGET=0
op() {
  _i=$((_i + 1))
  case $MODE in
    run) [ "$_i" -gt "$SKIP" ] && printf '%s\n' "$1" ;;
    name) [ "$_i" = "$TARGET" ] && printf 'o\n' ;;
  esac
  return 0
}
op_attr() {
  _i=$((_i + 1))
  case $MODE in
    run) [ "$_i" -gt "$SKIP" ] && attr "$1" "$2" ;;
    name) [ "$_i" = "$TARGET" ] && printf 'a %s\n' "$1" ;;
  esac
  return 0
}

# watchdog PID FILE: stops PID once FILE, its output, has not grown for LIMIT seconds while
# PID was waiting (not running or runnable, per /proc/PID/stat where there is one: a worker
# that a busy machine does not schedule is not stuck) and had no child process (the worker
# forks only for ops that never hang, such as reading a link: it then waits in state S for
# a child that a busy machine may be slow to run).
watchdog() {
  trap - EXIT INT
  _sl=
  trap '[ -n "$_sl" ] && kill "$_sl" 2>/dev/null; exit 0' TERM
  _last= _same=0
  while :; do
    sleep 1 & _sl=$!
    wait "$_sl"
    _now=$(wc -c < "$2")
    _state=S
    { read -r _x _x _state _x < "/proc/$1/stat"; } 2>/dev/null
    _kids=
    { read -r _kids < "/proc/$1/task/$1/children"; } 2>/dev/null
    [ -n "$_kids" ] && _state=R
    if [ "$_now" = "$_last" ] && [ "$_state" != R ]; then _same=$((_same + 1)); else _same=0 _last=$_now; fi
    if [ "$_same" -ge "$LIMIT" ]; then
      echo 1 > "$TMP/stuck"
      kill -TERM "$1" 2>/dev/null
      # A read in uninterruptible sleep (a sysfs attribute waiting for a device lock, as
      # sriov_numvfs does) dies only when the kernel lets it: do not wait for it. The
      # pending TERM kills it before it can print anything more.
      sleep 1 & _sl=$!
      wait "$_sl"
      kill -0 "$1" 2>/dev/null && kill -USR1 "$$" 2>/dev/null
      exit 0
    fi
  done
}

# run_ops FUNCTION OUT: the ops of FUNCTION into OUT, each read bounded by the watchdog.
run_ops() {
  _done=0 _base=0 _runs=0
  : > "$2"
  while [ "$_runs" -lt 1000 ]; do
    _runs=$((_runs + 1))
    : > "$TMP/stuck"
    ( trap - EXIT INT TERM USR1; _i=0 MODE=run SKIP=$_done; "$1" ) >> "$2" 2>/dev/null &
    _w=$!
    watchdog "$_w" "$2" < /dev/null > /dev/null 2>&1 &
    _d=$!
    # USR1 from the watchdog: the worker cannot be stopped, go on without it.
    trap ':' USR1
    wait "$_w"
    trap - USR1
    kill "$_d" 2>/dev/null
    wait "$_d" 2>/dev/null
    [ -s "$TMP/stuck" ] || break
    # The op after the last one printed never returned: a read is recorded as timed out and
    # the work goes on after it; any other op is done again.
    _lines=$(wc -l < "$2")
    _done=$((_done + _lines - _base))
    _base=$_lines
    _what=$(_i=0 MODE=name TARGET=$((_done + 1)); "$1" 2>/dev/null)
    case $_what in
      'a '*) printf 'b %s timeout\n' "${_what#a }" >> "$2"; _done=$((_done + 1)) _base=$((_lines + 1)) ;;
    esac
  done
  _i=0 MODE=quiet
}

# link NAME PATH: the op of a link record, its target also left in _t (one process: used
# for a few links only).
link() {
  _t=
  if [ -L "$R$2" ]; then
    _t=$(readlink "$R$2" 2>/dev/null)
    case $_t in
      *[![:print:]]*|'') op "m $1" ;;
      *) op "l $1 $_t" ;;
    esac
  else
    op "m $1"
  fi
}

# lop PATH: the op of a link record, resolved for all links at once by one `ls` at the end.
lop() {
  if [ -L "$R$1" ]; then
    op "L $1"
    LINKS="$LINKS ${1#/}"
  else
    op "m $1"
  fi
}

# find_tool NAME: TOOL becomes the first executable file NAME on PATH. Not `command -v`: a
# busybox shell built to prefer its applets answers with its own reduced `ip` even when
# iproute2 is there.
find_tool() {
  _o=$IFS; IFS=:
  for _d in $PATH; do
    if [ -f "$_d/$1" ] && [ -x "$_d/$1" ]; then IFS=$_o; TOOL=$_d/$1; return 0; fi
  done
  IFS=$_o
  return 1
}

# cmd NAME SECONDS CMD...: a command's standard output, bounded in time.
cmd() {
  _n=$1 _s=$2; shift 2
  find_tool "$1" || { printf 'm %s\n' "$_n"; return; }
  shift
  bounded "$_s" "$TOOL" "$@" > "$TMP/b.$NB" 2>/dev/null
  _st=$?
  # coreutils' timeout exits 124; busybox's reports the TERM it sent (128 + 15).
  if [ "$HAVE_TIMEOUT" = 1 ] && { [ "$_st" = 124 ] || [ "$_st" = 143 ]; }; then _st=timeout; fi
  blob "$_n" "$_st"
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

# The options of an oslo.config file that are on the allow-list ("section/option" words in
# allow), found as oslo.config finds them: a line ends at \n, \r\n or a lone \r (Python reads
# text files with universal newlines); trailing white space is stripped; a line starting
# with white space continues the previous value and a blank line ends it; "[name]" starts
# a section whose name is compared in lowercase except DEFAULT ("[ pci ]" is not [pci]);
# the option name ends at the first "=" or ":". Printed to the file out as "[section]",
# "option = value" and "  continuation" lines, the value as written (quotes kept).
# With allow=RELEASE: only the DISTRIB_* assignments of /etc/openstack-release.
CONF_AWK='
function line(t,    co, eq, sep, key, val) {
  sub(/[ \t\r\f\v]+$/, "", t)
  if (t == "") { cont = 0; return }
  if (t ~ /^[ \t]/) { if (cont) { sub(/^[ \t]+/, "", t); print "  " t > out }; return }
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
  if (sec != shown) { print "[" sec "]" > out; shown = sec }
  print key " = " val > out
  cont = 1
}
FNR == 1 { split("", ok); sec = ""; shown = ""; cont = 0
           n = split(allow, a, /[ \t\n]+/)
           for (i = 1; i <= n; i++) if ((j = index(a[i], "/")) > 0) ok[substr(a[i], 1, j - 1), substr(a[i], j + 1)] = 1 }
{ t = $0; sub(/\r$/, "", t) }
allow == "RELEASE" { if (t ~ /^[ \t]*DISTRIB_(ID|RELEASE|CODENAME|DESCRIPTION)=/ && t ~ /^[ -~]*$/) { sub(/^[ \t]+/, "", t); print t > out }; next }
{ m = split(t, part, "\r"); if (m == 0) line("")
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

# The last step: placeholders (see blob) become records.
ASSEMBLE_AWK='
BEGIN {
  while ((getline s < lf) > 0) {
    i = index(s, " -> "); if (!i) continue
    n = split(substr(s, 1, i - 1), w, " "); t["/" w[n]] = substr(s, i + 4)
  }
  while ((getline s < sf) > 0) if (split(s, w, " ") == 2 && w[2] ~ /^b[.][0-9]+$/) size[substr(w[2], 3) + 0] = w[1] + 0
  # od printed the bytes of b.1 ... b.nb one after the other: cut them back into blobs.
  f = 1; left = size[1] + 0; cur = ""
  while ((getline s < hf) > 0) {
    n = split(s, w, " ")
    for (j = 1; j <= n; j++) {
      while (left <= 0 && f < nb) { f++; left = size[f] + 0 }
      cur = cur w[j]; left--
      if (length(cur) == 32 || left <= 0) { x[f, ++cnt[f]] = cur; cur = "" }
    }
  }
  while ((getline s < rf) > 0) {
    if (s ~ /^S /) { key = substr(s, 3); nrec[key] = 0 } else rec[key, ++nrec[key]] = s
  }
}
function emit(s,    p, n, w, i) {
  if (s ~ /^L /) {
    p = substr(s, 3)
    if ((p in t) && t[p] ~ /^[ -~]+$/) print "l " p " " t[p]; else print "m " p
  } else if (s ~ /^H /) {
    n = split(s, w, " "); print "b " w[2] " " w[3]
    for (i = 1; i <= cnt[w[4]]; i++) print "x " x[w[4], i]
  } else print s
}
/^S / { n = split($0, w, " "); p = substr($0, length(w[2]) + 4)
        if (p in nrec) { for (i = 1; i <= nrec[p]; i++) emit(rec[p, i]) } else print "b " w[2] " 1"
        next }
{ emit($0) }'

# ---------------------------------------------------------------------------------------
printf 'osa-sriov-snapshot 1\n'
printf 'v meta.collector %s\n' "collect.sh 3"
printf 'v meta.date %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ 2>/dev/null)"
# Who asked for this snapshot (the fleet playbook says "ansible <controller> <inventory name>").
if [ -n "${OSA_SRIOV_ORIGIN:-}" ]; then
  printf 'v meta.origin %s\n' "$(printf '%s' "$OSA_SRIOV_ORIGIN" | LC_ALL=C tr -cd ' -~')"
fi

# The class of every PCI device first: it says which are network devices. NETPCI: their
# "ADDRESS=CLASS" words.
pci_classes() {
  for dev in "$R"/sys/bus/pci/devices/*; do
    [ -e "$dev/class" ] || continue
    op_attr "/sys/bus/pci/devices/${dev##*/}/class" "/sys/bus/pci/devices/${dev##*/}/class"
  done
}
run_ops pci_classes "$TMP/classes"
NETPCI=$(awk '/^v \/sys\/bus\/pci\/devices\/[^ ]+\/class 0x02[^ ]*$/ {
  a = $2; sub(/^\/sys\/bus\/pci\/devices\//, "", a); sub(/\/class$/, "", a); print a "=" $3 }' "$TMP/classes")
# A class that could not be read in time: say so (the device may be a network device).
CLASS_TIMEOUTS=$(awk '/^b [^ ]+ timeout$/ { print $2 }' "$TMP/classes")

# /proc: the kernel command line reduced (CMDLINE_AWK), the CPU's vendor and virtualization.
if [ -f "$R/proc/cmdline" ]; then
  bounded 5 awk "$CMDLINE_AWK" "$R/proc/cmdline" > "$TMP/cmdline" 2>/dev/null
  _st=$?
  _c=
  IFS= read -r _c < "$TMP/cmdline"
  if [ "$_st" = 0 ]; then CMDLINE_REC="v kernel.cmdline $_c"; else CMDLINE_REC="b kernel.cmdline $_st"; fi
else
  CMDLINE_REC="m kernel.cmdline"
fi
if [ -f "$R/proc/cpuinfo" ]; then
  bounded 10 awk -F': *' '
    /^vendor_id/ && v == "" { v = $2 }
    /^flags/ && !f { f = 1; n = split($2, w, " "); for (i = 1; i <= n; i++) if (w[i] == "vmx" || w[i] == "svm") virt = w[i] }
    END { print "vendor_id=" v; print "virtualization=" virt }' "$R/proc/cpuinfo" > "$TMP/b.$NB" 2>/dev/null
  CPU_REC="H cpu.info $? $NB"
  NB=$((NB + 1))
else
  CPU_REC="m cpu.info"
fi

# Everything else from sysfs and /proc, as ops.
sysfs_ops() {
  op_attr host.hostname /proc/sys/kernel/hostname
  op_attr kernel.release /proc/sys/kernel/osrelease
  op "$CMDLINE_REC"
  op "$CPU_REC"

  # IOMMU: the units the kernel registered, and how many groups it made.
  if [ -d "$R/sys/class/iommu" ]; then
    for u in "$R"/sys/class/iommu/*; do
      [ -e "$u" ] || [ -L "$u" ] || continue
      op "n /sys/class/iommu ${u##*/}"
    done
    op "v /sys/class/iommu present"
  else
    op "m /sys/class/iommu"
  fi
  groups=0
  for g in "$R"/sys/kernel/iommu_groups/*; do [ -d "$g" ] && groups=$((groups + 1)); done
  op "v count./sys/kernel/iommu_groups $groups"

  # PCI network devices (class 0x02xxxx), physical and virtual functions alike.
  pfs= netdevs= masters= LINKS=
  for c in $CLASS_TIMEOUTS; do op "b $c timeout"; done
  set -f
  for ac in $NETPCI; do
    set +f
    a=${ac%%=*}
    dev=$R/sys/bus/pci/devices/$a
    P=/sys/bus/pci/devices/$a
    op "n pci.net $a"
    op "v $P/class ${ac#*=}"
    for f in vendor device subsystem_vendor subsystem_device numa_node \
             sriov_totalvfs sriov_numvfs sriov_drivers_autoprobe sriov_vf_device sriov_offset sriov_stride; do
      if [ -e "$dev/$f" ]; then op_attr "$P/$f" "$P/$f"; fi
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
      op "n $P/net ${nd##*/}"
      netdevs="$netdevs ${nd##*/}"
    done
    set -f
  done
  set +f

  # Each netdev of those devices: state, addresses, and what it is enslaved to.
  for n in $netdevs; do
    N=/sys/class/net/$n
    for f in operstate carrier mtu address phys_port_name ifindex; do op_attr "$N/$f" "$N/$f"; done
    link "$N/master" "$N/master"
    for u in "$R$N"/upper_* "$R$N"/lower_*; do
      [ -L "$u" ] || continue
      op "n $N ${u##*/}"
    done
    if [ -n "$_t" ]; then
      m=${_t##*/}
      case " $masters " in *" $m "*) ;; *) masters="$masters $m" ;; esac
    fi
  done
  for m in $masters; do
    for k in bonding bridge; do
      if [ -d "$R/sys/class/net/$m/$k" ]; then op "n /sys/class/net/$m $k"; fi
    done
  done

  # NUMA: the nodes, the CPUs and huge pages of each, and the socket of every CPU (Nova's
  # PCI NUMA affinity compares nodes, and sockets for the "socket" policy).
  if [ -d "$R/sys/devices/system/node" ]; then
    for nd in "$R"/sys/devices/system/node/node*; do
      n=${nd##*/}
      case ${n#node} in ''|*[!0-9]*) continue ;; esac
      [ -d "$nd" ] || continue
      N=/sys/devices/system/node/$n
      op "n /sys/devices/system/node $n"
      op_attr "$N/cpulist" "$N/cpulist"
      for h in "$nd"/hugepages/hugepages-*kB; do
        case ${h##*/} in hugepages-*[!0-9]*kB) continue ;; esac
        [ -d "$h" ] || continue
        op "n $N/hugepages ${h##*/}"
        for f in nr_hugepages free_hugepages; do op_attr "$N/hugepages/${h##*/}/$f" "$N/hugepages/${h##*/}/$f"; done
      done
    done
    op "v /sys/devices/system/node present"
  else
    op "m /sys/devices/system/node"
  fi
  for c in "$R"/sys/devices/system/cpu/cpu[0-9]*; do
    case ${c##*/} in cpu*[!0-9]*) continue ;; esac
    T=/sys/devices/system/cpu/${c##*/}/topology/physical_package_id
    if [ -e "$R$T" ]; then op_attr "$T" "$T"; fi
  done
}
run_ops sysfs_ops "$TMP/body1"
sysfs_ops

# The attributes the worker could not take as one printable line: one `wc -c` says which
# fail to read (their record is "b NAME 1", as cat's status would be) and which are empty;
# only the others are copied, one bounded `cat` each. slow_attrs prints "S PATH" and then
# the record, for each.
slow_attrs() {
  [ -s "$TMP/slow" ] || return 0
  set -f
  ( cd "${R:-/}" 2>/dev/null && bounded 10 wc -c -- $(awk '{ print substr($2, 2) }' "$TMP/slow") ) \
    > "$TMP/slow.size" 2> "$TMP/slow.err"
  set +f
  awk -v ef="$TMP/slow.err" -v sf="$TMP/slow.size" -v cf="$TMP/slow.copy" '
    BEGIN { while ((getline s < ef) > 0) if (s ~ /^wc: /) { s = substr(s, 5); i = index(s, ": "); if (i) bad["/" substr(s, 1, i - 1)] = 1 }
            while ((getline s < sf) > 0) if (split(s, w, " ") == 2) size["/" w[2]] = w[1]
            printf "" > cf }
    { p = substr($0, length($1) + 2)
      if (p in bad) print "S " p "\nb " $1 " 1"
      else if ((p in size) && size[p] == 0) print "S " p "\nb " $1 " 0"
      else print $1, p > cf }' "$TMP/slow"
  while read -r _n _p; do
    printf 'S %s\n' "$_p"
    if bounded 10 cat "$R$_p" > "$TMP/b.$NB" 2>/dev/null; then blob "$_n" 0; else blob "$_n" "$?"; fi
  done < "$TMP/slow.copy"
}
slow_attrs > "$TMP/slowrec"

{
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
persist_globs() {
  case $1 in
    udev) _globs='/etc/udev/rules.d/* /lib/udev/rules.d/* /usr/lib/udev/rules.d/*' ;;
    systemd) _globs='/etc/systemd/system/*.service /etc/systemd/system/*.d/*.conf
      /lib/systemd/system/*.service /usr/lib/systemd/system/*.service' ;;
    scripts) _globs='/etc/rc.local /etc/rc.d/rc.local /etc/network/interfaces /etc/network/interfaces.d/*
      /etc/sysfs.conf /etc/sysfs.d/* /usr/local/bin/* /usr/local/sbin/*' ;;
    netplan) _globs='/etc/netplan/*.yaml /etc/netplan/*.yml' ;;
    networkmanager) _globs='/etc/NetworkManager/system-connections/*' ;;
    os-net-config) _globs='/etc/os-net-config/config.json /etc/os-net-config/config.yaml
      /var/lib/os-net-config/sriov_config.yaml' ;;
    modprobe) _globs='/etc/modprobe.d/*.conf' ;;
  esac
}
PERSIST_KINDS='udev systemd scripts netplan networkmanager os-net-config modprobe'
# HITS: the candidate files of every kind that contain one of the strings (one grep).
set -- -e sriov_numvfs -e virtual-function-count -e total-vfs -e '[sriov]' -e numvfs -e max_vfs -e num_vfs
_n=$#
for _k in $PERSIST_KINDS; do
  persist_globs "$_k"
  set -f
  for _g in $_globs; do
    set +f
    for _f in "$R"$_g; do [ -f "$_f" ] && set -- "$@" "$_f"; done
    set -f
  done
  set +f
done
HITS='
'
if [ "$#" -gt "$_n" ]; then
  bounded 10 grep -l -F "$@" > "$TMP/hits" 2>/dev/null
  while IFS= read -r _f; do HITS="$HITS$_f
"; done < "$TMP/hits"
fi
# persist KIND: the records of one kind; the files searched are its regular files.
persist() {
  persist_globs "$1"
  _seen=0 _i=0
  set -f
  for _g in $_globs; do
    set +f
    for _f in "$R"$_g; do
      [ -f "$_f" ] || continue
      _seen=$((_seen + 1))
      case $HITS in *"
$_f
"*) ;; *) continue ;; esac
      bounded 10 awk -v kind="$1" "$PERSIST_AWK" "$_f" > "$TMP/b.$((NB + 1))" 2>/dev/null
      [ -s "$TMP/b.$((NB + 1))" ] || continue
      printf '%s' "${_f#"$R"}" > "$TMP/b.$NB"
      blob "persist.$1.$_i.file" 0
      blob "persist.$1.$_i.lines" 0
      _i=$((_i + 1))
    done
    set -f
  done
  set +f
  printf 'v persist.%s.searched %s\n' "$1" "$_seen"
}
for _k in $PERSIST_KINDS; do persist "$_k"; done

# OpenStack's files, reduced to the allow-listed options (CONF_AWK), and /etc/openstack-release
# (OSA writes it on the hosts it deploys): one awk for all the files there are.
# conf_spec N: _name, _file and _allow of the Nth file; false after the last.
conf_spec() {
  case $1 in
    1) _name=conf.sriov_nic_agent _file=/etc/neutron/plugins/ml2/sriov_nic_agent.ini
       _allow='sriov_nic/physical_device_mappings sriov_nic/exclude_devices sriov_nic/resource_provider_bandwidths
         sriov_nic/resource_provider_hypervisors sriov_nic/resource_provider_inventory_defaults
         agent/extensions securitygroup/firewall_driver' ;;
    2) _name=conf.nova _file=/etc/nova/nova.conf
       _allow='DEFAULT/host pci/passthrough_whitelist pci/device_spec pci/alias pci/report_in_placement
         filter_scheduler/enabled_filters filter_scheduler/available_filters
         filter_scheduler/pci_in_placement filter_scheduler/pci_weight_multiplier' ;;
    3) _name=conf.ml2 _file=/etc/neutron/plugins/ml2/ml2_conf.ini
       _allow='ml2/mechanism_drivers ml2/type_drivers ml2/tenant_network_types ml2/project_network_types
         ml2/extension_drivers ml2/physical_network_mtus ml2/path_mtu
         ml2_type_vlan/network_vlan_ranges ml2_type_flat/flat_networks' ;;
    4) _name=conf.openvswitch_agent _file=/etc/neutron/plugins/ml2/openvswitch_agent.ini
       _allow='agent/extensions ovs/bridge_mappings fdb/shared_physical_device_mappings' ;;
    5) _name=conf.linuxbridge_agent _file=/etc/neutron/plugins/ml2/linuxbridge_agent.ini
       _allow='agent/extensions linux_bridge/physical_interface_mappings linux_bridge/bridge_mappings
         fdb/shared_physical_device_mappings' ;;
    6) _name=osa.openstack-release _file=/etc/openstack-release _allow=RELEASE ;;
    *) return 1 ;;
  esac
}
set --
_j=1 _b=$NB _have=
while conf_spec "$_j"; do
  if [ -f "$R$_file" ]; then
    : > "$TMP/b.$_b"
    set -- "$@" "allow=$_allow" "out=$TMP/b.$_b" "$R$_file"
    _b=$((_b + 1)) _have="$_have $_j"
  fi
  _j=$((_j + 1))
done
_st=0
if [ "$#" -gt 0 ]; then bounded 10 awk "$CONF_AWK" "$@" 2>/dev/null; _st=$?; fi
_j=1
while conf_spec "$_j"; do
  case "$_have " in *" $_j "*) blob "$_name" "$_st" ;; *) printf 'm %s\n' "$_name" ;; esac
  _j=$((_j + 1))
done

# OSA's virtualenvs (release detection).
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

} > "$TMP/body2"

# All link targets from one `ls -ldn` (numeric: no user lookups).
: > "$TMP/links"
if [ -n "$LINKS" ]; then
  ( cd "${R:-/}" 2>/dev/null && set -f && bounded 10 ls -ldn -- $LINKS ) > "$TMP/links" 2>/dev/null
fi
# All blobs through one od; wc says where each one ends.
: > "$TMP/sizes"
: > "$TMP/hex"
if [ "$NB" -gt 1 ]; then
  set --
  _i=1
  while [ "$_i" -lt "$NB" ]; do set -- "$@" "b.$_i"; _i=$((_i + 1)); done
  ( cd "$TMP" && wc -c "$@" > sizes && od -An -v -tx1 "$@" > hex )
fi
awk -v lf="$TMP/links" -v sf="$TMP/sizes" -v hf="$TMP/hex" -v rf="$TMP/slowrec" -v nb="$((NB - 1))" "$ASSEMBLE_AWK" \
  "$TMP/body1" "$TMP/body2"
printf 'end\n'
