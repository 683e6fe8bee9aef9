/* Unit tests of the static entrypoints' allocator (src/compat/malloc.c), built here under names
 * of its own: sizes and alignment, reuse of freed blocks, zeroing, realloc, blocks mapped on
 * their own, and the requests it must refuse. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#define S1_MALLOC_TEST
#include "../../src/compat/malloc.c"

static bool aligned(const void *p, size_t a)
{
	return ((uintptr_t)p & (a - 1)) == 0;
}

/* Every size up to past the largest class: aligned, as large as asked, and the blocks alive at
 * once never overlap (each is filled with its own byte and checked after all are made). */
static void test_sizes_alignment_no_overlap(void **state)
{
	(void)state;
	static const size_t sizes[] = {0,     1,     15,    16,	   17,	   31,	   32,
				       33,    100,   1000,  4095,  4096,   4097,   32768,
				       65535, 65536, 65537, 70000, 200000, 1 << 20};
	enum { N = sizeof(sizes) / sizeof(sizes[0]) };
	unsigned char *p[N];
	for (size_t i = 0; i < N; i++) {
		p[i] = s1m_malloc(sizes[i]);
		assert_non_null(p[i]);
		assert_true(aligned(p[i], 16));
		assert_true(s1m_malloc_usable_size(p[i]) >= sizes[i]);
		memset(p[i], (int)i + 1, sizes[i]);
	}
	for (size_t i = 0; i < N; i++) {
		for (size_t j = 0; j < sizes[i]; j++)
			if (p[i][j] != (unsigned char)(i + 1))
				fail_msg("block %zu (size %zu) changed at byte %zu", i, sizes[i],
					 j);
		s1m_free(p[i]);
	}
	s1m_free(NULL);
}

/* A freed block is the next one given out of its size; another size does not take it. */
static void test_free_reuses(void **state)
{
	(void)state;
	void *a = s1m_malloc(40);
	void *b = s1m_malloc(40);
	s1m_free(a);
	void *c = s1m_malloc(200);
	assert_ptr_not_equal(c, a);
	assert_ptr_equal(s1m_malloc(33), a); /* the same class: 33..64 */
	s1m_free(b);
	s1m_free(c);
}

/* calloc zeroes a reused block too, and refuses a product that overflows. */
static void test_calloc_zeroes(void **state)
{
	(void)state;
	unsigned char *a = s1m_malloc(100);
	memset(a, 0xff, 100);
	s1m_free(a);
	unsigned char *z = s1m_calloc(10, 10);
	assert_ptr_equal(z, a);
	for (size_t i = 0; i < 100; i++)
		assert_int_equal(z[i], 0);
	s1m_free(z);
	unsigned char *big = s1m_calloc(1, 100000);
	assert_non_null(big);
	for (size_t i = 0; i < 100000; i += 4093)
		assert_int_equal(big[i], 0);
	s1m_free(big);
	errno = 0;
	assert_null(s1m_calloc(SIZE_MAX / 2, 3));
	assert_int_equal(errno, ENOMEM);
}

/* realloc keeps the content (the smaller of the two sizes), grows across classes and into a
 * mapped block and back, and keeps a block that still fits. */
static void test_realloc_keeps(void **state)
{
	(void)state;
	unsigned char *p = s1m_realloc(NULL, 10);
	assert_non_null(p);
	for (int i = 0; i < 10; i++)
		p[i] = (unsigned char)i;
	size_t sizes[] = {12, 100, 5000, 100000, 300, 5};
	size_t have = 10;
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		unsigned char *q = s1m_realloc(p, sizes[k]);
		assert_non_null(q);
		assert_true(s1m_malloc_usable_size(q) >= sizes[k]);
		size_t keep = have < sizes[k] ? have : sizes[k];
		for (size_t i = 0; i < keep; i++)
			if (q[i] != (unsigned char)(i % 251))
				fail_msg("realloc to %zu lost byte %zu", sizes[k], i);
		for (size_t i = keep; i < sizes[k]; i++)
			q[i] = (unsigned char)(i % 251);
		have = sizes[k];
		p = q;
	}
	assert_ptr_equal(s1m_realloc(p, 4), p); /* 5 -> 4: the same 16-byte block */
	/* One byte past a block's class: a larger block, never the same one. */
	for (size_t n = 16; n <= 65536; n <<= 1) {
		void *a = s1m_malloc(n);
		void *b = s1m_realloc(a, n + 1);
		assert_true(s1m_malloc_usable_size(b) >= n + 1);
		s1m_free(b);
	}
	s1m_free(p);
	errno = 0;
	assert_null(s1m_malloc(SIZE_MAX - 8));
	assert_int_equal(errno, ENOMEM);
}

/* Alignments past 16 come from a mapping of their own, and are freed by free. */
static void test_aligned(void **state)
{
	(void)state;
	for (size_t a = 1; a <= 65536; a <<= 1) {
		void *p = s1m_aligned_alloc(a, 100);
		assert_non_null(p);
		assert_true(aligned(p, a));
		memset(p, 1, 100);
		s1m_free(p);
		void *q = NULL;
		if (a >= sizeof(void *)) {
			assert_int_equal(s1m_posix_memalign(&q, a, 3000), 0);
			assert_true(aligned(q, a));
			memset(q, 2, 3000);
			s1m_free(q);
		} else {
			assert_int_equal(s1m_posix_memalign(&q, a, 3000), EINVAL);
		}
	}
	errno = 0;
	assert_null(s1m_aligned_alloc(24, 10));
	assert_int_equal(errno, EINVAL);
	void *m = s1m_memalign(64, 10);
	assert_true(aligned(m, 64));
	s1m_free(m);
}

/* Many small blocks: past the first arena into further ones, all usable. */
static void test_arenas(void **state)
{
	(void)state;
	enum { N = 20000 };
	static unsigned char *p[N];
	for (size_t i = 0; i < N; i++) {
		p[i] = s1m_malloc(48);
		assert_non_null(p[i]);
		memset(p[i], (int)(i & 0xff), 48);
	}
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(p[i][47], (unsigned char)(i & 0xff));
		s1m_free(p[i]);
	}
}

/* In a child with no arena yet: a first block larger than the first arena gets an arena it
 * fits in, and a second block after it. */
static void test_first_block_large(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		bump = bump_end = NULL;
		memset(free_list, 0, sizeof(free_list));
		size_t n = CLASS_MAX;
		unsigned char *p = s1m_malloc(n);
		if (!p || bump > bump_end || (char *)p + n > bump_end)
			_exit(1);
		memset(p, 7, n);
		unsigned char *q = s1m_malloc(16);
		if (!q || q < p + n || bump > bump_end)
			_exit(2);
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* fn in a child: it must die of SIGABRT (the allocator's check), not go on. */
static void assert_aborts(void (*fn)(void), const char *what)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGABRT, SIG_DFL); /* not cmocka's handlers */
		signal(SIGSEGV, SIG_DFL);
		fn();
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGABRT)
		fail_msg("%s: the child ended with status 0x%x, not SIGABRT", what, st);
}

static void double_free(void)
{
	void *p = s1m_malloc(24);
	s1m_free(p);
	s1m_free(p);
}

static void free_inside_block(void)
{
	char *p = s1m_malloc(64);
	s1m_free(p + 16);
}

static void overflow_into_next_header(void)
{
	/* Two blocks one right after the other (cut from the arena in turn). */
	char *a = s1m_malloc(32), *b = s1m_malloc(32);
	for (int i = 0; i < 1000 && b != a + 32 + sizeof(struct hdr); i++) {
		a = b;
		b = s1m_malloc(32);
	}
	if (b != a + 32 + sizeof(struct hdr))
		_exit(3);
	memset(a, 'x', 32 + 8); /* past a, over b's header */
	s1m_free(b);
}

static void write_after_free(void)
{
	char *a = s1m_malloc(200), *b = s1m_malloc(200), *live = s1m_malloc(200);
	s1m_free(a);
	s1m_free(b); /* the list: b, then a */
	/* b's next pointer, forged to hand out a block in use, as a write after free could. */
	struct hdr *forged = (struct hdr *)live - 1;
	memcpy(b, &forged, sizeof(forged));
	s1m_malloc(200); /* takes b */
	s1m_malloc(200); /* would take live */
}

static void realloc_freed(void)
{
	void *p = s1m_malloc(10);
	s1m_free(p);
	s1m_realloc(p, 20);
}

/* Misuse the checks catch: each aborts where it would corrupt the allocator. (A mapped block
 * freed twice faults instead: its header went with its mapping.) */
static void test_misuse_aborts(void **state)
{
	(void)state;
	assert_aborts(double_free, "double free");
	assert_aborts(free_inside_block, "free of a pointer into a block");
	assert_aborts(overflow_into_next_header, "free of a block whose header was overwritten");
	assert_aborts(write_after_free, "a free list forged through a freed block");
	assert_aborts(realloc_freed, "realloc of a freed block");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sizes_alignment_no_overlap),
	    cmocka_unit_test(test_free_reuses),
	    cmocka_unit_test(test_calloc_zeroes),
	    cmocka_unit_test(test_realloc_keeps),
	    cmocka_unit_test(test_aligned),
	    cmocka_unit_test(test_arenas),
	    cmocka_unit_test(test_first_block_large),
	    cmocka_unit_test(test_misuse_aborts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
