// 16-bit activation storage (doc/mixed_precision.md) on CUDA against the CPU backend on the same
// bf16 or f16 inputs: the element-wise ops, ops::convert, global average pooling, channel
// scaling, cross-entropy, image normalization and token embedding.
//
// Where the fp32 kernels are bitwise the CPU's (a select, one IEEE operation, a copy, a sum in
// the same order), the 16-bit outputs are too: both backends round the same float with the same
// core/float16.hpp functions. Where the fp32 kernels differ within kFp32Tolerance (CUDA's expf
// and tanhf, reductions in another order), the 16-bit outputs may also differ by one ulp of the
// storage type where the two floats straddle a rounding boundary (storage_parity.hpp).
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "parity.hpp"
#include "storage_parity.hpp"
#include "swag/ops/convert.hpp"
#include "swag/ops/cross_entropy.hpp"
#include "swag/ops/elementwise.hpp"
#include "swag/ops/normalize.hpp"
#include "swag/ops/pool.hpp"
#include "swag/ops/token_embedding.hpp"

using namespace swag;
using swag::test::random_tensor;

namespace {

// The device tensor `gpu` holds the same bytes as the host tensor `cpu`.
void expect_same_bits(const std::string& what, const Tensor& gpu, const Tensor& cpu) {
  ASSERT_EQ(gpu.device(), Device::cuda) << what;
  test::expect_same_bits(cuda::to_host(gpu), cpu, what + " (gpu against cpu)");
}

// Uniform in [-range, range), rounded to T on the host.
template <class T>
Tensor random_as(const Shape& shape, std::uint64_t seed, float range = 1.0f) {
  return test::round_to(test::affine(random_tensor(shape, seed), range, 0.0f), dtype_of<T>());
}

template <class T>
class HalfStorageParity : public ::testing::Test {};
using StorageTypes = ::testing::Types<bf16, f16>;
TYPED_TEST_SUITE(HalfStorageParity, StorageTypes);

struct ElementwiseCase {
  const char* name;
  int inputs;
  float range;     // inputs are uniform in [-range, range)
  bool same_bits;  // the fp32 kernels are bitwise the CPU's
  bool in_place;   // accumulate: starts from its last input
  std::function<void(const std::vector<Tensor>&, Tensor&)> run;
};

const ElementwiseCase kElementwise[] = {
    {"relu_forward", 1, 1.0f, true, false,
     [](const auto& in, Tensor& out) { ops::relu_forward(in[0], out); }},
    {"relu_backward", 2, 1.0f, true, false,
     [](const auto& in, Tensor& out) { ops::relu_backward(in[0], in[1], out); }},
    {"sigmoid_forward", 1, 10.0f, false, false,
     [](const auto& in, Tensor& out) { ops::sigmoid_forward(in[0], out); }},
    {"sigmoid_backward", 2, 1.0f, false, false,
     [](const auto& in, Tensor& out) { ops::sigmoid_backward(in[0], in[1], out); }},
    {"gelu_forward", 1, 6.0f, false, false,
     [](const auto& in, Tensor& out) { ops::gelu_forward(in[0], out); }},
    {"gelu_backward", 2, 6.0f, false, false,
     [](const auto& in, Tensor& out) { ops::gelu_backward(in[0], in[1], out); }},
    {"tanh_forward", 1, 5.0f, false, false,
     [](const auto& in, Tensor& out) { ops::tanh_forward(in[0], out); }},
    {"tanh_backward", 2, 1.0f, false, false,
     [](const auto& in, Tensor& out) { ops::tanh_backward(in[0], in[1], out); }},
    {"add", 2, 1.0f, true, false,
     [](const auto& in, Tensor& out) { ops::add_forward(in[0], in[1], out, false); }},
    {"add_relu", 2, 1.0f, true, false,
     [](const auto& in, Tensor& out) { ops::add_forward(in[0], in[1], out, true); }},
    {"accumulate", 2, 1.0f, true, true,
     [](const auto& in, Tensor& out) { ops::accumulate(in[0], out); }},
};

// 3 x 1000 x 37 elements: not a multiple of the block size.
TYPED_TEST(HalfStorageParity, ElementwiseMatchesTheCpuBackend) {
  using T = TypeParam;
  const Shape shape{3, 1000, 37};
  for (const ElementwiseCase& c : kElementwise) {
    std::vector<Tensor> in, gin;
    for (int k = 0; k < c.inputs; ++k) {
      in.push_back(random_as<T>(shape, 10 + k, c.range));
      gin.push_back(cuda::to_device(in.back()));
    }
    Tensor out = c.in_place ? test::round_to(test::widen(in.back()), dtype_of<T>())
                            : Tensor::empty(shape, dtype_of<T>());
    Tensor gout = c.in_place ? cuda::to_device(in.back()) : test::device_garbage_as<T>(shape);
    c.run(in, out);
    c.run(gin, gout);
    if (c.same_bits)
      expect_same_bits(c.name, gout, out);
    else
      test::expect_near_as<T>(c.name, gout, out, test::kFp32Tolerance);
  }
}

// Every conversion between f32, bf16 and f16 stores the CPU's bits: all 2^16 patterns of the
// 16-bit types, and f32 values over f16's range and beyond (overflow, subnormals).
TYPED_TEST(HalfStorageParity, ConvertMatchesTheCpuBackend) {
  using T = TypeParam;
  Tensor all = Tensor::empty({65536}, dtype_of<T>());
  for (std::int64_t i = 0; i < 65536; ++i) all.data<T>()[i].bits = static_cast<std::uint16_t>(i);
  Tensor wide = test::affine(random_tensor({100003}, 60), 70000.0f, 0.0f);
  for (std::int64_t i = 0; i < 1000; ++i) wide.data<float>()[i] *= 0x1p-30f;  // subnormal in f16
  for (const Tensor* src : {&all, &wide}) {
    const Tensor gsrc = cuda::to_device(*src);
    for (const DType to : {DType::f32, DType::bf16, DType::f16}) {
      Tensor dst = Tensor::empty(src->shape(), to);
      Tensor gdst = cuda::to_device(Tensor::zeros(src->shape(), to));
      ops::convert(*src, dst);
      ops::convert(gsrc, gdst);
      expect_same_bits(std::string(dtype_name(src->dtype())) + " to " + std::string(dtype_name(to)),
                       gdst, dst);
    }
  }
}

// A 7x7 head with channels not a multiple of 32; a 14x14 stage.
TYPED_TEST(HalfStorageParity, PoolAndChannelScaleMatchTheCpuBackend) {
  using T = TypeParam;
  for (const Shape& xs : {Shape{4, 7, 7, 1000}, Shape{2, 14, 14, 440}}) {
    const Shape ns{xs[0], xs[3]};
    const Tensor x = random_as<T>(xs, 40), dy = random_as<T>(ns, 41), dx0 = random_as<T>(xs, 42);
    const Tensor gx = cuda::to_device(x);

    Tensor y = Tensor::empty(ns, dtype_of<T>()), gy = test::device_garbage_as<T>(ns);
    ops::global_avg_pool_forward(x, y);
    ops::global_avg_pool_forward(gx, gy);
    test::expect_near_as<T>("pool y", gy, y, test::kFp32Tolerance);
    Tensor dx = Tensor::empty(xs, dtype_of<T>()), gdx = test::device_garbage_as<T>(xs);
    ops::global_avg_pool_backward(dy, dx);
    ops::global_avg_pool_backward(cuda::to_device(dy), gdx);
    expect_same_bits("pool dx", gdx, dx);
    Tensor dxa = test::round_to(test::widen(dx0), dtype_of<T>()), gdxa = cuda::to_device(dx0);
    ops::global_avg_pool_backward(dy, dxa, true);
    ops::global_avg_pool_backward(cuda::to_device(dy), gdxa, true);
    expect_same_bits("pool dx accumulated", gdxa, dxa);

    const Tensor s = random_as<T>(ns, 43), gs = cuda::to_device(s);
    const Tensor dys = random_as<T>(xs, 44);
    Tensor ys = Tensor::empty(xs, dtype_of<T>()), gys = test::device_garbage_as<T>(xs);
    ops::channel_scale_forward(x, s, ys);
    ops::channel_scale_forward(gx, gs, gys);
    expect_same_bits("channel_scale y", gys, ys);
    Tensor dxs = Tensor::empty(xs, dtype_of<T>()), gdxs = test::device_garbage_as<T>(xs);
    Tensor ds = Tensor::empty(ns, dtype_of<T>()), gds = test::device_garbage_as<T>(ns);
    ops::channel_scale_backward(x, s, dys, dxs, ds);
    ops::channel_scale_backward(gx, gs, cuda::to_device(dys), gdxs, gds);
    expect_same_bits("channel_scale dx", gdxs, dxs);
    test::expect_near_as<T>("channel_scale dscale", gds, ds, test::kFp32Tolerance);
  }
}

TYPED_TEST(HalfStorageParity, CrossEntropyMatchesTheCpuBackend) {
  using T = TypeParam;
  const std::int64_t m = 64, c = 1000;
  const Shape shape{m, c};
  const Tensor z = random_as<T>(shape, 51, 4.0f);
  Tensor t = Tensor::zeros(shape);
  for (std::int64_t i = 0; i < m; ++i) t.data<float>()[i * c + (i * 37) % c] = 1.0f;
  const Tensor gz = cuda::to_device(z), gt = cuda::to_device(t);

  Tensor probs = Tensor::empty(shape), gprobs = test::device_garbage(shape);
  const double loss = ops::softmax_cross_entropy_forward(z, t, probs);
  const double gloss = ops::softmax_cross_entropy_forward(gz, gt, gprobs);
  EXPECT_NEAR(gloss, loss, test::kFp32Tolerance * std::fabs(loss)) << "loss";
  Tensor tiny = Tensor::empty(shape);
  for (std::int64_t i = 0; i < tiny.numel(); ++i) tiny.data<float>()[i] = FLT_MIN;
  test::expect_near("probs (f32)", gprobs, probs, test::kFp32Tolerance, &tiny);

  // Backward from the same probabilities: one product of one difference, rounded once.
  Tensor dz = Tensor::empty(shape, dtype_of<T>()), gdz = test::device_garbage_as<T>(shape);
  ops::softmax_cross_entropy_backward(probs, t, 0.75f, dz);
  ops::softmax_cross_entropy_backward(cuda::to_device(probs), gt, 0.75f, gdz);
  expect_same_bits("dlogits", gdz, dz);
}

TYPED_TEST(HalfStorageParity, NormalizeImagesMatchesTheCpuBackend) {
  using T = TypeParam;
  const Shape shape{2, 17, 13, 3};
  Tensor pixels = Tensor::empty(shape, DType::u8);
  for (std::int64_t i = 0; i < pixels.numel(); ++i)
    pixels.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(i * 37 % 256);
  Tensor images = Tensor::empty(shape, dtype_of<T>()), gimages = test::device_garbage_as<T>(shape);
  ops::normalize_images(pixels, images);
  ops::normalize_images(cuda::to_device(pixels), gimages);
  expect_same_bits("images", gimages, images);
}

// Row copies, one add per element, batch sums in sample order: bit for bit.
TYPED_TEST(HalfStorageParity, TokenEmbeddingMatchesTheCpuBackend) {
  using T = TypeParam;
  const std::int64_t b = 3, t = 197, d = 72;
  const Tensor patches = random_as<T>({b, t - 1, d}, 70), cls = random_as<T>({d}, 71),
               pos = random_as<T>({t, d}, 72), dy = random_as<T>({b, t, d}, 73);
  Tensor y = Tensor::empty({b, t, d}, dtype_of<T>()), gy = test::device_garbage_as<T>({b, t, d});
  ops::token_embedding_forward(patches, cls, pos, y);
  ops::token_embedding_forward(cuda::to_device(patches), cuda::to_device(cls), cuda::to_device(pos),
                               gy);
  expect_same_bits("y", gy, y);

  Tensor dpatches = Tensor::empty({b, t - 1, d}, dtype_of<T>()), dcls = Tensor::empty({d}),
         dpos = Tensor::empty({t, d});
  Tensor gdpatches = test::device_garbage_as<T>({b, t - 1, d}), gdcls = test::device_garbage({d}),
         gdpos = test::device_garbage({t, d});
  ops::token_embedding_backward(dy, dpatches, dcls, dpos);
  ops::token_embedding_backward(cuda::to_device(dy), gdpatches, gdcls, gdpos);
  expect_same_bits("dpatches", gdpatches, dpatches);
  expect_same_bits("dclass_token (f32)", gdcls, dcls);
  expect_same_bits("dpos (f32)", gdpos, dpos);

  Tensor out = Tensor::empty({b, d}, dtype_of<T>()), gout = test::device_garbage_as<T>({b, d});
  ops::class_token_output_forward(y, out);
  ops::class_token_output_forward(gy, gout);
  expect_same_bits("class row", gout, out);
  Tensor dx = Tensor::empty({b, t, d}, dtype_of<T>()), gdx = test::device_garbage_as<T>({b, t, d});
  ops::class_token_output_backward(out, dx);
  ops::class_token_output_backward(gout, gdx);
  expect_same_bits("class row dx", gdx, dx);
}

}  // namespace
