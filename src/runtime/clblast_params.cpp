// CLBlast's current tuning parameters for a device, read through its C++
// API: its C API can override them (CLBlastOverrideParameters) but has no
// call that reads them, and clconv must put back CLBlast's own values after
// a tune has overridden them (gemm_clblast.c).
#include "runtime/clblast_params.h"

#include <clblast.h>

#include <string>
#include <unordered_map>

extern "C" int rt_clblast_params_read(cl_device_id device, const char *kernel, int count,
                                      const char *const *names, size_t *values)
{
    // Nothing may throw across the C boundary (bad_alloc included).
    try {
        std::unordered_map<std::string, size_t> found;
        clblast::StatusCode st =
            clblast::RetrieveParameters(device, kernel, clblast::Precision::kSingle, found);
        if (st != clblast::StatusCode::kSuccess)
            return static_cast<int>(st);
        for (int i = 0; i < count; i++) {
            auto it = found.find(names[i]);
            if (it == found.end())
                return static_cast<int>(clblast::StatusCode::kMissingOverrideParameter);
            values[i] = it->second;
        }
        return static_cast<int>(clblast::StatusCode::kSuccess);
    } catch (...) {
        return static_cast<int>(clblast::StatusCode::kUnknownError);
    }
}
