# Two checks that the sanitizer run can see what it is for, run by ctest as
# the asan:canary entry in the suites' environment (tests/CMakeLists.txt):
# LeakSanitizer reports a leak planted in clconv-side code (lsan.supp says
# what it hides, and why), and a process that loads an OpenCL
# implementation other than the device's fails naming it
# (tests/sanitize/icd_check.c).
#   cmake -DCANARY=.../tests/leak_canary -P canary.cmake
# The canary: a block lost by a clconv-side function, with the OpenCL
# implementation loaded as in the suites, must be reported, or the settings
# would hide our own leaks and the suites' leak check would mean nothing.
execute_process(COMMAND ${CANARY}
                RESULT_VARIABLE canary_rc OUTPUT_VARIABLE canary_out ERROR_VARIABLE canary_err)
if(canary_rc EQUAL 0 OR NOT canary_err MATCHES "LeakSanitizer: detected memory leaks"
   OR NOT canary_err MATCHES "in clconv_leak_canary_block")
  message(FATAL_ERROR "sanitizer build: the planted leak in tests/sanitize/leak_canary.c was "
                      "not reported (exit ${canary_rc}); the leak check cannot see clconv's "
                      "own leaks:\n${canary_out}${canary_err}")
endif()

# The same process with every OpenCL implementation visible (as a test that
# lost OCL_ICD_VENDORS would run) must stop, naming the one it should not
# have loaded: otherwise such a test fails on Mesa Clover's start-up leak,
# with a stack that names nothing.
if("$ENV{CLCONV_ICD_DENY}" STREQUAL "")
  message(STATUS "sanitizers: no other OpenCL implementation is installed; the ICD check "
                 "has nothing to refuse")
else()
  unset(ENV{OCL_ICD_VENDORS})
  execute_process(COMMAND ${CANARY}
                  RESULT_VARIABLE icd_rc OUTPUT_VARIABLE icd_out ERROR_VARIABLE icd_err)
  if(NOT icd_rc EQUAL 97 OR NOT icd_err MATCHES "icd_check: this process loaded")
    message(FATAL_ERROR "sanitizer build: a process that loaded every OpenCL implementation "
                        "(CLCONV_ICD_DENY=$ENV{CLCONV_ICD_DENY}) was not stopped by "
                        "tests/sanitize/icd_check.c (exit ${icd_rc}):\n${icd_out}${icd_err}")
  endif()
endif()
