#!/usr/bin/env bash
# What a page fault and a CPUID cost on this machine: in VMs both trap to
# the hypervisor and cost far more than on bare metal (about 0.1-0.5 us per
# fault there), which is most of a short process's start-up. bench/issue.sh
# reports pkit's start-up; this says why it is what it is.
#
#   bash bench/faults.sh
set -euo pipefail
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/faults.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
static double us(struct timespec a, struct timespec b) {
  return ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1000.0;
}
int main(void) {
  int n = 10000;
  struct timespec a, b;
  char *p = mmap(0, (size_t)n * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 1;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < n; i++) p[(size_t)i * 4096] = 1;
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("page fault (first touch of a 4 KiB page): %.2f us\n", us(a, b) / n);
  unsigned x = 0;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < 1000; i++) {
    unsigned e, bb, c, d;
    __asm__ volatile("cpuid" : "=a"(e), "=b"(bb), "=c"(c), "=d"(d) : "a"(0));
    x += e;
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("cpuid: %.2f us (%u)\n", us(a, b) / 1000, x % 2);
  return 0;
}
C
cc -O2 -o "$dir/faults" "$dir/faults.c"
"$dir/faults"
