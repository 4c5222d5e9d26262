# Finds the BLAS tapegrad's GEMM calls go to (OpenBLAS, CBLAS interface) and
# wraps it in the imported interface target tapegrad::blas.
#
# Used twice: by the build (top-level CMakeLists.txt) and by the installed
# package config (tapegradConfig.cmake), because the static tapegrad::autograd
# carries $<LINK_ONLY:tapegrad::blas> in its link interface.
#
# Preference order:
#   1. the OpenMP build of OpenBLAS (Debian: libopenblas-openmp-dev), found by
#      its CMake config under /usr/lib/<arch>/openblas-openmp/cmake/openblas.
#      OpenMP is then the one thread pool of the process and tapegrad's
#      set_num_threads controls BLAS too; tapegrad::blas carries the compile
#      definition TAPEGRAD_BLAS_OPENMP=1.
#   2. any libopenblas + cblas.h on the default search paths (e.g. the pthread
#      build). TAPEGRAD_BLAS_OPENMP=1 is still set if the library's real path
#      says it is the OpenMP build.
#
# Result variables (in the caller's scope):
#   TAPEGRAD_BLAS_FOUND, TAPEGRAD_BLAS_OPENMP, TAPEGRAD_BLAS_LIBRARIES,
#   TAPEGRAD_BLAS_INCLUDE_DIRS
# Override: -DTAPEGRAD_BLAS_LIBRARY=/path/libopenblas.so
#           -DTAPEGRAD_BLAS_INCLUDE_DIR=/dir/with/cblas.h

macro(tapegrad_find_blas)
  cmake_parse_arguments(_tgb "REQUIRED;QUIET" "" "" ${ARGN})
  if(TARGET tapegrad::blas)
    set(TAPEGRAD_BLAS_FOUND TRUE)
  else()
    set(TAPEGRAD_BLAS_FOUND FALSE)
    set(TAPEGRAD_BLAS_OPENMP FALSE)
    set(TAPEGRAD_BLAS_LIBRARIES "")
    set(TAPEGRAD_BLAS_INCLUDE_DIRS "")

    # 1. The OpenMP build of OpenBLAS, by its (Debian-provided) CMake config.
    if(NOT TAPEGRAD_BLAS_LIBRARY)
      set(_tgb_arch "${CMAKE_LIBRARY_ARCHITECTURE}")
      find_package(OpenBLAS CONFIG QUIET
        PATHS "/usr/lib/${_tgb_arch}/openblas-openmp/cmake/openblas"
        NO_DEFAULT_PATH)
      if(OpenBLAS_FOUND AND OpenBLAS_LIBRARIES AND OpenBLAS_INCLUDE_DIRS)
        set(_tgb_ok TRUE)
        foreach(_tgb_f IN LISTS OpenBLAS_LIBRARIES OpenBLAS_INCLUDE_DIRS)
          if(NOT EXISTS "${_tgb_f}")
            set(_tgb_ok FALSE)
          endif()
        endforeach()
        if(_tgb_ok)
          set(TAPEGRAD_BLAS_LIBRARIES "${OpenBLAS_LIBRARIES}")
          set(TAPEGRAD_BLAS_INCLUDE_DIRS "${OpenBLAS_INCLUDE_DIRS}")
          set(TAPEGRAD_BLAS_OPENMP TRUE)
          set(TAPEGRAD_BLAS_FOUND TRUE)
        endif()
      endif()
    endif()

    # 2. Fallback: whatever libopenblas and cblas.h the default paths give.
    if(NOT TAPEGRAD_BLAS_FOUND)
      find_library(TAPEGRAD_BLAS_LIBRARY NAMES openblas
        DOC "OpenBLAS library used by tapegrad")
      find_path(TAPEGRAD_BLAS_INCLUDE_DIR cblas.h PATH_SUFFIXES openblas
        DOC "Directory holding cblas.h")
      if(TAPEGRAD_BLAS_LIBRARY AND TAPEGRAD_BLAS_INCLUDE_DIR)
        set(TAPEGRAD_BLAS_LIBRARIES "${TAPEGRAD_BLAS_LIBRARY}")
        set(TAPEGRAD_BLAS_INCLUDE_DIRS "${TAPEGRAD_BLAS_INCLUDE_DIR}")
        set(TAPEGRAD_BLAS_FOUND TRUE)
        file(REAL_PATH "${TAPEGRAD_BLAS_LIBRARY}" _tgb_real)
        if(_tgb_real MATCHES "openmp")
          set(TAPEGRAD_BLAS_OPENMP TRUE)
        endif()
      endif()
    endif()

    if(TAPEGRAD_BLAS_FOUND)
      add_library(tapegrad::blas INTERFACE IMPORTED)
      set_target_properties(tapegrad::blas PROPERTIES
        INTERFACE_LINK_LIBRARIES "${TAPEGRAD_BLAS_LIBRARIES}"
        INTERFACE_INCLUDE_DIRECTORIES "${TAPEGRAD_BLAS_INCLUDE_DIRS}")
      if(TAPEGRAD_BLAS_OPENMP)
        set_property(TARGET tapegrad::blas PROPERTY
          INTERFACE_COMPILE_DEFINITIONS TAPEGRAD_BLAS_OPENMP=1)
      endif()
      if(NOT _tgb_QUIET)
        if(TAPEGRAD_BLAS_OPENMP)
          message(STATUS "tapegrad: BLAS = ${TAPEGRAD_BLAS_LIBRARIES} (OpenMP build)")
        else()
          message(STATUS "tapegrad: BLAS = ${TAPEGRAD_BLAS_LIBRARIES} (not the OpenMP build: "
                         "BLAS keeps its own thread pool)")
        endif()
      endif()
    elseif(_tgb_REQUIRED)
      message(FATAL_ERROR
        "tapegrad: OpenBLAS not found. On Debian: apt-get install libopenblas-openmp-dev "
        "(or set TAPEGRAD_BLAS_LIBRARY and TAPEGRAD_BLAS_INCLUDE_DIR).")
    endif()
  endif()
endmacro()
