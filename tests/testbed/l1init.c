// SPDX-License-Identifier: MIT
/*
 * /init of the L1 Linux that tests/testbed/test_l1boot.sh boots with
 * nestlab inside the testbed: reports what L1 sees (CPUs, SVM and NPT in
 * its CPU flags), loads the KVM modules listed in /modules.load, opens
 * /dev/kvm, reports KVM's API version and kvm_amd's npt parameter, and
 * powers L1 off (or reboots it, with l1init=reboot on the kernel command
 * line). With l1init=dmesg it first prints the kernel's uptime and its log
 * (for comparing the boot phases of two VMMs). With l1init=echo it last
 * prints "L1INIT ready-for-input", reads one line from its console (the
 * VMM's stdin, through COM1) and prints it back as "L1INIT stdin=LINE", or
 * "L1INIT stdin-timeout". With l1init=disk it checks the virtio disk
 * (disk_check). Every line it prints starts with "L1INIT ".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

/*
 * One line from stdin, the console (ttyS0), within 60 s. Canonical mode,
 * so that the tty hands over whole lines, and ICRNL, so that a terminal's
 * Enter (CR) ends one too; ECHO stays as the kernel set it, as for a shell,
 * so the line shows on the console twice: echoed, then reported.
 */
static void echo_line(void)
{
	char buf[256];
	struct termios t;
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	ssize_t n;
	int r;

	if (tcgetattr(STDIN_FILENO, &t)) {
		printf("L1INIT stdin-error tcgetattr: %s\n", strerror(errno));
		return;
	}
	t.c_lflag |= ICANON;
	t.c_iflag |= ICRNL;
	t.c_iflag &= ~(tcflag_t)(IGNCR | INLCR);
	/* TCSANOW, not TCSAFLUSH: nothing that has arrived may be dropped. */
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t)) {
		printf("L1INIT stdin-error tcsetattr: %s\n", strerror(errno));
		return;
	}
	/* Input is sent only after this line, which must be out first. */
	printf("L1INIT ready-for-input\n");
	fflush(stdout);
	do
		r = poll(&p, 1, 60 * 1000);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		printf("L1INIT stdin-error poll: %s\n", strerror(errno));
		return;
	}
	if (r == 0) {
		printf("L1INIT stdin-timeout\n");
		return;
	}
	n = read(STDIN_FILENO, buf, sizeof(buf) - 1);
	if (n < 0) {
		printf("L1INIT stdin-error read: %s\n", strerror(errno));
		return;
	}
	buf[n] = 0;
	buf[strcspn(buf, "\r\n")] = 0;
	printf("L1INIT stdin=%s\n", buf);
}

/* l1init=disk: the virtio disk nestlab's --disk gives (virtio_mmio and
 * virtio_blk from /modules.load): its size, then a pattern written to
 * its first and last 4 KiB and read back past the page cache (O_DIRECT:
 * the bytes go through nestlab), then the first 16 bytes as they were
 * before, which the test wrote into the file. */
static void disk_check(void)
{
	static char buf[4096] __attribute__((aligned(4096))), back[4096] __attribute__((aligned(4096)));
	unsigned long long sectors = 0;
	int fd = -1, ok = 0;
	char first[17] = "";
	FILE *f;

	for (int i = 0; i < 50 && access("/dev/vda", F_OK); i++)
		usleep(100000);       /* the driver probes asynchronously */
	f = fopen("/sys/block/vda/size", "r");
	if (f) {
		if (fscanf(f, "%llu", &sectors) != 1)
			sectors = 0;
		fclose(f);
	}
	fd = open("/dev/vda", O_RDWR | O_DIRECT | O_CLOEXEC);
	if (fd >= 0 && pread(fd, back, sizeof(back), 0) == (ssize_t)sizeof(back)) {
		memcpy(first, back, 16);
		for (int i = 0; i < 16; i++)
			if (first[i] < 0x21 || first[i] > 0x7e)
				first[i] = '.';
	}
	if (fd >= 0 && sectors >= 16) {
		off_t last = (off_t)(sectors * 512 - sizeof(buf));

		ok = 1;
		for (int k = 0; k < 2 && ok; k++) {
			off_t at = k ? last : 0;

			for (size_t i = 0; i < sizeof(buf); i++)
				buf[i] = (char)(i * 7 + k + 1);
			ok = pwrite(fd, buf, sizeof(buf), at) == (ssize_t)sizeof(buf) &&
			     fsync(fd) == 0 &&
			     pread(fd, back, sizeof(back), at) == (ssize_t)sizeof(back) &&
			     !memcmp(buf, back, sizeof(buf));
		}
	}
	printf("L1INIT disk sectors=%llu first=%s rw=%s\n", sectors, first[0] ? first : "-",
	       ok ? "ok" : fd < 0 ? "no-device" : "mismatch");
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
	if (cmdline_has("l1init=echo"))
		echo_line();
	if (cmdline_has("l1init=disk"))
		disk_check();
	fflush(stdout);
	/* Every byte out of the UART before the power goes. */
	tcdrain(STDOUT_FILENO);
	sync();
	if (cmdline_has("l1init=reboot"))
		reboot(RB_AUTOBOOT);
	reboot(RB_POWER_OFF);
	return 0;
}
