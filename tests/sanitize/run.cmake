# The test suites again in an AddressSanitizer + UndefinedBehaviorSanitizer
# build, on PoCL: memory errors, undefined behaviour and leaks in clconv's
# code fail it (lsan.supp says what it hides, and why).
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
# The ICD loader sees only the OpenCL implementation under test. Every other
# one it would load (Mesa's Clover and rusticl here) runs its own start-up in
# our process and leaks there; those libraries have no frame pointers, so
# LeakSanitizer's fast unwinder records a stack that ends at "<unknown
# module>" (Clover) and no suppression can match it, while the full unwinder
# (fast_unwind_on_malloc=0) that would name them makes the cold suite about
# 7x slower (test_runtime: 68 s against 10 s with empty caches), too slow for
# CI. The device's .icd file is the one whose name holds DEVICE ("pocl" ->
# pocl.icd); with no such file every vendor stays visible.
set(vendors_dir "${WORK_DIR}/icd-vendors")
file(REMOVE_RECURSE "${vendors_dir}")
file(GLOB icd_files "/etc/OpenCL/vendors/*.icd")
string(TOLOWER "${DEVICE}" device_lower)
foreach(icd IN LISTS icd_files)
  get_filename_component(icd_name "${icd}" NAME)
  string(TOLOWER "${icd_name}" icd_lower)
  if(NOT device_lower STREQUAL "" AND icd_lower MATCHES "${device_lower}")
    file(COPY "${icd}" DESTINATION "${vendors_dir}")
  endif()
endforeach()
if(EXISTS "${vendors_dir}")
  set(ENV{OCL_ICD_VENDORS} "${vendors_dir}")
else()
  message(WARNING "sanitizer build: no .icd file in /etc/OpenCL/vendors names '${DEVICE}'; "
                  "every OpenCL implementation is loaded")
endif()
set(ENV{LSAN_OPTIONS} "suppressions=${SOURCE_DIR}/tests/sanitize/lsan.supp:print_suppressions=0")
set(ENV{UBSAN_OPTIONS} "print_stacktrace=1:halt_on_error=1")

# First the canary: a block lost by a clconv-side function, with the OpenCL
# implementation loaded as in the suites, must be reported, or the settings
# above would hide our own leaks and this check would mean nothing.
set(ENV{CLCONV_DEVICE} "${DEVICE}")
if("$ENV{RUSTICL_ENABLE}" STREQUAL "")
  set(ENV{RUSTICL_ENABLE} "llvmpipe")
endif()
execute_process(COMMAND ${WORK_DIR}/tests/leak_canary
                RESULT_VARIABLE canary_rc OUTPUT_VARIABLE canary_out ERROR_VARIABLE canary_err)
if(canary_rc EQUAL 0 OR NOT canary_err MATCHES "LeakSanitizer: detected memory leaks"
   OR NOT canary_err MATCHES "in clconv_leak_canary_block")
  message(FATAL_ERROR "sanitizer build: the planted leak in tests/sanitize/leak_canary.c was "
                      "not reported (exit ${canary_rc}); the leak check cannot see clconv's "
                      "own leaks:\n${canary_out}${canary_err}")
endif()
unset(ENV{CLCONV_DEVICE})

step(${CMAKE_CTEST_COMMAND} --test-dir ${WORK_DIR} --output-on-failure --no-tests=error)
