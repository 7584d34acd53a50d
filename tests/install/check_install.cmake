# cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -P check_install.cmake
# Installs clconv into WORK_DIR/prefix, then builds and runs a consumer with
# find_package(clconv) and, separately, with pkg-config.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")
foreach(f include/clconv.h include/clconv_tools.h bin/clconv-bench)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()

run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/install" -B "${WORK_DIR}/consumer"
    "-DCMAKE_PREFIX_PATH=${prefix}")
run(${CMAKE_COMMAND} --build "${WORK_DIR}/consumer")
run("${WORK_DIR}/consumer/consumer")
message(STATUS "find_package: ${last_output}")

file(GLOB_RECURSE pc "${prefix}/*/clconv.pc")
if(NOT pc)
  message(FATAL_ERROR "clconv.pc not installed")
endif()
get_filename_component(pc_dir "${pc}" DIRECTORY)
set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
run(pkg-config --cflags --libs clconv)
string(STRIP "${last_output}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
run(cc "${SOURCE_DIR}/tests/install/consumer.c" ${flags} -o "${WORK_DIR}/consumer-pc"
)
set(ENV{LD_LIBRARY_PATH} "${pc_dir}/..")
run("${WORK_DIR}/consumer-pc")
message(STATUS "pkg-config: ${last_output}")
