/* Analysis layer (internal): the automatic choice's performance-database
 * key, for the tests that plant entries under it. */
#ifndef CLCONV_ANALYSIS_CHOICE_H
#define CLCONV_ANALYSIS_CHOICE_H

#include "conv/algo.h"

/* The key of a find result: the exact problem and the options that change
 * the answer (the limit as resolved, the backends as asked), from a config
 * conv_config_resolve made. The value: "algo=NAME ms=T next=NAME|- next_ms=T". */
void choice_find_key(const conv_config *cfg, char *text, size_t cap);

#endif
