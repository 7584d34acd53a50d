# The sanitizer tree: an AddressSanitizer + UndefinedBehaviorSanitizer build
# of the library, the bench and the suites, which ctest then runs as the
# asan:* entries (canary.cmake first). Run by ctest as the `sanitizers`
# entry of the normal build:
#   cmake -DSOURCE_DIR=... -DWORK_DIR=... -DDEVICE=pocl -DCOLD_CACHE=... -P run.cmake
include(ProcessorCount)
ProcessorCount(jobs)
if(jobs EQUAL 0)
  set(jobs 2)
endif()

function(step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "sanitizer build: '${ARGN}' failed (${rc})")
  endif()
endfunction()

# Debug (assertions on) at -O1, ASan's own advice for speed: the asan:*
# entries spend their host time in clconv's code and the double-precision
# reference, which -O0 leaves several times slower.
step(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR} -DCMAKE_BUILD_TYPE=Debug
     "-DCMAKE_C_FLAGS_DEBUG=-O1 -g" "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g"
     -DCLCONV_SANITIZE=address,undefined -DCLCONV_WERROR=ON -DCLCONV_TEST_DEVICES=${DEVICE})
step(${CMAKE_COMMAND} --build ${WORK_DIR} -j ${jobs})
# The cold-compile entry's program cache starts empty on every run.
file(REMOVE_RECURSE "${COLD_CACHE}")
file(MAKE_DIRECTORY "${COLD_CACHE}")

