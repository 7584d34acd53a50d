/* The named problems (presets.h). */
#include "presets.h"

#include <string.h>

static const struct {
    const char *name;
    int kernel;
} presets[] = {{"seed-k3", 3}, {"seed-k5", 5}, {"seed-k16", 16}};
enum { PRESET_COUNT = sizeof presets / sizeof presets[0] };

int bench_preset_count(void)
{
    return PRESET_COUNT;
}

const char *bench_preset_name(int i)
{
    return presets[i].name;
}

clconv_problem bench_preset_problem(int i)
{
    clconv_problem p;
    clconv_problem_init(&p);
    p.in_channels = 256;
    p.height = 32;
    p.width = 60;
    p.out_channels = 64;
    p.kernel_h = p.kernel_w = presets[i].kernel;
    return p;
}

int bench_preset_find(const char *name)
{
    for (int i = 0; i < PRESET_COUNT; i++)
        if (!strcmp(name, presets[i].name))
            return i;
    return -1;
}
