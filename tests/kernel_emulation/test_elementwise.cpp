// The element-wise, conversion and cross-entropy-gradient kernels (elementwise.cu, convert.cu),
// emulated, against the CPU backend on the same inputs, for each storage type.
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "kernel_parity.hpp"
#include "kernels.hpp"
#include "swag/ops/convert.hpp"
#include "swag/ops/elementwise.hpp"
#include "swag/ops/optimizer_update.hpp"

using namespace swag;
namespace k = swag::cuda::kernels;

namespace {

template <class T>
struct ElementwiseCase {
  const char* name;
  int inputs;
  float range;  // inputs uniform in [-range, range)
  double rtol;  // 0: the same bits (one IEEE operation or a select per element)
  bool in_place;
  std::function<void(const std::vector<Tensor>&, Tensor&)> cpu;
  std::function<void(std::vector<T*>&, T*, std::int64_t)> kernel;
};

template <class T>
std::vector<ElementwiseCase<T>> elementwise_cases() {
  const double tol = test::kFp32Tolerance;  // CUDA's expf and tanhf against libm's
  return {
      {"relu_forward", 1, 1.0f, 0.0, false,
       [](const auto& in, Tensor& out) { ops::relu_forward(in[0], out); },
       [](auto& in, T* out, std::int64_t n) { k::relu_forward<T>(in[0], out, n); }},
      {"relu_backward", 2, 1.0f, 0.0, false,
       [](const auto& in, Tensor& out) { ops::relu_backward(in[0], in[1], out); },
       [](auto& in, T* out, std::int64_t n) { k::relu_backward<T>(in[0], in[1], out, n); }},
      {"sigmoid_forward", 1, 10.0f, tol, false,
       [](const auto& in, Tensor& out) { ops::sigmoid_forward(in[0], out); },
       [](auto& in, T* out, std::int64_t n) { k::sigmoid_forward<T>(in[0], out, n); }},
      {"sigmoid_backward", 2, 1.0f, tol, false,
       [](const auto& in, Tensor& out) { ops::sigmoid_backward(in[0], in[1], out); },
       [](auto& in, T* out, std::int64_t n) { k::sigmoid_backward<T>(in[0], in[1], out, n); }},
      {"gelu_forward", 1, 6.0f, tol, false,
       [](const auto& in, Tensor& out) { ops::gelu_forward(in[0], out); },
       [](auto& in, T* out, std::int64_t n) { k::gelu_forward<T>(in[0], out, n); }},
      {"gelu_backward", 2, 6.0f, tol, false,
       [](const auto& in, Tensor& out) { ops::gelu_backward(in[0], in[1], out); },
       [](auto& in, T* out, std::int64_t n) { k::gelu_backward<T>(in[0], in[1], out, n); }},
      {"tanh_forward", 1, 5.0f, tol, false,
       [](const auto& in, Tensor& out) { ops::tanh_forward(in[0], out); },
       [](auto& in, T* out, std::int64_t n) { k::tanh_forward<T>(in[0], out, n); }},
      {"tanh_backward", 2, 1.0f, tol, false,
       [](const auto& in, Tensor& out) { ops::tanh_backward(in[0], in[1], out); },
       [](auto& in, T* out, std::int64_t n) { k::tanh_backward<T>(in[0], in[1], out, n); }},
      {"add", 2, 1.0f, 0.0, false,
       [](const auto& in, Tensor& out) { ops::add_forward(in[0], in[1], out, false); },
       [](auto& in, T* out, std::int64_t n) { k::add_forward<T>(in[0], in[1], out, n, false); }},
      {"add_relu", 2, 1.0f, 0.0, false,
       [](const auto& in, Tensor& out) { ops::add_forward(in[0], in[1], out, true); },
       [](auto& in, T* out, std::int64_t n) { k::add_forward<T>(in[0], in[1], out, n, true); }},
      {"accumulate", 2, 1.0f, 0.0, true,
       [](const auto& in, Tensor& out) { ops::accumulate(in[0], out); },
       [](auto& in, T* out, std::int64_t n) { k::accumulate<T>(in[0], out, n); }},
  };
}

template <class T>
class EmulatedElementwise : public ::testing::Test {};
TYPED_TEST_SUITE(EmulatedElementwise, test::StorageTypes);

// 3 x 100 x 37 elements: not a multiple of the block size.
TYPED_TEST(EmulatedElementwise, MatchesTheCpuBackend) {
  using T = TypeParam;
  const Shape shape{3, 100, 37};
  for (const auto& c : elementwise_cases<T>()) {
    std::vector<Tensor> in;
    std::vector<test::Guarded<T>> buffers;
    for (int i = 0; i < c.inputs; ++i) {
      in.push_back(test::random_as<T>(shape, 10 + static_cast<std::uint64_t>(i), c.range));
      buffers.emplace_back(in.back());
    }
    Tensor want = c.in_place ? test::copy_of(in.back()) : Tensor::empty(shape, dtype_of<T>());
    c.cpu(in, want);
    test::Guarded<T> out =
        c.in_place ? test::Guarded<T>(in.back()) : test::Guarded<T>(want.numel());
    std::vector<T*> pointers;
    pointers.reserve(buffers.size());
    for (auto& b : buffers) pointers.push_back(b.get());
    c.kernel(pointers, out.get(), want.numel());
    test::expect_output(c.name, out, want, c.rtol);
  }
}

TEST(EmulatedElementwise, ScalesFp32InPlace) {
  const Tensor x = test::random_as<float>({1000, 3}, 4);
  Tensor want = test::copy_of(x);
  ops::scale(want, -0.37f);
  test::Guarded<float> got(x);
  k::scale(got.get(), -0.37f, x.numel());
  test::expect_output("scale", got, want, 0.0);
}

// Every conversion between the three types, NaN and infinities included: bitwise the CPU's.
template <class S, class D>
void check_convert() {
  Tensor src = test::random_as<S>({7, 131}, 5, 70000.0f);  // beyond f16's range too
  const float specials[] = {std::nanf(""), INFINITY, -INFINITY, 0.0f, -0.0f, 1e-30f};
  for (std::size_t i = 0; i < std::size(specials); ++i) src.data<S>()[i] = store_as<S>(specials[i]);
  Tensor want = Tensor::empty(src.shape(), dtype_of<D>());
  ops::convert(src, want);
  test::Guarded<S> in(src);
  test::Guarded<D> out(src.numel());
  k::convert<S, D>(in.get(), out.get(), src.numel());
  test::expect_output("convert", out, want, 0.0);
}

TEST(EmulatedConvert, MatchesTheCpuBackendBitwise) {
  check_convert<float, bf16>();
  check_convert<float, f16>();
  check_convert<bf16, float>();
  check_convert<f16, float>();
  check_convert<bf16, f16>();
  check_convert<f16, bf16>();
  check_convert<float, float>();
}

}  // namespace
