#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the nicsched full-system guest (docs/SYSTEM.md). It mounts what the tests read, then
# serves the host over the second serial port (/dev/ttyS1; the kernel console is ttyS0):
#
#   host -> guest   "<id> <command>"                 one line, run by this shell (eval); its
#                                                    stdin is the port too, for a line typed next
#   guest -> host   "@@ns ready <kernel> <cpus> <uptime>"  once, when the loop starts
#                   "@@ns <id> begin", the command's output, "@@ns <id> end <exit code>"
#
# The commands are the ns_* functions below: the vocabulary of the tests and of `nicsched system`
# (codegen/system/guest.ts). Multi-file dumps print "=== <name>" before each file.
#
# Files: /lib/nicsched/*.ko (the modules), /bin/nicschedctl, /bin/nsload (sim/guest/nsload.c),
# /etc/nicsched/* (extra files of one boot, e.g. a .words file for a reload).

/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /tmp
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug

D=/sys/kernel/debug
KO=/lib/nicsched
DRV=$D/nicsched/nicsched0
HOOK=$D/nicsched_hook

# ---- the vocabulary ------------------------------------------------------------------------

# The detectors the tests rely on, tightened for short boots: a task blocked 3 s is a hung task.
ns_setup() {
	echo 3 > /proc/sys/kernel/hung_task_timeout_secs
	echo 1 > /proc/sys/kernel/hung_task_all_cpu_backtrace 2>/dev/null
	echo "hung_task_timeout_secs $(cat /proc/sys/kernel/hung_task_timeout_secs)"
}

ns_insmod_driver() {
	insmod $KO/nicsched.ko "$@" && insmod $KO/nicsched_pci.ko
}

ns_insmod_hook() {
	insmod $KO/nicsched_hook.ko "$@"
}

# Unload whatever is loaded, hook first.
ns_rmmod_all() {
	local m rc=0
	for m in nicsched_hook nicsched_pci nicsched; do
		if grep -q "^$m " /proc/modules; then
			rmmod $m || rc=1
		fi
	done
	return $rc
}

ns_modules() {
	cut -d' ' -f1 /proc/modules
}

# The kill switch (0) and re-arm (1).
ns_hook() {
	echo "$1" > $HOOK/enable
}

ns_cat() {
	local f
	for f in "$@"; do
		echo "=== $f"
		[ -e "$f" ] && cat "$f"
	done
}

# Every counter the report reads, each file under its own header.
ns_show() {
	ns_cat $DRV/counters $DRV/slots $HOOK/state $HOOK/counters $HOOK/cpus $HOOK/histograms
}

ns_decisions() {
	ns_cat $HOOK/decisions
}

ns_run() {
	nsload "$@"
}

# A background workload: ns_bg NAME ARGS...; ns_wait NAME prints its result line, ns_bgkill NAME
# ends it early.
ns_bg() {
	local name=$1
	shift
	nsload "$@" > /tmp/$name.json 2>/tmp/$name.err &
	echo $! > /tmp/$name.pid
}

ns_bgkill() {
	kill "$(cat /tmp/$1.pid)" 2>/dev/null
	wait "$(cat /tmp/$1.pid)" 2>/dev/null
	return 0
}

ns_wait() {
	wait "$(cat /tmp/$1.pid)"
	local rc=$?
	cat /tmp/$1.json /tmp/$1.err
	return $rc
}

# Load and unload both modules N times; the hook arms and sees decisions every time.
ns_cycle() {
	local n=$1 i=0 hold=${2:-1}
	shift 2
	while [ $i -lt "$n" ]; do
		i=$((i + 1))
		ns_insmod_driver "$@" || { echo "cycle $i: driver load failed"; return 1; }
		ns_insmod_hook || { echo "cycle $i: hook load failed"; return 1; }
		sleep "$hold"
		echo "cycle $i: $(grep -E '^(state|reason)' $HOOK/state | tr '\n' ' ')$(grep -E '^(submitted|installed) ' $HOOK/counters | tr '\n' ' ')"
		ns_rmmod_all || { echo "cycle $i: unload failed"; return 1; }
	done
}

# kmemleak needs two scans to report an object (the first only marks it).
ns_kmemleak() {
	echo scan > $D/kmemleak
	echo scan > $D/kmemleak
	echo "=== kmemleak"
	cat $D/kmemleak
}

ns_dmesg() {
	dmesg
}

ns_poweroff() {
	sync
	poweroff -f
}

# ---- the loop ------------------------------------------------------------------------------

stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3<>/dev/ttyS1
echo "@@ns ready $(uname -r) $(grep -c ^processor /proc/cpuinfo) $(cut -d' ' -f1 /proc/uptime)" >&3
while read -r id cmd <&3; do
	echo "@@ns $id begin" >&3
	eval "$cmd" <&3 >&3 2>&1
	echo "@@ns $id end $?" >&3
done
echo "nicsched init: the host channel closed" >&2
poweroff -f
