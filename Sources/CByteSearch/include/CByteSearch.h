#ifndef JIDO_CBYTESEARCH_H
#define JIDO_CBYTESEARCH_H
/* Where a byte value occurs: SIMD byte compares and movemask (which Swift cannot express), then the
 * set bits turned into offsets without a branch per bit. The line scans call it once per region of a
 * few KiB and then read consecutive offsets. */
#include <stddef.h>
#include <stdint.h>

/* Writes to `out`, in increasing order, every i < n with p[i] == value, and returns how many there
 * are. `out` must hold n + 8 entries (entries past the returned count are scratch). AVX2 when the
 * processor has it, SSE2 or a portable loop otherwise. */
size_t jido_byte_offsets(const void *p, size_t n, unsigned char value, uint32_t *out);

#endif
