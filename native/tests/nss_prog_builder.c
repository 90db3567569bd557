#include "nss_prog_builder.h"

#include <stdlib.h>
#include <string.h>

static uint8_t *reserve(struct builder *b, uint32_t n)
{
    if (b->length + n > BUILDER_DATA) abort(); // a harness bug, not a finding
    uint8_t *p = b->data + b->length;
    memset(p, 0, n);
    b->length += n;
    return p;
}

static void align8(struct builder *b) { reserve(b, ((b->length + 7) & ~7u) - b->length); }

void b_init(struct builder *b, uint32_t flags)
{
    b->length = 0;
    b->op_count = 0;
    b->flags = flags;
    reserve(b, sizeof(struct nss_prog));
}

uint32_t b_str(struct builder *b, const char *s)
{
    uint32_t at = b->length;
    size_t n = strlen(s) + 1;
    memcpy(reserve(b, (uint32_t)n), s, n);
    return at;
}

uint32_t b_strs(struct builder *b, const char *const *list)
{
    uint32_t count = 0, offsets[64];
    for (; list[count]; count++) {
        if (count == 64) abort();
        offsets[count] = b_str(b, list[count]);
    }
    align8(b);
    uint32_t at = b->length;
    uint64_t *words = (uint64_t *)(void *)reserve(b, 8 * (count + 2));
    words[0] = count;
    for (uint32_t i = 0; i < count; i++) words[1 + i] = offsets[i];
    return at;
}

uint32_t b_filter(struct builder *b, uint32_t instructions)
{
    align8(b);
    uint32_t at = b->length;
    uint8_t *block = reserve(b, 8 + 8 * instructions);
    memcpy(block, &instructions, 4);
    for (uint32_t i = 0; i < instructions; i++) {
        uint32_t allow = 0x7fff0000; // { BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW }
        uint16_t code = 0x06;
        memcpy(block + 8 + 8 * i, &code, 2);
        memcpy(block + 8 + 8 * i + 4, &allow, 4);
    }
    return at;
}

void b_op(struct builder *b, uint32_t code, uint32_t what, uint32_t a, uint32_t b_, uint32_t c, uint64_t d, uint64_t e)
{
    if (b->op_count == BUILDER_OPS) abort();
    struct nss_op *op = &b->ops[b->op_count++];
    memset(op, 0, sizeof *op);
    op->code = code;
    op->what = what;
    op->a = a;
    op->b = b_;
    op->c = c;
    op->d = d;
    op->e = e;
}

void b_exec(struct builder *b, const char *const *argv)
{
    const char *candidates[] = {argv[0], NULL}, *env[] = {"PATH=/usr/bin:/bin", NULL};
    uint32_t ca = b_strs(b, candidates), av = b_strs(b, argv), en = b_strs(b, env);
    b_op(b, NSS_OP_EXEC, b_str(b, "execve"), ca, av, en, 0, 0);
}

uint32_t b_finish(const struct builder *b, uint8_t *out, size_t cap)
{
    uint32_t ops_at = (b->length + 7) & ~7u;
    uint64_t length = (uint64_t)ops_at + (uint64_t)b->op_count * sizeof(struct nss_op) + 8;
    if (length > cap) return 0;
    memset(out, 0, (size_t)length);
    memcpy(out, b->data, b->length);
    memcpy(out + ops_at, b->ops, b->op_count * sizeof(struct nss_op));
    struct nss_prog header = {NSS_PROG_MAGIC, NSS_PROG_VERSION, b->op_count, ops_at, (uint32_t)length, b->flags};
    memcpy(out, &header, sizeof header);
    return (uint32_t)length;
}
