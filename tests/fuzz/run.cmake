# A bounded libFuzzer run over the argument parser and the problem validator:
# STEP=build builds fuzz_args with clang (+ ASan, UBSan); STEP=run replays
# the regression inputs, then fuzzes for SECONDS from the seed corpus. Any
# crash fails; libFuzzer leaves the input as crash-* in WORK_DIR: fix it and
# add it to tests/fuzz/regressions/.
#   cmake -DSOURCE_DIR=... -DWORK_DIR=... -DSTEP=build -P run.cmake
#   cmake -DSOURCE_DIR=... -DWORK_DIR=... -DSTEP=run -DSECONDS=60 -P run.cmake
function(step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc WORKING_DIRECTORY ${WORK_DIR})
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "fuzz: '${ARGN}' failed (${rc})")
  endif()
endfunction()

set(fuzzer ${WORK_DIR}/build/tests/fuzz/fuzz_args)
if(STEP STREQUAL "run")
  set(ENV{ASAN_OPTIONS} "detect_leaks=1")
  set(ENV{UBSAN_OPTIONS} "print_stacktrace=1:halt_on_error=1")
  file(GLOB regressions ${SOURCE_DIR}/tests/fuzz/regressions/*)
  if(regressions)
    step(${fuzzer} ${regressions})
  endif()
  step(${fuzzer} -max_total_time=${SECONDS} -timeout=10 -max_len=512
       ${WORK_DIR}/corpus ${SOURCE_DIR}/tests/fuzz/corpus)
  return()
endif()

find_program(CLANG NAMES clang clang-15 clang-14 REQUIRED)
# The library has one C++ file (CLBlast's parameters): the same compiler for it.
find_program(CLANGXX NAMES clang++ clang++-15 clang++-14 REQUIRED)
file(MAKE_DIRECTORY ${WORK_DIR} ${WORK_DIR}/corpus)
step(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build -DCMAKE_C_COMPILER=${CLANG}
     -DCMAKE_CXX_COMPILER=${CLANGXX}
     -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLCONV_FUZZ=ON -DCLCONV_BUILD_TESTS=OFF
     -DCLCONV_SANITIZE=fuzzer-no-link,address,undefined)
step(${CMAKE_COMMAND} --build ${WORK_DIR}/build --target fuzz_args)
