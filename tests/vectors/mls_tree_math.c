/*
 * mls_tree_math.c - runner for mls/tree-math.json (RFC 9420 Appendix C).
 * A case passes when n_nodes and root match and, for every node i of the
 * tree, left[i], right[i], parent[i] and sibling[i] match, null meaning
 * undefined (POUCH_MLS_NODE_NONE).  Each array must have n_nodes entries.
 */
#include <stdio.h>

#include "mls/tree_math.h"
#include "vectors/vectors.h"

/* The optional<uint32> val equals got (null <=> NONE). */
static int
opt_eq(json_t *val, uint32_t got)
{
	if (json_is_null(val))
		return got == POUCH_MLS_NODE_NONE;
	if (!json_is_integer(val))
		return 0;
	return got != POUCH_MLS_NODE_NONE &&
	    json_integer_value(val) == (json_int_t)got;
}

static int
check_array(json_t *o, const char *name, uint32_t n_nodes, uint32_t n,
    uint32_t (*fn)(uint32_t, uint32_t), const char *file, size_t idx)
{
	json_t *a = json_object_get(o, name);
	uint32_t i;
	char what[96];

	if (!json_is_array(a) || json_array_size(a) != n_nodes) {
		snprintf(what, sizeof(what), "%s: not an array of n_nodes",
		    name);
		vec_fail(file, idx, what);
		return 0;
	}
	for (i = 0; i < n_nodes; i++) {
		if (!opt_eq(json_array_get(a, i), fn(i, n))) {
			snprintf(what, sizeof(what), "%s[%u] differs", name, i);
			vec_fail(file, idx, what);
			return 0;
		}
	}
	return 1;
}

static uint32_t
left2(uint32_t x, uint32_t n)
{
	(void)n;
	return pouch_mls_tm_left(x);
}

static uint32_t
right2(uint32_t x, uint32_t n)
{
	(void)n;
	return pouch_mls_tm_right(x);
}

static int
run_case(json_t *o, const char *file, size_t idx)
{
	long long n_leaves, n_nodes, root;
	uint32_t n;
	int ok;

	if (vec_int(o, "n_leaves", &n_leaves) != 0 ||
	    vec_int(o, "n_nodes", &n_nodes) != 0 ||
	    vec_int(o, "root", &root) != 0 || n_leaves <= 0 ||
	    n_leaves > (long long)POUCH_MLS_LEAVES_MAX) {
		vec_fail(file, idx, "bad case fields");
		return 0;
	}
	n = (uint32_t)n_leaves;
	if ((long long)pouch_mls_tm_node_width(n) != n_nodes) {
		vec_fail(file, idx, "n_nodes differs");
		return 0;
	}
	if ((long long)pouch_mls_tm_root(n) != root) {
		vec_fail(file, idx, "root differs");
		return 0;
	}
	ok = check_array(o, "left", (uint32_t)n_nodes, n, left2, file, idx);
	ok &= check_array(o, "right", (uint32_t)n_nodes, n, right2, file, idx);
	ok &= check_array(o, "parent", (uint32_t)n_nodes, n,
	    pouch_mls_tm_parent, file, idx);
	ok &= check_array(o, "sibling", (uint32_t)n_nodes, n,
	    pouch_mls_tm_sibling, file, idx);
	return ok;
}

int
vec_run_mls_tree_math(json_t *root, const char *file, struct vec_result *res)
{
	size_t i;

	if (!json_is_array(root))
		return -1;
	for (i = 0; i < json_array_size(root); i++) {
		res->total++;
		if (run_case(json_array_get(root, i), file, i))
			res->passed++;
	}
	return 0;
}
