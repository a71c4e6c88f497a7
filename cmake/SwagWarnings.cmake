# Warnings for the project's own C++ (third-party headers are SYSTEM includes).
add_library(swag_warnings INTERFACE)
target_compile_options(swag_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor>
  $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${SWAG_WERROR}>>:-Werror>
  $<$<AND:$<COMPILE_LANGUAGE:CUDA>,$<BOOL:${SWAG_WERROR}>>:-Werror=all-warnings>
  $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${SWAG_NATIVE}>>:-march=native>)
