#include "swag/backends/cpu/runtime.hpp"

#include <omp.h>

#include <Kokkos_Core.hpp>

namespace swag::cpu {

Runtime::Runtime(int threads) {
  if (threads > 0) set_threads(threads);
  if (!Kokkos::is_initialized()) Kokkos::initialize();
}

Runtime::~Runtime() {
  if (Kokkos::is_initialized()) Kokkos::finalize();
}

void Runtime::set_threads(int threads) {
  omp_set_num_threads(threads);
}
int Runtime::threads() {
  return omp_get_max_threads();
}

}  // namespace swag::cpu
