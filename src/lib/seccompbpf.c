/* The app's seccomp filter as BPF, made here rather than by libseccomp: the plan gives every
 * system call number one of three actions, consecutive numbers with the same action form an
 * interval (51 in rkt's default whitelist), and the program is a balanced binary search over
 * the intervals' starts whose comparisons jump to one RET per action at the end: about one
 * instruction an interval (59 for the default). libseccomp's tests each call alone (399
 * instructions); the kernel's conversion and JIT of the program at every pod start grow with
 * its length. Only LD, JEQ, JGE, JA and RET, which the kernel's action cache can emulate for
 * each call number. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "stage1c/seccomp.h"
#include "stage1c/util.h"

/* A conditional jump's offsets have 8 bits. */
#define MAX_COND_JUMP 255
/* x86-64's x32 ABI: the same call numbers with this bit set. */
#define X32_SYSCALL_BIT 0x40000000u

/* The numbers from start up to the next interval's start have one action. */
struct interval {
	uint32_t start, action;
};

struct intervals {
	struct interval *v;
	size_t n;
};

static void push(struct intervals *iv, uint32_t start, uint32_t action)
{
	if (iv->n > 0 && iv->v[iv->n - 1].action == action)
		return; /* the previous interval goes on */
	iv->v[iv->n++] = (struct interval){start, action};
}

/* The intervals over 0..UINT32_MAX from the plan's two sorted lists (a number in both takes
 * the first list's action): *next is the first number not covered yet. */
static int cover(struct intervals *iv, uint32_t *next, int nr, uint32_t action, uint32_t dflt,
		 struct s1_err *err)
{
	if (nr < 0 || (uint32_t)nr < *next)
		return s1_error(err, 0, "seccomp: system call %d is out of order in the plan", nr);
	if ((uint32_t)nr > *next)
		push(iv, *next, dflt);
	push(iv, (uint32_t)nr, action);
	*next = (uint32_t)nr + 1;
	return 0;
}

static int plan_intervals(const struct s1_seccomp_plan *plan, uint32_t kill, struct intervals *iv,
			  struct s1_err *err)
{
	uint32_t block = plan->errno_value
			     ? SECCOMP_RET_ERRNO | ((uint32_t)plan->errno_value & SECCOMP_RET_DATA)
			     : kill;
	uint32_t enosys = SECCOMP_RET_ERRNO | ENOSYS;
	bool retain = plan->mode == S1_SECCOMP_RETAIN;
	uint32_t listed = retain ? SECCOMP_RET_ALLOW : block;
	uint32_t dflt = retain ? block : SECCOMP_RET_ALLOW;
	/* In a retain-set the newer calls fail with ENOSYS, unless every blocked call does. */
	size_t n_enosys = retain && enosys != block ? plan->n_enosys : 0;

	iv->n = 0;
	iv->v = s1_xmalloc((2 * (plan->n_syscalls + n_enosys) + 1) * sizeof(*iv->v));
	uint32_t next = 0;
	size_t i = 0, j = 0;
	while (i < plan->n_syscalls || j < n_enosys) {
		int r;
		if (j == n_enosys ||
		    (i < plan->n_syscalls && plan->syscalls[i] <= plan->enosys[j])) {
			if (j < n_enosys && plan->syscalls[i] == plan->enosys[j])
				j++;
			r = cover(iv, &next, plan->syscalls[i++], listed, dflt, err);
		} else {
			r = cover(iv, &next, plan->enosys[j++], enosys, dflt, err);
		}
		if (r < 0)
			return r;
	}
	/* Above the highest listed number (and on x86-64, nr -1): the default. */
	push(iv, next, dflt);
	return 0;
}

/* Where the search's answers go: every interval is a RET of its action. An interval whose
 * comparison reaches the program's end (a conditional jump's 8 bits) jumps to a RET its action
 * shares with every other interval there; one that cannot gets a RET of its own, in place. */
struct layout {
	const struct intervals *iv;
	bool *own;	     /* the interval has a RET of its own */
	uint32_t rets[3];    /* the shared RETs' actions, in the order they end the program */
	size_t n_rets, base; /* base: where the shared RETs start */
};

static size_t shared_ret(const struct layout *l, uint32_t action)
{
	for (size_t i = 0; i < l->n_rets; i++)
		if (l->rets[i] == action)
			return l->base + i;
	return SIZE_MAX; /* not reached: every shared action has its RET */
}

/* The length of the search over intervals lo..hi-1, long jumps included: a shared answer takes
 * none. */
static size_t tree_len(const struct layout *l, size_t lo, size_t hi)
{
	if (hi - lo == 1)
		return l->own[lo];
	size_t mid = lo + (hi - lo) / 2, left = tree_len(l, lo, mid);
	return 1 + (left > MAX_COND_JUMP) + left + tree_len(l, mid, hi);
}

/* The shared answers of intervals lo..hi-1, searched from pc, that a conditional jump cannot
 * reach get their own RET. Returns whether any did. */
static bool own_far(struct layout *l, size_t pc, size_t lo, size_t hi)
{
	if (hi - lo == 1)
		return false;
	size_t mid = lo + (hi - lo) / 2, left = tree_len(l, lo, mid);
	bool far = left > MAX_COND_JUMP, changed = false;
	size_t next = pc + 1 + far;
	/* The lower half's answer, by the comparison's false branch; the upper's by its true
	 * branch, or by the long jump (32 bits) when there is one. */
	if (mid - lo == 1 && !l->own[lo] &&
	    shared_ret(l, l->iv->v[lo].action) - (pc + 1) > MAX_COND_JUMP)
		changed = l->own[lo] = true;
	if (hi - mid == 1 && !l->own[mid] && !far &&
	    shared_ret(l, l->iv->v[mid].action) - (pc + 1) > MAX_COND_JUMP)
		changed = l->own[mid] = true;
	changed |= own_far(l, next, lo, mid);
	return own_far(l, next + tree_len(l, lo, mid), mid, hi) || changed;
}

/* The shared RETs: the actions of the intervals without one of their own, and where they
 * start, for a search that starts at pc. */
static void place_rets(struct layout *l, size_t pc)
{
	l->n_rets = 0;
	for (size_t i = 0; i < l->iv->n; i++) {
		if (l->own[i])
			continue;
		size_t k = 0;
		while (k < l->n_rets && l->rets[k] != l->iv->v[i].action)
			k++;
		if (k == l->n_rets && k < S1_ARRAY_SIZE(l->rets))
			l->rets[l->n_rets++] = l->iv->v[i].action;
	}
	l->base = pc + tree_len(l, 0, l->iv->n);
}

/* The search over intervals lo..hi-1 at out[pc], the call number in A: a comparison with the
 * middle interval's start, then the lower half, then the upper. Returns its length. */
static size_t emit_tree(struct sock_filter *out, const struct layout *l, size_t pc, size_t lo,
			size_t hi)
{
	const struct intervals *iv = l->iv;
	if (hi - lo == 1) {
		if (!l->own[lo])
			return 0;
		out[pc] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, iv->v[lo].action);
		return 1;
	}
	size_t mid = lo + (hi - lo) / 2, left = tree_len(l, lo, mid), n = 0;
	uint32_t k = iv->v[mid].start;
	bool far = left > MAX_COND_JUMP;
	size_t next = pc + 1 + far; /* where the lower half starts */
	uint8_t jf = mid - lo == 1 && !l->own[lo]
			 ? (uint8_t)(shared_ret(l, iv->v[lo].action) - (pc + 1))
			 : (uint8_t)far;
	size_t upper =
	    hi - mid == 1 && !l->own[mid] ? shared_ret(l, iv->v[mid].action) : next + left;
	if (!far) {
		out[pc + n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, k,
							     upper - (pc + 1), jf);
	} else {
		/* The upper half is too far for a conditional jump: it takes an unconditional one
		 * (32 bits), which the lower half skips. */
		out[pc + n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, k, 0, jf);
		out[pc + n++] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, upper - (pc + 2));
	}
	n += emit_tree(out, l, pc + n, lo, mid);
	n += emit_tree(out, l, pc + n, mid, hi);
	return n;
}

int seccomp_bpf_compile(const struct s1_seccomp_plan *plan, uint32_t arch, uint32_t kill,
			struct s1_seccomp_prog *prog, struct s1_err *err)
{
	prog->len = 0;
	if (plan->mode == S1_SECCOMP_OFF)
		return 0;
	struct intervals iv;
	int r = plan_intervals(plan, kill, &iv, err);
	_cleanup_free_ struct interval *v = iv.v;
	if (r < 0)
		return r;

	/* Another architecture's calls (i386's through int 0x80) would bypass the rules. On
	 * x86-64, x32's too, which come with the native arch: killed, as libseccomp does, except
	 * nr -1 (a tracer's skipped call), which it leaves to the rules. */
	const struct sock_filter x32_head[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 0, 3),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 2),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, UINT32_MAX, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, kill),
	};
	const struct sock_filter plain_head[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, kill),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	};
	bool x32 = arch == AUDIT_ARCH_X86_64;
	const struct sock_filter *head = x32 ? x32_head : plain_head;
	size_t n_head = x32 ? S1_ARRAY_SIZE(x32_head) : S1_ARRAY_SIZE(plain_head);
	/* Every answer shared at first; those too far from the end get their own RET, until
	 * none is (each such RET lengthens the search, and may put another out of reach). */
	_cleanup_free_ bool *own = s1_xcalloc(iv.n, sizeof(*own));
	struct layout l = {.iv = &iv, .own = own};
	own[0] = iv.n == 1;
	do
		place_rets(&l, n_head);
	while (own_far(&l, n_head, 0, iv.n));
	size_t len = l.base + l.n_rets;
	if (len > S1_SECCOMP_MAX_INSNS)
		return s1_error(err, 0,
				"seccomp: the filter has %zu instructions, more than the kernel "
				"takes (%d)",
				len, S1_SECCOMP_MAX_INSNS);
	prog->insns = s1_xmalloc(len * sizeof(*prog->insns));
	memcpy(prog->insns, head, n_head * sizeof(*head));
	emit_tree(prog->insns, &l, n_head, 0, iv.n);
	for (size_t i = 0; i < l.n_rets; i++)
		prog->insns[l.base + i] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, l.rets[i]);
	prog->len = (unsigned short)len;
	return 0;
}
