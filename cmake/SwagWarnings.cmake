# Warnings for the project's own C++ (third-party headers are SYSTEM includes).
add_library(swag_warnings INTERFACE)
target_compile_options(swag_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor>
  $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${SWAG_WERROR}>>:-Werror>
  # Kernels that spill registers or keep arrays in local memory (slow off-chip traffic) are
  # named by ptxas, and fail the build with SWAG_WERROR.
  $<$<COMPILE_LANGUAGE:CUDA>:-Xptxas=--warn-on-spills,--warn-on-local-memory-usage>
  $<$<AND:$<COMPILE_LANGUAGE:CUDA>,$<BOOL:${SWAG_WERROR}>>:-Werror=all-warnings>
  $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${SWAG_NATIVE}>>:-march=native>)
