#version 450
// motion_search with K = 4 candidates per item along dx (see motion_search.glsl).
#define K 4u
#include "motion_search.glsl"
