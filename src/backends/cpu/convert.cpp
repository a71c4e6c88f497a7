// ops::convert on the host: one load and one rounding per element (core/float16.hpp).
#include "host_parallel.hpp"
#include "swag/backends/cpu/cpu_ops.hpp"
#include "swag/core/float_types.hpp"

namespace swag::cpu {

void convert(const Tensor& src, Tensor& dst) {
  visit_float_type(src.dtype(), "convert: src", [&](auto src_tag) {
    using S = decltype(src_tag);
    visit_float_type(dst.dtype(), "convert: dst", [&](auto dst_tag) {
      using D = decltype(dst_tag);
      const S* const sp = src.data<S>();
      D* const dp = dst.data<D>();
      host_for(
          "swag::convert", src.numel(),
          KOKKOS_LAMBDA(std::int64_t i) { dp[i] = store_as<D>(load(sp[i])); });
    });
  });
}

}  // namespace swag::cpu
