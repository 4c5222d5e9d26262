# tapegrad_catch_discover_tests(<target> [TEST_PREFIX p] [PROPERTIES k v ...])
#
# Registers each Catch2 (v2) test case of <target> as one ctest test, by
# running the executable after each build with --list-test-names-only (so test
# binaries must start without data files), like Catch2's catch_discover_tests.
#
# Why not Catch2's own catch_discover_tests: the one shipped with Catch2
# 2.13.10 splits the name list as a CMake list, and a test name with an
# unbalanced '[' or ']' (e.g. "uniform on [0, 1)") swallows the names after
# it into one bogus test that matches nothing and passes silently. This
# version encodes brackets and semicolons before splitting, escapes every
# character Catch2's test-spec parser treats specially, and runs each case
# with "--warn NoTests", so a name that matches no test case fails.
set(_TAPEGRAD_CATCH_ADD_TESTS_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/TapegradCatchAddTests.cmake")

function(tapegrad_catch_discover_tests target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "TEST_PREFIX;WORKING_DIRECTORY" "PROPERTIES;EXTRA_ARGS")
  if(NOT arg_WORKING_DIRECTORY)
    set(arg_WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
  endif()
  set(include_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_include.cmake")
  set(tests_file   "${CMAKE_CURRENT_BINARY_DIR}/${target}_tests.cmake")

  add_custom_command(TARGET ${target} POST_BUILD
    BYPRODUCTS "${tests_file}"
    COMMAND "${CMAKE_COMMAND}"
      -D "TEST_EXECUTABLE=$<TARGET_FILE:${target}>"
      -D "TEST_WORKING_DIR=${arg_WORKING_DIRECTORY}"
      -D "TEST_PREFIX=${arg_TEST_PREFIX}"
      -D "TEST_PROPERTIES=${arg_PROPERTIES}"
      -D "TEST_EXTRA_ARGS=${arg_EXTRA_ARGS}"
      -D "CTEST_FILE=${tests_file}"
      -P "${_TAPEGRAD_CATCH_ADD_TESTS_SCRIPT}"
    COMMENT "Discovering the Catch2 test cases of ${target}"
    VERBATIM)

  file(WRITE "${include_file}"
    "if(EXISTS \"${tests_file}\")\n"
    "  include(\"${tests_file}\")\n"
    "else()\n"
    "  add_test(${target}_NOT_BUILT ${target}_NOT_BUILT)\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()
