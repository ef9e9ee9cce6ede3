/*
 * l1keys.h: the nl.* keys of L1's kernel command line. nestlab nested
 * writes them (vmm/nested.c, nested_cmdline) and l1-shim reads them from
 * /proc/cmdline (l1-shim/shim.c, parse_cmdline); one spelling here, so the
 * two cannot drift apart. What each value means, and what else is on the
 * line: docs/abi.md, "The L1 command line (nested runs)".
 *
 * Each macro is the key with its '=', ready to be pasted into a format
 * string or compared against the start of a word.
 */
#ifndef NESTLAB_L1KEYS_H
#define NESTLAB_L1KEYS_H

#define L1KEY_PAGING	"nl.paging="	/* shadow|nested */
#define L1KEY_SWAP	"nl.swap="	/* swap bytes, 0: none */
#define L1KEY_TRACE	"nl.trace="	/* 0|1: exit tracing in L1 */
#define L1KEY_L2TIMEOUT	"nl.l2timeout="	/* each L2's --timeout, 0: none */
#define L1KEY_KSM	"nl.ksm="	/* KSM pages_to_scan in L1, 0: KSM left off */
#define L1KEY_THP	"nl.thp="	/* L1's THP mode: always|madvise|never, or keep */
#define L1KEY_ZSWAP	"nl.zswap="	/* 0|1: zswap in front of L1's swap */
#define L1KEY_SWAPDEV	"nl.swapdev="	/* zram|disk: L1's swap on zram, or on the virtio disk */
#define L1KEY_KVMHOLD	"nl.kvmhold="	/* 0|1: l1-shim holds a VM open from before the L2s */
#define L1KEY_L2	"nl.l2="	/* SPEC;SPEC;... (lib/l2spec.c) */

/* strlen() of a key, at compile time. */
#define L1KEY_LEN(key)	(sizeof(key) - 1)

#endif
