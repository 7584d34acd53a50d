/* The row list: every clconv algorithm from the public API, in enum order,
 * then auto (after the rows it chooses among), the pointwise op and the
 * CLBlast peer (the order of a problem's rows). */
#include "rows.h"

#include <string.h>

static bench_row_kind rows[BENCH_MAX_ROWS];
static int count;

static void fill(void)
{
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++)
        rows[count++] = bench_row_clconv((clconv_algo)a);
    rows[count++] = bench_row_clconv(CLCONV_ALGO_AUTO);
    rows[count++] = bench_row_pointwise;
    rows[count++] = bench_row_convgemm;
}

int bench_row_count(void)
{
    if (!count)
        fill();
    return count;
}

const bench_row_kind *bench_row(int i)
{
    return i >= 0 && i < bench_row_count() ? &rows[i] : NULL;
}

int bench_row_find(const char *name)
{
    for (int i = 0; i < bench_row_count(); i++)
        if (!strcmp(rows[i].name, name))
            return i;
    return -1;
}
