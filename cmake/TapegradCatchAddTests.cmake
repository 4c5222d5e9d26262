# cmake -P script run after each build of a Catch2 (v2) test executable; see
# TapegradCatch.cmake. Writes CTEST_FILE with one add_test per test case.
# Inputs (-D): TEST_EXECUTABLE TEST_WORKING_DIR TEST_PREFIX TEST_PROPERTIES
#              TEST_EXTRA_ARGS CTEST_FILE
cmake_minimum_required(VERSION 3.25)

if(NOT EXISTS "${TEST_EXECUTABLE}")
  message(FATAL_ERROR "Test executable '${TEST_EXECUTABLE}' does not exist")
endif()

execute_process(
  COMMAND "${TEST_EXECUTABLE}" --list-test-names-only
  OUTPUT_VARIABLE output
  ERROR_VARIABLE errors
  RESULT_VARIABLE result
  WORKING_DIRECTORY "${TEST_WORKING_DIR}")
# Catch2 v2 exits with the number of listed tests (capped at 255); a crash
# gives a non-numeric result; a sanitizer report shows up on stderr.
if(NOT result MATCHES "^[0-9]+$"
   OR errors MATCHES "(AddressSanitizer|LeakSanitizer|runtime error:)")
  message(FATAL_ERROR
    "Listing the tests of '${TEST_EXECUTABLE}' failed (test binaries must start "
    "without data files):\n  result: ${result}\n  stderr: ${errors}")
endif()

# Split into lines without letting CMake's list rules see '[', ']' or ';'.
string(REPLACE "\r" "" output "${output}")
string(REPLACE "[" "<tg-lb>" output "${output}")
string(REPLACE "]" "<tg-rb>" output "${output}")
string(REPLACE ";" "<tg-sc>" output "${output}")
string(REPLACE "\n" ";" lines "${output}")

# Quote a string as a CMake bracket argument.
function(bracket out value)
  set(eq "=")
  while(value MATCHES "]${eq}]")
    string(APPEND eq "=")
  endwhile()
  set(${out} "[${eq}[${value}]${eq}]" PARENT_SCOPE)
endfunction()

set(script "")
set(count 0)
set(props "")
foreach(p IN LISTS TEST_PROPERTIES)
  bracket(q "${p}")
  string(APPEND props " ${q}")
endforeach()
set(extra "")
foreach(a IN LISTS TEST_EXTRA_ARGS)
  bracket(q "${a}")
  string(APPEND extra " ${q}")
endforeach()
bracket(exe "${TEST_EXECUTABLE}")
bracket(wd "${TEST_WORKING_DIR}")

foreach(line IN LISTS lines)
  if(line STREQUAL "")
    continue()
  endif()
  string(REPLACE "<tg-lb>" "[" name "${line}")
  string(REPLACE "<tg-rb>" "]" name "${name}")
  string(REPLACE "<tg-sc>" ";" name "${name}")
  # Names starting with '#' are listed in double quotes.
  if(name MATCHES "^\"(#.*)\"$")
    set(name "${CMAKE_MATCH_1}")
  endif()
  # Catch2 test spec: backslash-escape every character its parser interprets.
  string(REPLACE "\\" "\\\\" spec "${name}")
  foreach(c "," "[" "]" "\"" "~")
    string(REPLACE "${c}" "\\${c}" spec "${spec}")
  endforeach()

  bracket(qname "${TEST_PREFIX}${name}")
  bracket(qspec "${spec}")
  string(APPEND script
    "add_test(${qname} ${exe} ${qspec} --warn NoTests${extra})\n"
    "set_tests_properties(${qname} PROPERTIES WORKING_DIRECTORY ${wd}${props})\n")
  math(EXPR count "${count} + 1")
endforeach()

if(count EQUAL 0)
  message(WARNING "Test executable '${TEST_EXECUTABLE}' contains no tests")
endif()
file(WRITE "${CTEST_FILE}" "${script}")
