// SPDX-License-Identifier: MIT
/*
 * What L1's kernel offers, read and set up: file systems, KVM and zram
 * modules (with the run's paging parameters), zram swap, the CPU's
 * virtualization flags, /proc/vmstat and /proc/meminfo.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "l1shim.h"
#include "moddep.h"
#include "modload.h"
#include "procstat.h"

uint64_t sys_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int sys_read(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = read(fd, buf, n - 1);
	close(fd);
	if (r < 0)
		return -errno;
	buf[r] = 0;
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		buf[--r] = 0;
	return 0;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = write(fd, s, strlen(s));
	close(fd);
	return r < 0 ? -errno : 0;
}

int sys_load_module(const char *name, const char *params, char *msg, size_t n)
{
	const struct modload ml = { .dir = "/lib/modules" };

	return modload(&ml, name, params, msg, n);
}

int sys_module_param(const char *mod, const char *param, char *buf, size_t n)
{
	char path[160];

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", mod, param);
	return sys_read(path, buf, n);
}

/* KSM, THP and zswap in L1 as the run asks: KSM's scanner on with pages_to_scan
 * (it merges only memory marked mergeable: the L2s' nestlab --ksm), THP's
 * mode unless "keep", and zswap when asked (once a swap device is on). */
int sys_memory_techniques(unsigned int ksm_pages, const char *thp, bool zswap, char *msg,
			  size_t n)
{
	char num[16];
	int rc;

	if (ksm_pages) {
		snprintf(num, sizeof(num), "%u", ksm_pages);
		if ((rc = write_str("/sys/kernel/mm/ksm/pages_to_scan", num)) < 0 ||
		    (rc = write_str("/sys/kernel/mm/ksm/sleep_millisecs", "20")) < 0 ||
		    (rc = write_str("/sys/kernel/mm/ksm/run", "1")) < 0) {
			snprintf(msg, n, "KSM in L1: %s (does L1's kernel have CONFIG_KSM?)", strerror(-rc));
			return rc;
		}
	}
	if (thp[0] && strcmp(thp, "keep") &&
	    (rc = write_str("/sys/kernel/mm/transparent_hugepage/enabled", thp)) < 0) {
		snprintf(msg, n, "THP mode %s in L1: %s", thp, strerror(-rc));
		return rc;
	}
	/* after swapon: zswap stores pages headed for a swap device, and
	 * the kernel's compressor and pool defaults stand (read back) */
	if (zswap && (rc = write_str("/sys/module/zswap/parameters/enabled", "Y")) < 0) {
		snprintf(msg, n, "zswap in L1: %s (does L1's kernel have CONFIG_ZSWAP?)", strerror(-rc));
		return rc;
	}
	return 0;
}

/* The v1 swap header mkswap writes, then swapon: the kernel checks the
 * magic at the end of the first page, the version and the last page. */
static int swap_on(const char *dev, uint64_t size, char *msg, size_t n)
{
	static uint8_t page[4096];
	uint32_t v;
	int fd;

	memset(page, 0, sizeof(page));
	v = 1;
	memcpy(page + 1024, &v, 4);                     /* version */
	v = (uint32_t)(size / 4096 - 1);
	memcpy(page + 1028, &v, 4);                     /* last_page */
	memcpy(page + 4096 - 10, "SWAPSPACE2", 10);
	fd = open(dev, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || pwrite(fd, page, sizeof(page), 0) != (ssize_t)sizeof(page)) {
		int e = errno;

		snprintf(msg, n, "%s: cannot write a swap header: %s", dev, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	fsync(fd);
	close(fd);
	if (swapon(dev, 0) < 0) {
		snprintf(msg, n, "swapon %s: %s", dev, strerror(errno));
		return -errno;
	}
	return 0;
}

int sys_zram_swap(uint64_t size, char *msg, size_t n)
{
	char num[32];
	int rc;

	if ((rc = sys_load_module(MODDEP_ZRAM, "num_devices=1", msg, n)) < 0)
		return rc;
	snprintf(num, sizeof(num), "%llu", (unsigned long long)size);
	if ((rc = write_str("/sys/block/zram0/disksize", num)) < 0) {
		snprintf(msg, n, "zram0 disksize %s: %s", num, strerror(-rc));
		return rc;
	}
	return swap_on("/dev/zram0", size, msg, n);
}

/* Swap on the virtio disk L0's nestlab gives L1 for it (docs/abi.md, the
 * virtio disk): the drivers bind as they load, the block device appears
 * through devtmpfs a moment later; its size is L1's word, not ours. */
int sys_disk_swap(uint64_t size, char *msg, size_t n)
{
	char num[32];
	uint64_t sectors;
	int rc;

	if ((rc = sys_load_module(MODDEP_VIRTIO_MMIO, "", msg, n)) < 0 ||
	    (rc = sys_load_module(MODDEP_VIRTIO_BLK, "", msg, n)) < 0)
		return rc;
	for (int i = 0; i < 100 && access("/dev/vda", F_OK); i++)
		usleep(50000);
	if (sys_read("/sys/block/vda/size", num, sizeof(num)) < 0) {
		snprintf(msg, n, "no virtio disk /dev/vda 5 s after virtio_blk loaded (did L0's nestlab give L1 a disk?)");
		return -ENODEV;
	}
	sectors = strtoull(num, NULL, 10);
	if (sectors * 512 < size) {
		snprintf(msg, n, "/dev/vda has %llu bytes, less than the %llu asked for swap",
			 (unsigned long long)(sectors * 512), (unsigned long long)size);
		return -ENOSPC;
	}
	return swap_on("/dev/vda", size, msg, n);
}

void sys_cpu(struct sys_cpu *c)
{
	unsigned int a, b, cx, d;

	memset(c, 0, sizeof(*c));
	__cpuid(0, a, b, cx, d);
	memcpy(c->vendor, &b, 4);
	memcpy(c->vendor + 4, &d, 4);
	memcpy(c->vendor + 8, &cx, 4);
	c->amd = !strcmp(c->vendor, "AuthenticAMD") || !strcmp(c->vendor, "HygonGenuine");
	c->intel = !strcmp(c->vendor, "GenuineIntel");
	__cpuid(1, a, b, cx, d);
	c->vmx = cx & (1u << 5);
	c->hypervisor = cx & (1u << 31);
	if (__get_cpuid(0x80000001, &a, &b, &cx, &d))
		c->svm = cx & (1u << 2);
	if (c->svm && __get_cpuid(0x8000000a, &a, &b, &cx, &d))
		c->npt = d & 1;
	c->cpus = (unsigned int)sysconf(_SC_NPROCESSORS_ONLN);
	/* EPT is no CPUID bit: the kernel reads VMX's capability MSRs (which
	 * nestlab filters for a shadow-paging L1) and says "ept" in flags. */
	if (c->vmx)
		c->ept = procstat_cpu_flag("ept");
}

bool sys_oom_killed(pid_t pid)
{
	char rec[1024], want[48];
	bool found = false;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return false;
	snprintf(want, sizeof(want), "Killed process %d ", (int)pid);
	/* one record per read; EPIPE when a record was overwritten: go on */
	while ((r = read(fd, rec, sizeof(rec) - 1)) != 0) {
		if (r < 0) {
			if (errno == EPIPE)
				continue;
			break;
		}
		rec[r] = 0;
		if (strstr(rec, want))
			found = true;
	}
	close(fd);
	return found;
}
