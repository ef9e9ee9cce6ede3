#!/bin/sh
# The x86-64 system call names as C array initialisers, "[NR] = "name","
# from the kernel's UAPI header (meson: vmm/meson.build, for core/confine.c).
#   usage: syscall_names.sh UNISTD_64_H
sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$/[\2] = "\1",/p' "$1"
