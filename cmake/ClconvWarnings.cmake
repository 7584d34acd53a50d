# Strict warnings for our own targets; errors when CLCONV_WERROR is on (CI).
option(CLCONV_WERROR "Treat compiler warnings as errors" OFF)

function(clconv_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wformat=2 -Wvla
                         $<$<COMPILE_LANGUAGE:C>:-Wstrict-prototypes -Wmissing-prototypes>)
  if(CLCONV_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
