// Element-wise CUDA kernels against the CPU backend on the same random inputs.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "parity.hpp"
#include "swag/ops/elementwise.hpp"
#include "swag/ops/optimizer_update.hpp"

using namespace swag;
using swag::test::random_tensor;

namespace {

// `run` computes out from the inputs on whichever device they live. In-place ops (accumulate,
// scale) start from a copy of their last input; the others from NaN, to show they overwrite.
struct ElementwiseCase {
  const char* name;
  int inputs;
  float range;  // inputs are uniform in [-range, range)
  double rtol;  // 0: bitwise (one IEEE operation or a select per element)
  bool in_place;
  std::function<void(const std::vector<Tensor>&, Tensor&)> run;
};

const ElementwiseCase kCases[] = {
    {"relu_forward", 1, 1.0f, 0.0, false,
     [](const auto& in, Tensor& out) { ops::relu_forward(in[0], out); }},
    {"relu_backward", 2, 1.0f, 0.0, false,
     [](const auto& in, Tensor& out) { ops::relu_backward(in[0], in[1], out); }},
    {"sigmoid_forward", 1, 10.0f, test::kFp32Tolerance, false,
     [](const auto& in, Tensor& out) { ops::sigmoid_forward(in[0], out); }},
    {"sigmoid_backward", 2, 1.0f, test::kFp32Tolerance, false,
     [](const auto& in, Tensor& out) { ops::sigmoid_backward(in[0], in[1], out); }},
    // GELU over [-6, 6): both branches of erf_poly and its clamp at |x| / sqrt 2 > 4.
    {"gelu_forward", 1, 6.0f, test::kFp32Tolerance, false,
     [](const auto& in, Tensor& out) { ops::gelu_forward(in[0], out); }},
    {"gelu_backward", 2, 6.0f, test::kFp32Tolerance, false,
     [](const auto& in, Tensor& out) { ops::gelu_backward(in[0], in[1], out); }},
    {"tanh_forward", 1, 5.0f, test::kFp32Tolerance, false,
     [](const auto& in, Tensor& out) { ops::tanh_forward(in[0], out); }},
    {"tanh_backward", 2, 1.0f, test::kFp32Tolerance, false,
     [](const auto& in, Tensor& out) { ops::tanh_backward(in[0], in[1], out); }},
    {"add", 2, 1.0f, 0.0, false,
     [](const auto& in, Tensor& out) { ops::add_forward(in[0], in[1], out, false); }},
    {"add_relu", 2, 1.0f, 0.0, false,
     [](const auto& in, Tensor& out) { ops::add_forward(in[0], in[1], out, true); }},
    {"accumulate", 2, 1.0f, 0.0, true,
     [](const auto& in, Tensor& out) { ops::accumulate(in[0], out); }},
    {"scale", 1, 1.0f, 0.0, true, [](const auto&, Tensor& out) { ops::scale(out, -0.37f); }},
};

Tensor host_copy(const Tensor& t) {
  Tensor c = Tensor::empty(t.shape());
  for (std::int64_t i = 0; i < t.numel(); ++i) c.data<float>()[i] = t.data<float>()[i];
  return c;
}

void check_against_cpu(const ElementwiseCase& c, const Shape& shape) {
  std::vector<Tensor> in, gin;
  for (int k = 0; k < c.inputs; ++k) {
    Tensor t = random_tensor(shape, 10 + k);
    for (std::int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] *= c.range;
    gin.push_back(cuda::to_device(t));
    in.push_back(std::move(t));
  }
  Tensor out = c.in_place ? host_copy(in.back()) : Tensor::empty(shape);
  c.run(in, out);
  Tensor gout = c.in_place ? cuda::to_device(in.back()) : test::device_garbage(shape);
  c.run(gin, gout);
  test::expect_near(c.name, gout, out, c.rtol);
}

class ElementwiseParity : public ::testing::TestWithParam<ElementwiseCase> {};

// 3 x 1000 x 37 elements: not a multiple of the block size.
TEST_P(ElementwiseParity, MatchesTheCpuBackend) {
  check_against_cpu(GetParam(), {3, 1000, 37});
}

// More elements than one grid covers (2^16 blocks of 256): the grid-stride loop's second lap.
TEST_P(ElementwiseParity, LargerThanOneGridMatchesTheCpuBackend) {
  check_against_cpu(GetParam(), {(std::int64_t{1} << 24) + 4099});
}

INSTANTIATE_TEST_SUITE_P(Cuda, ElementwiseParity, ::testing::ValuesIn(kCases),
                         [](const auto& c) { return std::string(c.param.name); });

// Backward passes may write dx over dy: the same result as into a separate tensor.
TEST(ElementwiseAliasing, BackwardInPlaceMatchesOutOfPlace) {
  const Shape shape{4099};
  const Tensor x = cuda::to_device(random_tensor(shape, 20));
  const Tensor dy = random_tensor(shape, 21);
  Tensor separate = test::device_garbage(shape);
  ops::gelu_backward(x, cuda::to_device(dy), separate);
  Tensor in_place = cuda::to_device(dy);
  ops::gelu_backward(x, in_place, in_place);
  test::expect_bitwise_equal("gelu_backward in place", in_place, separate);
}

}  // namespace
