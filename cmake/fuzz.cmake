# fuzz.cmake - libFuzzer targets (tests/fuzz/*_fuzz.c), -DKS_FUZZ=ON with
# clang (CC=clang). The core library is built with coverage instrumentation
# plus ASan and UBSan; each target links libFuzzer's main. Run them with
# tests/fuzz/run.sh SECONDS (it builds, makes seed corpora and runs each).
option(KS_FUZZ "Build the libFuzzer targets (needs clang)" OFF)
if(KS_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "KS_FUZZ needs clang: CC=clang cmake -DKS_FUZZ=ON ...")
  endif()
  set(KS_FUZZ_SAN -fsanitize=address,undefined -fno-sanitize-recover=undefined
                  -fno-omit-frame-pointer -g)
  target_compile_options(ks PRIVATE -fsanitize=fuzzer-no-link ${KS_FUZZ_SAN})
  target_compile_options(ks_app PRIVATE -fsanitize=fuzzer-no-link ${KS_FUZZ_SAN})
  foreach(prog spam-train spam-update spam-validate spam-features)   # they link ks too
    target_link_options(${prog} PRIVATE -fsanitize=fuzzer-no-link ${KS_FUZZ_SAN})
  endforeach()
  file(GLOB KS_FUZZ_SOURCES CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/tests/fuzz/*_fuzz.c)
  foreach(src ${KS_FUZZ_SOURCES})
    get_filename_component(name ${src} NAME_WE)
    add_executable(${name} ${src})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer ${KS_FUZZ_SAN})
    target_link_options(${name} PRIVATE -fsanitize=fuzzer ${KS_FUZZ_SAN})
    target_link_libraries(${name} PRIVATE ks)
  endforeach()
endif()
