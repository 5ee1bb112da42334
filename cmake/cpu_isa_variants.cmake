# Run-time instruction-set dispatch for the portable build (UDLAB_NATIVE=OFF; core/backend/cpu/cpu_isa.h).
# The CPU ops (the GEMMs, recurrences, group kernels and elementwise loops every model spends its time in)
# are compiled twice more, for x86-64-v3 (AVX2, FMA) and x86-64-v4 (AVX-512), on top of udlab_core's
# baseline copy. Eigen's templates have the same mangled names in every copy, and the linker keeps one
# copy of each, which would make the "baseline" path run AVX-512 code (SIGILL on an older CPU) or the
# AVX-512 path run SSE2 code. So each variant's objects are linked into one relocatable object and every
# symbol in it except its factories (namespace udlab::isa_<name>) is made local, with the COMDAT groups
# dropped: each copy then keeps its own Eigen, std:: and project template code. (-fno-gnu-unique:
# GCC's STB_GNU_UNIQUE statics, e.g. Eigen's cache sizes, cannot be localised otherwise.)
# Defines udlab_cpu_isa (a static library of the variants) and links it to udlab_core.
set(UDLAB_CPU_ISA_SOURCES
    backend/cpu/cpu_dense_ops.cpp backend/cpu/cpu_rnn_ops.cpp backend/cpu/cpu_group_ops.cpp
    backend/cpu/cpu_lru_ops.cpp backend/cpu/cpu_attention_ops.cpp)
set(UDLAB_CPU_ISA_avx2_FLAGS -march=x86-64-v3)
set(UDLAB_CPU_ISA_avx512_FLAGS -march=x86-64-v4)
set(variant_objects "")
foreach(isa avx2 avx512)
  add_library(udlab_cpu_${isa} OBJECT ${UDLAB_CPU_ISA_SOURCES})
  target_include_directories(udlab_cpu_${isa} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(udlab_cpu_${isa} PRIVATE Eigen3::Eigen nlohmann_json::nlohmann_json OpenMP::OpenMP_CXX)
  target_compile_definitions(udlab_cpu_${isa} PRIVATE EIGEN_NO_DEBUG UDLAB_CPU_ISA_NS=isa_${isa})
  target_compile_options(udlab_cpu_${isa} PRIVATE ${UDLAB_CPU_ISA_${isa}_FLAGS} -fvisibility=hidden
                         -fvisibility-inlines-hidden $<$<CXX_COMPILER_ID:GNU>:-fno-gnu-unique -Wno-maybe-uninitialized>
                         -Wall -Wextra -Wno-unused-parameter)
  set(merged ${CMAKE_CURRENT_BINARY_DIR}/cpu_isa_${isa}.o)
  add_custom_command(
    OUTPUT ${merged}
    COMMAND ${CMAKE_LINKER} -r $<TARGET_OBJECTS:udlab_cpu_${isa}> -o ${merged}.all.o
    COMMAND ${CMAKE_OBJCOPY} --wildcard --keep-global-symbol=*isa_${isa}* -R .group ${merged}.all.o ${merged}
    DEPENDS $<TARGET_OBJECTS:udlab_cpu_${isa}>
    COMMAND_EXPAND_LISTS VERBATIM
    COMMENT "Localising the ${isa} copy of the CPU ops")
  list(APPEND variant_objects ${merged})
endforeach()
set_source_files_properties(${variant_objects} PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
add_library(udlab_cpu_isa STATIC ${variant_objects})
set_target_properties(udlab_cpu_isa PROPERTIES LINKER_LANGUAGE CXX)
target_link_libraries(udlab_cpu_isa PUBLIC OpenMP::OpenMP_CXX)
target_link_libraries(udlab_core PUBLIC udlab_cpu_isa)
set_property(SOURCE backend/cpu/cpu_backend.cpp backend/cpu/cpu_isa.cpp APPEND PROPERTY COMPILE_DEFINITIONS
             UDLAB_CPU_ISA_VARIANTS)
