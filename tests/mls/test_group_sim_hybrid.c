/*
 * test_group_sim_hybrid.c - the group simulations of test_group_sim.c
 * run in the post-quantum hybrid cipher suite (X-Wing KEM, 0xF001).
 */
#include "mls/suite.h"

#define SIM_SUITE	POUCH_MLS_SUITE_HYBRID

#include "test_group_sim.c"
