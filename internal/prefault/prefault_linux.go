//go:build linux && cgo

package prefault

/*
#define _GNU_SOURCE
#include <link.h>
#include <stdint.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

// populate maps the read-only loaded segments of the program (its code,
// read-only data and Go's tables): the writable ones would be copied on
// their first write anyway.
static int pkit_populate(struct dl_phdr_info *info, size_t size, void *data) {
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W)) {
			continue;
		}
		uintptr_t start = (info->dlpi_addr + ph->p_vaddr) & ~(uintptr_t)4095;
		uintptr_t end = info->dlpi_addr + ph->p_vaddr + ph->p_filesz;
		madvise((void *)start, end - start, MADV_POPULATE_READ);
	}
	return 1; // the program itself only: it is the first object
}

__attribute__((constructor)) static void pkit_prefault(void) {
	dl_iterate_phdr(pkit_populate, 0);
}
*/
import "C"
