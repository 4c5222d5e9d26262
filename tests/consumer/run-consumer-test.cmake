# ctest "consumer_project": cmake -P script, arguments passed with -D:
#   BUILD_DIR   the tapegrad build tree to install
#   WORK_DIR    scratch dir (wiped): <WORK_DIR>/prefix, <WORK_DIR>/build
#   SOURCE_DIR  tests/consumer
#   CONFIG, GENERATOR, MAKE_PROGRAM, CXX_COMPILER, CXX_FLAGS, CXX_FLAGS_CONFIG,
#   EXE_LINKER_FLAGS   mirrored from the tapegrad build
cmake_minimum_required(VERSION 3.25)

foreach(var BUILD_DIR WORK_DIR SOURCE_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run-consumer-test.cmake: -D${var}=... is required")
  endif()
endforeach()

function(run step)
  list(JOIN ARGN " " pretty)
  message(STATUS "consumer_project [${step}]: ${pretty}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer_project: step '${step}' failed (${rc})")
  endif()
endfunction()

set(prefix "${WORK_DIR}/prefix")
set(build  "${WORK_DIR}/build")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

set(config_args "")
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()
run(install "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}" ${config_args})

set(configure_args
  -S "${SOURCE_DIR}" -B "${build}" -G "${GENERATOR}"
  "-DCMAKE_PREFIX_PATH=${prefix}"
  "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
  "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
  "-DCMAKE_EXE_LINKER_FLAGS=${EXE_LINKER_FLAGS}")
if(MAKE_PROGRAM)
  list(APPEND configure_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
if(CONFIG)
  string(TOUPPER "${CONFIG}" uc)
  list(APPEND configure_args "-DCMAKE_BUILD_TYPE=${CONFIG}"
                             "-DCMAKE_CXX_FLAGS_${uc}=${CXX_FLAGS_CONFIG}")
endif()
run(configure "${CMAKE_COMMAND}" ${configure_args})
run(build "${CMAKE_COMMAND}" --build "${build}" ${config_args})

# Single- or multi-config generators put the executable in different places.
file(GLOB_RECURSE exe LIST_DIRECTORIES false "${build}/tapegrad_consumer")
if(NOT exe)
  message(FATAL_ERROR "consumer_project: tapegrad_consumer was not built")
endif()
list(GET exe 0 exe)
run(run "${exe}")
message(STATUS "consumer_project: OK")
