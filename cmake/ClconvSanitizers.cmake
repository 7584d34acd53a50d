# -DCLCONV_SANITIZE=address,undefined (any comma list of -fsanitize= values).
set(CLCONV_SANITIZE "" CACHE STRING "Comma list of sanitizers, e.g. address,undefined")

if(CLCONV_SANITIZE)
  add_compile_options(-fsanitize=${CLCONV_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${CLCONV_SANITIZE})
endif()
