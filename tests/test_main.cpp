// GoogleTest main with the CPU runtime (Kokkos, threads) alive for every test.
#include <gtest/gtest.h>

#include "swag/backends/cpu/runtime.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  swag::cpu::Runtime runtime(1);
  return RUN_ALL_TESTS();
}
