/* The app's seccomp filter as BPF, made here rather than by libseccomp: the plan gives every
 * system call number one of three actions, consecutive numbers with the same action form an
 * interval (51 in rkt's default whitelist), and the program is a balanced binary search over
 * the intervals' starts, about two instructions an interval. libseccomp's tests each call
 * alone (399 instructions for the default); the kernel's conversion and JIT of the program at
 * every pod start grow with its length. Only LD, JEQ, JGE, JA and RET, which the kernel's
 * action cache can emulate for each call number. */
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

/* The length of the search over intervals lo..hi-1, long jumps included. */
static size_t tree_len(size_t lo, size_t hi)
{
	if (hi - lo == 1)
		return 1;
	size_t mid = lo + (hi - lo) / 2, left = tree_len(lo, mid);
	return 1 + (left > MAX_COND_JUMP) + left + tree_len(mid, hi);
}

/* The search over intervals lo..hi-1 at out, the call number in A: a comparison with the
 * middle interval's start, then the lower half, then the upper. Returns its length. */
static size_t emit_tree(struct sock_filter *out, const struct intervals *iv, size_t lo, size_t hi)
{
	if (hi - lo == 1) {
		out[0] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, iv->v[lo].action);
		return 1;
	}
	size_t mid = lo + (hi - lo) / 2, left = tree_len(lo, mid), n = 0;
	uint32_t k = iv->v[mid].start;
	if (left <= MAX_COND_JUMP) {
		out[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, k, left, 0);
	} else {
		/* The upper half is too far for a conditional jump: it takes an unconditional one
		 * (32 bits), which the lower half skips. */
		out[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, k, 0, 1);
		out[n++] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, (uint32_t)left);
	}
	n += emit_tree(out + n, iv, lo, mid);
	n += emit_tree(out + n, iv, mid, hi);
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
	size_t len = n_head + tree_len(0, iv.n);
	if (len > S1_SECCOMP_MAX_INSNS)
		return s1_error(err, 0,
				"seccomp: the filter has %zu instructions, more than the kernel "
				"takes (%d)",
				len, S1_SECCOMP_MAX_INSNS);
	prog->insns = s1_xmalloc(len * sizeof(*prog->insns));
	memcpy(prog->insns, head, n_head * sizeof(*head));
	emit_tree(prog->insns + n_head, &iv, 0, iv.n);
	prog->len = (unsigned short)len;
	return 0;
}
