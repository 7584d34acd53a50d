/* JSON writing (json_out.h). */
#include "json_out.h"

#include <math.h>

void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

void json_string_or_null(FILE *f, const char *s)
{
    if (s)
        json_string(f, s);
    else
        fputs("null", f);
}

void json_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.10g", v);
    else
        fputs("null", f);
}

void json_field(FILE *f, const char *name, double value)
{
    fprintf(f, ", \"%s\": ", name);
    json_number(f, value);
}

void json_field_string(FILE *f, const char *name, const char *text)
{
    fprintf(f, ", \"%s\": ", name);
    json_string_or_null(f, text);
}
