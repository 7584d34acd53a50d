# cmake -DSOURCE_DIR=... -DWORK_DIR=... -DCC=... -DLIBRARY=<libclconv.so> -DOPENCL=<libs>
#       -P run.cmake
# Writes WORK_DIR/include/clconv.h: include/clconv.h with the last field of
# every struct a caller fills removed (as a caller built before that field
# was added sees it), builds tests/abi/older_caller.c against it and runs it
# with this build's library, unchanged.
# Each struct a caller fills, and the field that is last once its last one
# is gone (CLCONV_STRUCT_END names it): update when a field is appended.
set(structs clconv_problem:dilation_w clconv_plan_options:tune_progress_user
            clconv_context_options:log clconv_device_selector:device_index
            clconv_algo_prediction:history)
file(READ "${SOURCE_DIR}/include/clconv.h" header)
foreach(entry IN LISTS structs)
  string(REPLACE ":" ";" entry "${entry}")
  list(GET entry 0 s)
  list(GET entry 1 now_last)
  string(FIND "${header}" "\n} ${s};" end)
  if(end EQUAL -1)
    message(FATAL_ERROR "clconv.h has no struct ${s}")
  endif()
  string(SUBSTRING "${header}" 0 ${end} before)
  string(FIND "${before}" ";" semi REVERSE)
  string(SUBSTRING "${before}" 0 ${semi} upto)
  string(FIND "${upto}" "\n" line_start REVERSE)
  math(EXPR line_start "${line_start} + 1")
  string(SUBSTRING "${header}" ${line_start} -1 rest)
  string(FIND "${rest}" "\n" line_length)
  string(SUBSTRING "${rest}" 0 ${line_length} line)
  if(line MATCHES "^[^;]*, *[a-z_0-9]+;")
    # "int dilation_h, dilation_w;": drop the last name only
    string(REGEX REPLACE ", *[a-z_0-9]+;" ";" shorter "${line}")
  else()
    set(shorter "")
  endif()
  math(EXPR line_end "${line_start} + ${line_length}")
  string(SUBSTRING "${header}" 0 ${line_start} head)
  string(SUBSTRING "${header}" ${line_end} -1 tail)
  set(header "${head}${shorter}${tail}")
  string(REGEX REPLACE "CLCONV_STRUCT_END\\(${s}, [a-z_0-9]+\\)"
         "CLCONV_STRUCT_END(${s}, ${now_last})" header "${header}")
  message(STATUS "${s}: without \"${line}\", now ending at ${now_last}")
endforeach()
file(REMOVE_RECURSE "${WORK_DIR}")
file(WRITE "${WORK_DIR}/include/clconv.h" "${header}")
get_filename_component(libdir "${LIBRARY}" DIRECTORY)
execute_process(COMMAND ${CC} -std=c11 -Wall -Wextra -Werror -I${WORK_DIR}/include
                        ${SOURCE_DIR}/tests/abi/older_caller.c ${LIBRARY} -Wl,-rpath,${libdir}
                        ${OPENCL} -lm -o ${WORK_DIR}/older_caller
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "older_caller.c does not build against the shorter header:\n${out}${err}")
endif()
execute_process(COMMAND ${WORK_DIR}/older_caller RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
message(STATUS "${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "older_caller failed (${rc})")
endif()
