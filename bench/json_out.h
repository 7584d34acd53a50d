/* JSON writing shared by the report and --describe. */
#ifndef CLCONV_BENCH_JSON_OUT_H
#define CLCONV_BENCH_JSON_OUT_H

#include <stdio.h>

/* The one name of the results document's schema in C; its definition is
 * bench/schema/clconv-bench-1.schema.json. Later versions add fields,
 * never rename these. */
#define BENCH_SCHEMA "clconv-bench/1"

/* A quoted string, escaped. */
void json_string(FILE *f, const char *s);
/* json_string, or null for NULL. */
void json_string_or_null(FILE *f, const char *s);
/* A number, or null for NaN and Inf (JSON has neither). */
void json_number(FILE *f, double v);
/* `, "name": value` */
void json_field(FILE *f, const char *name, double value);
/* `, "name": "text"` (null for NULL) */
void json_field_string(FILE *f, const char *name, const char *text);

#endif
