/* A small strict JSON reader for tests: parses a document into a tree. */
#ifndef CLCONV_TEST_JSON_MINI_H
#define CLCONV_TEST_JSON_MINI_H

#include <stddef.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json_value {
    json_type type;
    double number;     /* JSON_NUMBER, JSON_BOOL (0/1) */
    char *string;      /* JSON_STRING; for members of an object, the key is in key */
    char *key;
    struct json_value *items; /* JSON_ARRAY / JSON_OBJECT children */
    size_t count;
} json_value;

/* NULL on a syntax error or trailing garbage. */
json_value *json_parse(const char *text);
void json_free(json_value *v);
/* Member of an object by key, or NULL. */
const json_value *json_get(const json_value *obj, const char *key);

#endif
