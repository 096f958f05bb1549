#version 450
// motion_search with K = 8 candidates per item along dx (see motion_search.glsl).
#define K 8u
#include "motion_search.glsl"
