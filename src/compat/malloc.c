/* The static entrypoints' allocator, in place of musl's. The entrypoints allocate a few dozen KB
 * in small pieces while they set up, and little after (run's leader only when an app exits).
 * musl's mallocng maps and unmaps pages as its size classes fill and empty: forty mmap and
 * munmap calls in one run's start-up, each with its page faults and, for munmap, a TLB flush.
 * This one cuts blocks of power-of-two sizes out of an arena whose first ARENA_FIRST bytes (or
 * what the entrypoint asks, s1_malloc_first_arena) are mapped populated in one call, keeps freed
 * blocks on a list per size, and maps a block of its own only over CLASS_MAX. The entrypoints are
 * single-threaded, and a CLONE_VM child allocates only while its parent waits (spawn.c): no lock.
 *
 * musl's own allocations (atexit, locales, time zones) go through __libc_malloc, which stays
 * musl's: the two never see each other's blocks. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The unit test (tests/unit/test_malloc.c) builds this file under names of its own. */
#ifdef S1_MALLOC_TEST
#define malloc s1m_malloc
#define free s1m_free
#define calloc s1m_calloc
#define realloc s1m_realloc
#define aligned_alloc s1m_aligned_alloc
#define posix_memalign s1m_posix_memalign
#define memalign s1m_memalign
#define malloc_usable_size s1m_malloc_usable_size
void *malloc(size_t n);
void free(void *p);
void *calloc(size_t m, size_t n);
void *realloc(void *p, size_t n);
void *aligned_alloc(size_t align, size_t n);
int posix_memalign(void **out, size_t align, size_t n);
void *memalign(size_t align, size_t n);
size_t malloc_usable_size(void *p);
#endif

#define ALIGN 16
#define CLASS_MIN 16 /* bytes a block of class 0 holds */
#define NCLASS 13    /* 16 B .. 64 KB */
#define CLASS_MAX (CLASS_MIN << (NCLASS - 1))
#define BIG NCLASS	       /* the class of a block mapped on its own */
#define ARENA_FIRST (64 << 10) /* populated at the first allocation */
#define ARENA_NEXT (256 << 10) /* each further arena, faulted in as it is used */

/* The high bits of a header's cls: whether the block is in use. A free of anything else (a
 * block freed already, a pointer into a block, a header a write past the block before it has
 * overwritten) and a free list whose next block is not a free one of its class (a write into a
 * freed block) abort: musl's allocator checks as much, out of band. */
#define LIVE 0x5a110c00u
#define FREED 0xf7eedb00u
#define TAG_MASK 0xffffff00u

/* Before every block: its class and state and, for a mapped one, where its mapping starts. */
struct hdr {
	uint32_t cls; /* the class, or BIG, ORed with LIVE or FREED */
	uint32_t off; /* from the mapping's start to the block (BIG only) */
	size_t size;  /* what the block holds */
};
_Static_assert(sizeof(struct hdr) == ALIGN, "blocks stay 16-byte aligned");

static struct hdr *free_list[NCLASS]; /* a free block keeps the next one in its first bytes */
static char *bump, *bump_end;

/* An entrypoint that needs less at start-up defines how much the first allocation maps
 * populated (enter: half of ARENA_FIRST); the others get ARENA_FIRST. */
extern const size_t s1_malloc_first_arena __attribute__((weak));

static size_t first_arena(void)
{
	return &s1_malloc_first_arena && s1_malloc_first_arena ? s1_malloc_first_arena
							       : ARENA_FIRST;
}

static struct hdr *hdr_of(void *p)
{
	return (struct hdr *)p - 1;
}

static unsigned class_of(size_t n)
{
	unsigned c = 0;
	while (((size_t)CLASS_MIN << c) < n)
		c++;
	return c;
}

static void *map(size_t len, int populate)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0), -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static size_t page_round(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	return (n + pg - 1) & ~(pg - 1);
}

/* The class of a block being freed or reused, after checking its header says state. */
static unsigned checked_class(const struct hdr *h, uint32_t state)
{
	unsigned c = h->cls & ~TAG_MASK;
	bool ok = (h->cls & TAG_MASK) == state &&
		  (c < NCLASS ? h->size == (size_t)CLASS_MIN << c && h->off == 0
			      : c == BIG && h->off >= ALIGN && h->off % ALIGN == 0 &&
				    h->size <= SIZE_MAX / 2);
	if (!ok)
		abort();
	return c;
}

/* A block of its own mapping, its data ALIGN-aligned or, for an alignment over that, aligned
 * as asked (the mapping has room for the header before the first such address in it). */
static void *alloc_big(size_t n, size_t align)
{
	size_t pad =
	    align > ALIGN ? align : 0; /* an aligned address at most pad past base + ALIGN */
	if (align > (1u << 30) || n > SIZE_MAX / 2 - ALIGN - pad) {
		errno = ENOMEM;
		return NULL;
	}
	size_t len = page_round(ALIGN + pad + n);
	char *base = map(len, 0);
	if (!base) {
		errno = ENOMEM;
		return NULL;
	}
	size_t off = ALIGN;
	if (pad)
		off = (((uintptr_t)base + ALIGN + align - 1) & ~(uintptr_t)(align - 1)) -
		      (uintptr_t)base;
	struct hdr *h = (struct hdr *)(base + off) - 1;
	h->cls = BIG | LIVE;
	h->off = (uint32_t)off;
	h->size = len - off;
	return h + 1;
}

static void *alloc_class(unsigned c)
{
	struct hdr *h = free_list[c];
	if (h) {
		if (checked_class(h, FREED) != c)
			abort();
		memcpy(&free_list[c], h + 1, sizeof(free_list[c]));
		h->cls = c | LIVE;
		return h + 1;
	}
	size_t need = sizeof(struct hdr) + ((size_t)CLASS_MIN << c);
	if ((size_t)(bump_end - bump) < need) {
		size_t len = bump ? ARENA_NEXT : first_arena();
		if (len < need)
			len = ARENA_NEXT; /* a first block larger than the first arena */
		char *a = map(len, bump == NULL);
		if (!a) {
			errno = ENOMEM;
			return NULL;
		}
		bump = a; /* what was left of the last arena stays unused */
		bump_end = a + len;
	}
	h = (struct hdr *)bump;
	bump += need;
	h->cls = c | LIVE;
	h->off = 0;
	h->size = (size_t)CLASS_MIN << c;
	return h + 1;
}

/* Called by name, malloc's builtin semantics would let the compiler reject a look at the header
 * in front of what it returns. */
static void *alloc(size_t n)
{
	return n <= CLASS_MAX ? alloc_class(class_of(n)) : alloc_big(n, ALIGN);
}

void *malloc(size_t n)
{
	return alloc(n);
}

void free(void *p)
{
	if (!p)
		return;
	struct hdr *h = hdr_of(p);
	unsigned c = checked_class(h, LIVE);
	if (c == BIG) {
		munmap((char *)p - h->off, h->off + h->size);
		return;
	}
	memcpy(p, &free_list[c], sizeof(free_list[c]));
	h->cls = c | FREED;
	free_list[c] = h;
}

void *calloc(size_t m, size_t n)
{
	if (n && m > SIZE_MAX / n) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = alloc(m * n);
	if (p && (hdr_of(p)->cls & ~TAG_MASK) != BIG) /* a fresh mapping is zero already */
		memset(p, 0, m * n);
	return p;
}

void *realloc(void *p, size_t n)
{
	if (!p)
		return alloc(n);
	struct hdr *h = hdr_of(p);
	unsigned c = checked_class(h, LIVE);
	if (n <= h->size && (c == BIG || c == 0 || n > h->size / 2))
		return p;
	void *q = alloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, n < h->size ? n : h->size);
	free(p);
	return q;
}

void *aligned_alloc(size_t align, size_t n)
{
	if (!align || (align & (align - 1))) {
		errno = EINVAL;
		return NULL;
	}
	return align <= ALIGN ? alloc(n) : alloc_big(n, align);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	void *p = aligned_alloc(align, n);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void *memalign(size_t align, size_t n)
{
	return aligned_alloc(align, n);
}

size_t malloc_usable_size(void *p)
{
	return p ? hdr_of(p)->size : 0;
}
