// SPDX-License-Identifier: MIT
/*
 * /init of the L1 Linux that tests/testbed/test_l1boot.sh boots with
 * nestlab inside the testbed: reports what L1 sees (CPUs, SVM and NPT in
 * its CPU flags), loads the KVM modules listed in /modules.load, opens
 * /dev/kvm, reports KVM's API version and kvm_amd's npt parameter, and
 * powers L1 off (or reboots it, with l1init=reboot on the kernel command
 * line). With l1init=dmesg it first prints the kernel's uptime and its log
 * (for comparing the boot phases of two VMMs). Every line it prints starts
 * with "L1INIT ".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>
#include <linux/kvm.h>

static void cpu_report(void)
{
	char line[8192];
	int cpus = 0, svm = 0, npt = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "processor", 9))
			cpus++;
		if (!strncmp(line, "flags", 5)) {
			svm |= strstr(line, " svm") != NULL;
			npt |= strstr(line, " npt") != NULL;
		}
	}
	if (f)
		fclose(f);
	printf("L1INIT cpus=%d svm=%d npt=%d\n", cpus, svm, npt);
}

static int load_modules(void)
{
	char line[256], path[300];
	FILE *f = fopen("/modules.load", "r");
	int bad = 0;

	while (f && fgets(line, sizeof(line), f)) {
		char *params = strchr(line, ' ');
		int fd;

		line[strcspn(line, "\n")] = 0;
		if (params)
			*params++ = 0;
		snprintf(path, sizeof(path), "/modules/%s", line);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (syscall(SYS_finit_module, fd, params ? params : "", 0) &&
			       errno != EEXIST)) {
			printf("L1INIT module %s failed: %s\n", line, strerror(errno));
			bad++;
		}
		if (fd >= 0)
			close(fd);
	}
	if (f)
		fclose(f);
	return bad;
}

/* The kernel log with its timestamps, read without blocking from /dev/kmsg. */
static void kmsg_dump(void)
{
	char rec[2048];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ssize_t n;

	while (fd >= 0 && (n = read(fd, rec, sizeof(rec) - 1)) > 0) {
		rec[n] = 0;
		rec[strcspn(rec, "\n")] = 0;
		printf("L1INIT kmsg %s\n", rec);
	}
	if (fd >= 0)
		close(fd);
}

static int cmdline_has(const char *word)
{
	char line[1024];
	FILE *f = fopen("/proc/cmdline", "r");
	int has = f && fgets(line, sizeof(line), f) && strstr(line, word);

	if (f)
		fclose(f);
	return has;
}

int main(void)
{
	char npt[8] = "?", line[1024];
	int fd, v = -1;
	FILE *f;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	if (cmdline_has("l1init=dmesg")) {
		f = fopen("/proc/uptime", "r");
		if (f && fgets(line, sizeof(line), f))
			printf("L1INIT uptime %s", line);
		if (f)
			fclose(f);
		kmsg_dump();
	}
	cpu_report();
	printf("L1INIT modules_failed=%d\n", load_modules());
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		v = ioctl(fd, KVM_GET_API_VERSION, 0);
	f = fopen("/sys/module/kvm_amd/parameters/npt", "r");
	if (f) {
		if (!fgets(npt, sizeof(npt), f))
			npt[0] = '?';
		npt[strcspn(npt, "\n")] = 0;
		fclose(f);
	}
	printf("L1INIT kvm_api=%d kvm_amd_npt=%s\n", v, npt);
	fflush(stdout);
	/* Every byte out of the UART before the power goes. */
	tcdrain(STDOUT_FILENO);
	sync();
	if (cmdline_has("l1init=reboot"))
		reboot(RB_AUTOBOOT);
	reboot(RB_POWER_OFF);
	return 0;
}
