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
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

// populate maps the loaded segments of the program: the read-only ones
// (its code, read-only data and Go's tables) as they are, the writable
// one's initialised data as written (each page copied now rather than at
// its first write). Not its zeroed tail (.bss): most of it is a buffer few
// commands use (32 MB in Go's crypto), and mapping the rest measured no
// gain. Nor the part made read-only after relocation (RELRO), which
// cannot be written.
static int pkit_populate(struct dl_phdr_info *info, size_t size, void *data) {
	uintptr_t relro = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_GNU_RELRO) {
			relro = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + 4095) & ~(uintptr_t)4095;
		}
	}
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD) {
			continue;
		}
		uintptr_t start = (info->dlpi_addr + ph->p_vaddr) & ~(uintptr_t)4095;
		uintptr_t end = info->dlpi_addr + ph->p_vaddr + ph->p_filesz;
		int advice = MADV_POPULATE_READ;
		if (ph->p_flags & PF_W) {
			advice = MADV_POPULATE_WRITE;
			if (start < relro) {
				start = relro;
			}
		}
		if (end > start) {
			madvise((void *)start, end - start, advice);
		}
	}
	return 1; // the program itself only: it is the first object
}

__attribute__((constructor)) static void pkit_prefault(void) {
	dl_iterate_phdr(pkit_populate, 0);
}
*/
import "C"
