#version 450
// motion_search with K = 4 candidates per item along dx, reading quads (CPU devices; see
// motion_search.glsl).
#define K 4u
#define DIRECT_QUADS
#include "motion_search.glsl"
