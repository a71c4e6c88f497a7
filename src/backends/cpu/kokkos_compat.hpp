// Kokkos spellings shared by the CPU kernels: host execution policies with 64-bit indices, and
// the math functions, which Kokkos 3.x keeps in Kokkos::Experimental and 4.x moved to Kokkos::.
#pragma once
#include <Kokkos_Core.hpp>
#include <cstdint>

namespace swag::cpu {

using HostSpace = Kokkos::DefaultHostExecutionSpace;
using Range = Kokkos::RangePolicy<HostSpace, Kokkos::IndexType<std::int64_t>>;
using Range2 = Kokkos::MDRangePolicy<HostSpace, Kokkos::Rank<2>, Kokkos::IndexType<std::int64_t>>;

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
