# Layers depend one way (docs/architecture.md): runtime <- analysis (the
# device's peaks, the roofline) <- conv (algorithms, plans, the tuner, the
# automatic choice). A file that includes from a layer above its own fails
# this check; so does a library file that writes to stderr anywhere but the
# log (src/runtime/log.c) and the capture of third-party compilers' output
# (src/runtime/quiet.c): clconv prints nothing unless asked.
#   cmake -DSOURCE_DIR=... -P check_layers.cmake
set(forbidden_runtime "conv/;analysis/")
set(forbidden_analysis "conv/")
set(bad "")
foreach(layer runtime analysis)
  file(GLOB files "${SOURCE_DIR}/src/${layer}/*.[ch]" "${SOURCE_DIR}/src/${layer}/*.cpp")
  foreach(f IN LISTS files)
    file(STRINGS "${f}" includes REGEX "^#include \"")
    foreach(line IN LISTS includes)
      foreach(above IN LISTS forbidden_${layer})
        if(line MATCHES "^#include \"${above}")
          string(APPEND bad "\n  ${f}: ${line}")
        endif()
      endforeach()
    endforeach()
  endforeach()
endforeach()
if(bad)
  message(FATAL_ERROR "includes from a higher layer:${bad}")
endif()
file(GLOB_RECURSE library "${SOURCE_DIR}/src/*.c" "${SOURCE_DIR}/src/*.cpp")
list(FILTER library EXCLUDE REGEX "/src/runtime/(log|quiet)\\.c$")
foreach(f IN LISTS library)
  file(STRINGS "${f}" prints REGEX "(^|[^a-z_])(printf|puts|fputs|perror|putchar)\\(|std(err|out)[^a-z_]")
  list(FILTER prints EXCLUDE REGEX "^ *(/?\\*|//)") # comments may say the word
  if(prints)
    string(APPEND bad "\n  ${f}: ${prints}")
  endif()
endforeach()
if(bad)
  message(FATAL_ERROR "library files that print (use rt_log):${bad}")
endif()
