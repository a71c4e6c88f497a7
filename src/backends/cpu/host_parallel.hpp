// Host kernels as Kokkos parallel patterns, and the Kokkos spellings the CPU kernels share.
//
// Debian's Kokkos enables only the Serial host space. There, host_for splits the range into one
// contiguous chunk per OpenMP thread (the threads oneDNN uses) and runs each chunk as a
// Kokkos::parallel_for on Serial, whose RangePolicy execution is a plain loop without shared
// state. With a Kokkos that has a parallel host space (OpenMP, Threads), the policy runs as is.
// Results never depend on the split: every reduction in this backend sums fixed blocks in a
// fixed order.
#pragma once
#include <omp.h>

#include <Kokkos_Core.hpp>
#include <cstdint>

namespace swag::cpu {

using HostSpace = Kokkos::DefaultHostExecutionSpace;
using Range = Kokkos::RangePolicy<HostSpace, Kokkos::IndexType<std::int64_t>>;

template <class F>
void host_for(const char* name, std::int64_t n, const F& f) {
#if defined(KOKKOS_ENABLE_OPENMP) || defined(KOKKOS_ENABLE_THREADS)
  Kokkos::parallel_for(name, Range(0, n), f);
#else
  const int threads = omp_get_max_threads();
  if (threads == 1 || n < 2) {
    Kokkos::parallel_for(name, Range(0, n), f);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    const std::int64_t t = omp_get_thread_num(), count = omp_get_num_threads();
    Kokkos::parallel_for(name, Range(n * t / count, n * (t + 1) / count), f);
  }
#endif
}

// f(begin, end) over consecutive blocks of at most `block` indices covering [0, n): the body
// runs a plain loop the compiler can vectorize (a Kokkos range loop calling f(i) per index does
// not, on Serial).
template <class F>
void host_for_blocks(const char* name, std::int64_t n, std::int64_t block, const F& f) {
  host_for(name, (n + block - 1) / block,
           [=](std::int64_t b) { f(b * block, b * block + block < n ? b * block + block : n); });
}

// f(i, j) for i < n0, j < n1, with j fastest.
template <class F>
void host_for_2d(const char* name, std::int64_t n0, std::int64_t n1, const F& f) {
  host_for(name, n0 * n1, [=](std::int64_t k) { f(k / n1, k % n1); });
}

namespace kmath {
#if KOKKOS_VERSION >= 40000
using Kokkos::exp;
using Kokkos::log;
using Kokkos::sqrt;
#else
using Kokkos::Experimental::exp;
using Kokkos::Experimental::log;
using Kokkos::Experimental::sqrt;
#endif
}  // namespace kmath

}  // namespace swag::cpu
