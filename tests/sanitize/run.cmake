# The test suites again in an AddressSanitizer + UndefinedBehaviorSanitizer
# build, on PoCL: memory errors, undefined behaviour and leaks in clconv's
# code fail it (lsan.supp names only the OpenCL implementation's libraries).
# Run by ctest as the `sanitizers` test of the normal build:
#   cmake -DSOURCE_DIR=... -DWORK_DIR=... -DDEVICE=pocl -P run.cmake
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

step(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR} -DCMAKE_BUILD_TYPE=Debug
     -DCLCONV_SANITIZE=address,undefined -DCLCONV_WERROR=ON -DCLCONV_TEST_DEVICES=${DEVICE})
step(${CMAKE_COMMAND} --build ${WORK_DIR} -j ${jobs})
# new_delete_type_mismatch=0: libclFFT 2.12's FFTRepo::deletePlan deletes a
# plan through a pointer to a smaller type (clFFT's bug, inside clfftDestroyPlan).
set(ENV{ASAN_OPTIONS} "detect_leaks=1:new_delete_type_mismatch=0")
set(ENV{LSAN_OPTIONS} "suppressions=${SOURCE_DIR}/tests/sanitize/lsan.supp:print_suppressions=0")
set(ENV{UBSAN_OPTIONS} "print_stacktrace=1:halt_on_error=1")
step(${CMAKE_CTEST_COMMAND} --test-dir ${WORK_DIR} --output-on-failure)
