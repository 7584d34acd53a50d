#include "json_mini.h"

#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const char *p;
    int depth;
} parser;

static void skip_ws(parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\t' || *ps->p == '\r')
        ps->p++;
}

static void free_value(json_value *v)
{
    for (size_t i = 0; i < v->count; i++)
        free_value(&v->items[i]);
    free(v->items);
    free(v->string);
    free(v->key);
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The length of the JSON number at s: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?,
 * or 0 when s does not start with one. */
static size_t number_span(const char *s)
{
    const char *p = s;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (is_digit(*p))
        while (is_digit(*p))
            p++;
    else
        return 0;
    if (*p == '.') {
        if (!is_digit(*++p))
            return 0;
        while (is_digit(*p))
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!is_digit(*p))
            return 0;
        while (is_digit(*p))
            p++;
    }
    return (size_t)(p - s);
}

static int parse_value(parser *ps, json_value *out);

static char *parse_string(parser *ps)
{
    if (*ps->p != '"')
        return NULL;
    ps->p++;
    size_t cap = 64, n = 0;
    char *s = malloc(cap);
    while (s && *ps->p != '"') {
        char c = *ps->p++;
        if (c == '\0' || (unsigned char)c < 0x20) {
            free(s);
            return NULL;
        }
        if (c == '\\') {
            char e = *ps->p++;
            switch (e) {
            case '"': case '\\': case '/': c = e; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u': {
                /* the reports escape only ASCII control characters */
                char hex[5] = {0};
                for (int i = 0; i < 4; i++)
                    if (!(hex[i] = *ps->p++)) {
                        free(s);
                        return NULL;
                    }
                c = (char)strtol(hex, NULL, 16);
                break;
            }
            default:
                free(s);
                return NULL;
            }
        }
        if (n + 2 > cap) {
            char *g = realloc(s, cap *= 2);
            if (!g) {
                free(s);
                return NULL;
            }
            s = g;
        }
        s[n++] = c;
    }
    if (!s)
        return NULL;
    ps->p++;
    s[n] = '\0';
    return s;
}

static int parse_container(parser *ps, json_value *out, char close, int object)
{
    ps->p++;
    out->type = object ? JSON_OBJECT : JSON_ARRAY;
    skip_ws(ps);
    if (*ps->p == close) {
        ps->p++;
        return 1;
    }
    for (;;) {
        json_value item = {0};
        skip_ws(ps);
        if (object) {
            if (!(item.key = parse_string(ps)))
                return 0;
            skip_ws(ps);
            if (*ps->p++ != ':') {
                free(item.key);
                return 0;
            }
        }
        if (!parse_value(ps, &item)) {
            free_value(&item);
            return 0;
        }
        json_value *g = realloc(out->items, (out->count + 1) * sizeof *g);
        if (!g) {
            free_value(&item);
            return 0;
        }
        out->items = g;
        out->items[out->count++] = item;
        skip_ws(ps);
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p == close) {
            ps->p++;
            return 1;
        }
        return 0;
    }
}

static int parse_value(parser *ps, json_value *out)
{
    skip_ws(ps);
    if (++ps->depth > 64)
        return 0;
    int ok = 0;
    char c = *ps->p;
    if (c == '{') {
        ok = parse_container(ps, out, '}', 1);
    } else if (c == '[') {
        ok = parse_container(ps, out, ']', 0);
    } else if (c == '"') {
        out->type = JSON_STRING;
        ok = (out->string = parse_string(ps)) != NULL;
    } else if (!strncmp(ps->p, "null", 4)) {
        out->type = JSON_NULL, ps->p += 4, ok = 1;
    } else if (!strncmp(ps->p, "true", 4)) {
        out->type = JSON_BOOL, out->number = 1, ps->p += 4, ok = 1;
    } else if (!strncmp(ps->p, "false", 5)) {
        out->type = JSON_BOOL, out->number = 0, ps->p += 5, ok = 1;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        /* RFC 8259's grammar first, so that strtod's extras (nan, inf,
         * hex, a leading '+' or zeros, "1." or ".5") are refused */
        size_t n = number_span(ps->p);
        char *end;
        out->type = JSON_NUMBER;
        out->number = n ? strtod(ps->p, &end) : 0.0;
        ok = n && end == ps->p + n;
        ps->p += n;
    }
    ps->depth--;
    return ok;
}

json_value *json_parse(const char *text)
{
    parser ps = {text, 0};
    json_value *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    if (!parse_value(&ps, v)) {
        json_free(v);
        return NULL;
    }
    skip_ws(&ps);
    if (*ps.p != '\0') {
        json_free(v);
        return NULL;
    }
    return v;
}

void json_free(json_value *v)
{
    if (!v)
        return;
    free_value(v);
    free(v);
}

const json_value *json_get(const json_value *obj, const char *key)
{
    if (!obj || obj->type != JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->count; i++)
        if (!strcmp(obj->items[i].key, key))
            return &obj->items[i];
    return NULL;
}
