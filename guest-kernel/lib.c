/* SPDX-License-Identifier: MIT */
/*
 * The four functions the compiler may call in freestanding code. They run
 * mostly in ring 3 (for the workloads), where rep movsb/stosb is fast.
 */
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	if ((uintptr_t)dst - (uintptr_t)src >= n)
		return memcpy(dst, src, n);   /* no harmful overlap */
	{
		unsigned char *d = (unsigned char *)dst + n - 1;
		const unsigned char *s = (const unsigned char *)src + n - 1;

		__asm__ volatile("std; rep movsb; cld"
				 : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}
