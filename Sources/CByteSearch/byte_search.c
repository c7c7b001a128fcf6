#include "CByteSearch.h"
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define JIDO_X86 1
#endif

/* Appends the offsets `base + i` of the set bits i of `mask` at out[count...]; returns the new count.
 * Four are written whatever the number of bits (the extra ones are scratch), so a word of up to four
 * costs no data-dependent branch. */
static inline size_t flatten(uint64_t mask, uint32_t base, uint32_t *out, size_t count) {
    size_t bits = (size_t)__builtin_popcountll(mask);
    uint32_t *at = out + count;
    for (int k = 0; k < 4; k++) {
        at[k] = base + (uint32_t)__builtin_ctzll(mask | 0x8000000000000000ULL);
        mask &= mask - 1;
    }
    if (bits > 4) {
        for (size_t k = 4; mask != 0; k++) {
            at[k] = base + (uint32_t)__builtin_ctzll(mask);
            mask &= mask - 1;
        }
    }
    return count + bits;
}

static uint64_t mask_portable(const unsigned char *block, unsigned char value) {
    uint64_t mask = 0;
    for (int i = 0; i < 64; i++) mask |= (uint64_t)(block[i] == value) << i;
    return mask;
}

#if !JIDO_X86
static size_t offsets_portable(const unsigned char *p, size_t blocks, unsigned char value, uint32_t *out) {
    size_t count = 0;
    for (size_t b = 0; b < blocks; b++) count = flatten(mask_portable(p + 64 * b, value), (uint32_t)(64 * b), out, count);
    return count;
}
#endif

#if JIDO_X86
__attribute__((target("avx2,popcnt,bmi")))
static size_t offsets_avx2(const unsigned char *p, size_t blocks, unsigned char value, uint32_t *out) {
    const __m256i needle = _mm256_set1_epi8((char)value);
    size_t count = 0;
    for (size_t b = 0; b < blocks; b++) {
        const unsigned char *block = p + 64 * b;
        uint64_t low = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)block), needle));
        uint64_t high = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(block + 32)), needle));
        count = flatten(low | (high << 32), (uint32_t)(64 * b), out, count);
    }
    return count;
}

static size_t offsets_sse2(const unsigned char *p, size_t blocks, unsigned char value, uint32_t *out) {
    const __m128i needle = _mm_set1_epi8((char)value);
    size_t count = 0;
    for (size_t b = 0; b < blocks; b++) {
        const unsigned char *block = p + 64 * b;
        uint64_t mask = 0;
        for (int k = 0; k < 4; k++) {
            __m128i bytes = _mm_loadu_si128((const __m128i *)(block + 16 * k));
            mask |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, needle)) << (16 * k);
        }
        count = flatten(mask, (uint32_t)(64 * b), out, count);
    }
    return count;
}
#endif

size_t jido_byte_offsets(const void *p, size_t n, unsigned char value, uint32_t *out) {
    const unsigned char *bytes = (const unsigned char *)p;
    size_t blocks = n / 64;
    size_t count;
#if JIDO_X86
    /* Asked once per process (racing first calls store the same answer). */
    static int avx2 = -1;
    int has_avx2 = __atomic_load_n(&avx2, __ATOMIC_RELAXED);
    if (has_avx2 < 0) {
        __builtin_cpu_init();
        has_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi") ? 1 : 0;
        __atomic_store_n(&avx2, has_avx2, __ATOMIC_RELAXED);
    }
    count = has_avx2 ? offsets_avx2(bytes, blocks, value, out) : offsets_sse2(bytes, blocks, value, out);
#else
    count = offsets_portable(bytes, blocks, value, out);
#endif
    size_t rest = n % 64;
    if (rest != 0) {
        unsigned char tail[64];
        memset(tail, (unsigned char)~value, sizeof tail);
        memcpy(tail, bytes + 64 * blocks, rest);
        count = flatten(mask_portable(tail, value), (uint32_t)(64 * blocks), out, count);
    }
    return count;
}
