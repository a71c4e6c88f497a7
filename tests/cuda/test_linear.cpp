// cuBLASLt linear layer against the CPU backend on the same random inputs.
#include <gtest/gtest.h>

#include <utility>

#include "../ops/layer_reference.hpp"
#include "parity.hpp"
#include "storage_parity.hpp"
#include "swag/ops/linear.hpp"

using namespace swag;
using swag::test::abs_of;
using swag::test::random_tensor;

namespace {

struct LinearCase {
  const char* name;
  ops::LinearDesc d;
};

// Odd sizes (rows of 13 floats are not 16-byte aligned), a classifier-like wide output, and a
// tall one (a bias gradient over thousands of rows). Fields: rows, in, out features, bias.
const LinearCase kCases[] = {
    {"small_bias", {7, 13, 5, true}},
    {"square_no_bias", {64, 128, 96, false}},
    {"classifier_bias", {33, 257, 1000, true}},
    {"tall_bias", {2500, 24, 40, true}},
};

// A device copy of host t that starts `offset` rows into a larger buffer (so that it need not
// be aligned beyond its element size); the buffer comes first and keeps the view's storage alive.
std::pair<Tensor, Tensor> on_device_at(const Tensor& t, std::int64_t offset) {
  Tensor buffer = Tensor::zeros({t.dim(0) + offset, t.dim(1)}, t.dtype(), Device::cuda);
  Tensor view = buffer.slice_rows(offset, offset + t.dim(0));
  cuda::copy(t, view);
  return {buffer, view};
}

// Runs the GPU op on device copies of x and dy that start `offset` rows into larger buffers,
// so that operands need not be aligned beyond 4 bytes; compares with the CPU (parity.hpp).
void check_against_cpu(const ops::LinearDesc& d, std::int64_t offset) {
  const Tensor x = random_tensor({d.rows, d.in_features}, 1);
  const Tensor w = random_tensor({d.out_features, d.in_features}, 2);
  const Tensor b = random_tensor({d.out_features}, 3),
               dy = random_tensor({d.rows, d.out_features}, 4);
  const test::LayerResult ref = test::linear_cpu(d, x, w, b, dy);
  const test::LayerResult mag = test::linear_cpu(d, abs_of(x), abs_of(w), abs_of(b), abs_of(dy));

  const auto [x_buffer, gx] = on_device_at(x, offset);
  const auto [dy_buffer, gdy] = on_device_at(dy, offset);
  const Tensor gw = cuda::to_device(w), gb = cuda::to_device(b);
  Tensor gy = test::device_garbage({d.rows, d.out_features});
  Tensor gdx = test::device_garbage({d.rows, d.in_features});
  Tensor gdw = test::device_garbage({d.out_features, d.in_features});
  Tensor gdb = test::device_garbage({d.out_features});
  ops::linear_forward(d, gx, gw, d.bias ? &gb : nullptr, gy);
  ops::linear_backward(d, gx, gw, gdy, &gdx, gdw, d.bias ? &gdb : nullptr);

  test::expect_close("y", gy, ref.y, mag.y, d.in_features + 1);
  test::expect_close("dx", gdx, ref.dx, mag.dx, d.out_features);
  test::expect_close("dw", gdw, ref.dw, mag.dw, d.rows);
  if (d.bias) test::expect_close("db", gdb, ref.db, mag.db, d.rows);

  // Without dx, and again: the same gradients to the bit.
  Tensor gdw2 = test::device_garbage({d.out_features, d.in_features});
  Tensor gdb2 = test::device_garbage({d.out_features});
  ops::linear_backward(d, gx, gw, gdy, nullptr, gdw2, d.bias ? &gdb2 : nullptr);
  test::expect_bitwise_equal("dw", gdw, gdw2);
  if (d.bias) test::expect_bitwise_equal("db", gdb, gdb2);
}

// bf16 and f16 activations: the CUDA op against the CPU op on the same 16-bit inputs, within
// storage_parity.hpp's bound (dw and db fp32 on both sides), on rows `offset` into larger
// buffers as above; the weight and bias gradients deterministic.
template <class T>
void check_storage_against_cpu(const ops::LinearDesc& d, std::int64_t offset) {
  const DType s = dtype_of<T>();
  const Tensor x = test::round_to(random_tensor({d.rows, d.in_features}, 5), s);
  const Tensor w = test::round_to(random_tensor({d.out_features, d.in_features}, 6), s);
  const Tensor b = test::round_to(random_tensor({d.out_features}, 7), s);
  const Tensor dy = test::round_to(random_tensor({d.rows, d.out_features}, 8), s);
  test::LayerResult ref{
      Tensor::empty({d.rows, d.out_features}, s), Tensor::empty({d.rows, d.in_features}, s),
      Tensor::empty({d.out_features, d.in_features}), Tensor::empty({d.out_features})};
  ops::linear_forward(d, x, w, d.bias ? &b : nullptr, ref.y);
  ops::linear_backward(d, x, w, dy, &ref.dx, ref.dw, d.bias ? &ref.db : nullptr);
  const test::LayerResult mag = test::linear_cpu(d, abs_of(test::widen(x)), abs_of(test::widen(w)),
                                                 abs_of(test::widen(b)), abs_of(test::widen(dy)));

  const auto [x_buffer, gx] = on_device_at(x, offset);
  const auto [dy_buffer, gdy] = on_device_at(dy, offset);
  const Tensor gw = cuda::to_device(w), gb = cuda::to_device(b);
  Tensor gy = test::device_garbage_as<T>({d.rows, d.out_features});
  Tensor gdx = test::device_garbage_as<T>({d.rows, d.in_features});
  Tensor gdw = test::device_garbage({d.out_features, d.in_features});
  Tensor gdb = test::device_garbage({d.out_features});
  ops::linear_forward(d, gx, gw, d.bias ? &gb : nullptr, gy);
  ops::linear_backward(d, gx, gw, gdy, &gdx, gdw, d.bias ? &gdb : nullptr);

  test::expect_storage_close<T>("y", gy, ref.y, mag.y, d.in_features + 1, 1.0);
  test::expect_storage_close<T>("dx", gdx, ref.dx, mag.dx, d.out_features, 1.0);
  test::expect_storage_close<T>("dw", gdw, ref.dw, mag.dw, d.rows, 0.0);
  if (d.bias) test::expect_storage_close<T>("db", gdb, ref.db, mag.db, d.rows, 0.0);

  Tensor gdw2 = test::device_garbage({d.out_features, d.in_features});
  Tensor gdb2 = test::device_garbage({d.out_features});
  ops::linear_backward(d, gx, gw, gdy, nullptr, gdw2, d.bias ? &gdb2 : nullptr);
  test::expect_bitwise_equal("dw", gdw, gdw2);
  if (d.bias) test::expect_bitwise_equal("db", gdb, gdb2);
}

class LinearParity : public ::testing::TestWithParam<LinearCase> {};

TEST_P(LinearParity, Bf16ActivationsMatchTheCpuBackend) {
  check_storage_against_cpu<bf16>(GetParam().d, 0);
  check_storage_against_cpu<bf16>(GetParam().d, 1);
}

TEST_P(LinearParity, F16ActivationsMatchTheCpuBackend) {
  check_storage_against_cpu<f16>(GetParam().d, 0);
  check_storage_against_cpu<f16>(GetParam().d, 1);
}

TEST_P(LinearParity, ForwardAndBackwardMatchTheCpuBackend) {
  check_against_cpu(GetParam().d, 0);
}

TEST_P(LinearParity, MisalignedRowSlicesMatchTheCpuBackend) {
  check_against_cpu(GetParam().d, 1);
}

INSTANTIATE_TEST_SUITE_P(Cuda, LinearParity, ::testing::ValuesIn(kCases),
                         [](const auto& c) { return std::string(c.param.name); });

}  // namespace
