# tapegrad_add_library(<folder> [PUBLIC deps...] [PRIVATE deps...])
#
# One library per top-level folder (autograd, nn, optim, data):
#   target  tapegrad_<folder>, alias tapegrad::<folder>, exported as tapegrad::<folder>
#   sources <folder>/src/**/*.cpp                (globbed, CONFIGURE_DEPENDS)
#   public  <folder>/include  -> #include <tapegrad/<folder>/...>, installed to include/
#   private <folder>/src
#
# While a folder has no .cpp file the target is an INTERFACE (header-only)
# library: PUBLIC deps become INTERFACE deps, PRIVATE deps are dropped. As soon
# as a .cpp appears, the CONFIGURE_DEPENDS glob makes the next build re-run
# CMake and the same call produces a static (or, with BUILD_SHARED_LIBS, shared)
# library.
function(tapegrad_add_library folder)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "PUBLIC;PRIVATE")
  set(name tapegrad_${folder})
  set(dir "${PROJECT_SOURCE_DIR}/${folder}")

  file(GLOB_RECURSE sources CONFIGURE_DEPENDS "${dir}/src/*.cpp")

  if(sources)
    add_library(${name} ${sources})
    set(scope PUBLIC)
    target_include_directories(${name} PRIVATE "${dir}/src")
    target_link_libraries(${name} PUBLIC ${arg_PUBLIC} PRIVATE ${arg_PRIVATE})
    set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
    list(LENGTH sources n)
    set(kind "library, ${n} source files")
  else()
    add_library(${name} INTERFACE)
    set(scope INTERFACE)
    target_link_libraries(${name} INTERFACE ${arg_PUBLIC})
    set(kind "header-only (no .cpp in ${folder}/src yet)")
  endif()
  message(STATUS "tapegrad: tapegrad::${folder}: ${kind}")

  add_library(tapegrad::${folder} ALIAS ${name})
  set_target_properties(${name} PROPERTIES EXPORT_NAME ${folder})
  target_compile_features(${name} ${scope} cxx_std_20)
  target_include_directories(${name} ${scope}
    "$<BUILD_INTERFACE:${dir}/include>"
    "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")

  install(TARGETS ${name} EXPORT tapegradTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  # The include/ folder exists only once the folder has headers; the glob
  # below re-runs CMake when it appears.
  file(GLOB_RECURSE headers CONFIGURE_DEPENDS "${dir}/include/*")
  if(headers)
    install(DIRECTORY "${dir}/include/" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  endif()
endfunction()
