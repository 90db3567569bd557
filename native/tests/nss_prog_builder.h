// Builds stage-2 programs laid out as ProgramWriter lays them out (nss_stage2.h), for the C harnesses.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "../nss_stage2.h"

#define BUILDER_DATA (64 * 1024)
#define BUILDER_OPS 256

struct builder {
    uint8_t data[BUILDER_DATA]; // the header's room, then strings, string arrays and filters
    uint32_t length;
    struct nss_op ops[BUILDER_OPS];
    uint32_t op_count, flags;
};

void b_init(struct builder *b, uint32_t flags);
// Offsets of a NUL-terminated string, a NULL-terminated list of strings as a string array, and a filter of
// `instructions` SECCOMP_RET_ALLOW instructions.
uint32_t b_str(struct builder *b, const char *s);
uint32_t b_strs(struct builder *b, const char *const *list);
uint32_t b_filter(struct builder *b, uint32_t instructions);
void b_op(struct builder *b, uint32_t code, uint32_t what, uint32_t a, uint32_t b_, uint32_t c, uint64_t d, uint64_t e);
// An exec of argv[0] (its only candidate) with argv and an empty environment.
void b_exec(struct builder *b, const char *const *argv);
// Header, data, then the ops and a closing zero word. Returns the length, or 0 if cap is too small.
uint32_t b_finish(const struct builder *b, uint8_t *out, size_t cap);
