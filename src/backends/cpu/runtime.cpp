#include "swag/backends/cpu/runtime.hpp"

#include <omp.h>
#include <sched.h>

#include <Kokkos_Core.hpp>
#include <cstdlib>
#include <vector>

namespace swag::cpu {

Affinity affinity() {
  // A mask large enough for any node (CPU_ALLOC's sets grow past the fixed 1024 of cpu_set_t).
  constexpr int kMaxCpus = 8192;
  cpu_set_t* set = CPU_ALLOC(kMaxCpus);
  if (set == nullptr) return {};
  const std::size_t bytes = CPU_ALLOC_SIZE(kMaxCpus);
  CPU_ZERO_S(bytes, set);
  Affinity a;
  if (sched_getaffinity(0, bytes, set) == 0) {
    std::vector<int> cpus;
    for (int c = 0; c < kMaxCpus; ++c)
      if (CPU_ISSET_S(static_cast<std::size_t>(c), bytes, set)) cpus.push_back(c);
    a.cpus = static_cast<int>(cpus.size());
    // Runs of consecutive CPUs as "a-b".
    for (std::size_t i = 0; i < cpus.size();) {
      std::size_t j = i;
      while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
      if (!a.list.empty()) a.list += ',';
      a.list += std::to_string(cpus[i]);
      if (j > i) a.list += '-' + std::to_string(cpus[j]);
      i = j + 1;
    }
  }
  CPU_FREE(set);
  return a;
}

Runtime::Runtime(int threads) {
  if (threads > 0) {
    set_threads(threads);
  } else {
    // OpenMP's own default may be the node's core count; a rank gets the CPUs it is bound to.
    const char* omp = std::getenv("OMP_NUM_THREADS");
    const int cpus = affinity().cpus;
    if ((omp == nullptr || *omp == '\0') && cpus > 0) set_threads(cpus);
  }
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
