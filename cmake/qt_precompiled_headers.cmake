# Precompiled Qt headers for udlab_ui and the GUI tests. Parsing QtWidgets/QtCharts is about a third of
# each of their compiles (test_ui_redraw.cpp at -O1: 11.5 s CPU without, 7.4 s with, on the 2-core
# development machine), and CI builds ~45 such files on 2 cores. UDLAB_PCH=OFF turns it off.
option(UDLAB_PCH "Precompile the Qt headers of udlab_ui and tests/ui" ON)

# udlab_qt_pch(TARGET [REUSE_FROM OTHER]): the Qt headers precompiled once for TARGET, or OTHER's
# precompiled header reused (same compile flags), so a folder of tests builds one header, not one each.
function(udlab_qt_pch target)
  cmake_parse_arguments(PCH "" "REUSE_FROM" "" ${ARGN})
  if(NOT UDLAB_PCH)
    return()
  endif()
  # A Qt-free file (no Qt include in it or its own header) must not see Qt's keyword macros
  # (`slots`, `signals`, `emit`), which the precompiled header would define for it.
  get_target_property(sources ${target} SOURCES)
  get_target_property(dir ${target} SOURCE_DIR)
  foreach(src ${sources})
    if(NOT src MATCHES "\\.cpp$")
      continue()
    endif()
    cmake_path(ABSOLUTE_PATH src BASE_DIRECTORY ${dir} OUTPUT_VARIABLE path)
    string(REGEX REPLACE "\\.cpp$" ".h" header ${path})
    file(READ ${path} text)
    if(EXISTS ${header})
      file(READ ${header} text_h)
      string(APPEND text ${text_h})
    endif()
    if(NOT text MATCHES "#include <Q")
      set_source_files_properties(${src} TARGET_DIRECTORY ${target} PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
    endif()
  endforeach()
  if(PCH_REUSE_FROM)
    target_precompile_headers(${target} REUSE_FROM ${PCH_REUSE_FROM})
  else()
    target_precompile_headers(${target} PRIVATE <QtWidgets> <QtCharts>)
  endif()
  # ccache caches compiles that use a precompiled header only with this sloppiness (its manual,
  # "Precompiled headers"); without it they are compiled every time, correctly but uncached.
  get_target_property(launcher ${target} CXX_COMPILER_LAUNCHER)
  if(launcher MATCHES "ccache")
    set_property(TARGET ${target} PROPERTY CXX_COMPILER_LAUNCHER
                 ${CMAKE_COMMAND} -E env CCACHE_SLOPPINESS=pch_defines,time_macros ${launcher})
  endif()
endfunction()
