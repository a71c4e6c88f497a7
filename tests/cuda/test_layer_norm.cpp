// Layer normalization CUDA kernels against the CPU backend on the same random inputs (fp32, bf16,
// f16): forward, backward and determinism. Tolerances: doc/gpu.md, "Tolerances of the GPU tests".
#include <gtest/gtest.h>

#include <string>

#include "parity.hpp"
#include "storage_parity.hpp"
#include "swag/ops/layer_norm.hpp"

using namespace swag;
using swag::test::affine;
using swag::test::column_norms;
using swag::test::random_tensor;

namespace {

struct LayerNormCase {
  const char* name;
  std::int64_t rows, features;
};

// Tiny; rows not a multiple of the 8 rows of a block nor features of 32 lanes (or of 4); ViT-B/16
// (2 images of 197 tokens, 768 features); many 256-row slabs of the dgamma / dbeta sums.
const LayerNormCase kCases[] = {
    {"tiny", 2, 3},
    {"odd", 37, 45},
    {"vit_b16", 2 * 197, 768},
    {"slabs", 4100, 33},
};

class LayerNormParity : public ::testing::TestWithParam<LayerNormCase> {};

TEST_P(LayerNormParity, ForwardAndBackwardMatchTheCpuBackend) {
  const LayerNormCase& p = GetParam();
  ops::LayerNormDesc d;
  d.rows = p.rows;
  d.features = p.features;
  const std::int64_t rows = p.rows, n = p.features;
  const Shape shape{rows, n};
  // Rows with a mean away from 0 and a spread that differs per row.
  Tensor x = random_tensor(shape, 60);
  for (std::int64_t i = 0; i < x.numel(); ++i)
    x.data<float>()[i] = x.data<float>()[i] * (1.0f + static_cast<float>(i / n % 7) / 7.0f) + 0.5f;
  const Tensor gamma = affine(random_tensor({n}, 61), 0.5f, 0.7f);
  const Tensor beta = affine(random_tensor({n}, 62), 0.5f, 0.0f);
  const Tensor dy = random_tensor(shape, 63);
  const Tensor gx = cuda::to_device(x), ggamma = cuda::to_device(gamma),
               gbeta = cuda::to_device(beta), gdy = cuda::to_device(dy);
  const double tol = test::kFp32Tolerance;

  Tensor y = Tensor::empty(shape), mean = Tensor::empty({rows}), rstd = Tensor::empty({rows});
  Tensor gy = test::device_garbage(shape), gmean = test::device_garbage({rows}),
         grstd = test::device_garbage({rows});
  ops::layer_norm_forward(d, x, gamma, beta, y, mean, rstd);
  ops::layer_norm_forward(d, gx, ggamma, gbeta, gy, gmean, grstd);
  test::expect_near("y", gy, y, tol);
  test::expect_near("mean", gmean, mean, tol);
  test::expect_near("rstd", grstd, rstd, tol);

  // Backward from the same (CPU) statistics on both sides.
  const Tensor smean = cuda::to_device(mean), srstd = cuda::to_device(rstd);
  Tensor dx = Tensor::empty(shape), dgamma = Tensor::empty({n}), dbeta = Tensor::empty({n});
  Tensor gdx = test::device_garbage(shape), gdgamma = test::device_garbage({n}),
         gdbeta = test::device_garbage({n});
  ops::layer_norm_backward(d, x, dy, gamma, mean, rstd, dx, dgamma, dbeta);
  ops::layer_norm_backward(d, gx, gdy, ggamma, smean, srstd, gdx, gdgamma, gdbeta);
  const float* xp = x.data<float>();
  const float* dyp = dy.data<float>();
  const float* mp = mean.data<float>();
  const float* rp = rstd.data<float>();
  const Tensor dy_norms = column_norms(dy, rows, n);
  const Tensor dyx_norms = column_norms(rows, n, [&](std::int64_t r, std::int64_t j) {
    return double{dyp[r * n + j]} * (double{xp[r * n + j]} - mp[r]) * rp[r];
  });
  test::expect_near("dx", gdx, dx, tol);
  test::expect_near("dgamma", gdgamma, dgamma, tol, &dyx_norms);
  test::expect_near("dbeta", gdbeta, dbeta, tol, &dy_norms);

  // Deterministic: again, over fresh garbage, the same bits.
  Tensor gy2 = test::device_garbage(shape), gmean2 = test::device_garbage({rows}),
         grstd2 = test::device_garbage({rows});
  ops::layer_norm_forward(d, gx, ggamma, gbeta, gy2, gmean2, grstd2);
  test::expect_bitwise_equal("y (again)", gy2, gy);
  test::expect_bitwise_equal("mean (again)", gmean2, gmean);
  test::expect_bitwise_equal("rstd (again)", grstd2, grstd);
  Tensor gdx2 = test::device_garbage(shape), gdgamma2 = test::device_garbage({n}),
         gdbeta2 = test::device_garbage({n});
  ops::layer_norm_backward(d, gx, gdy, ggamma, smean, srstd, gdx2, gdgamma2, gdbeta2);
  test::expect_bitwise_equal("dx (again)", gdx2, gdx);
  test::expect_bitwise_equal("dgamma (again)", gdgamma2, gdgamma);
  test::expect_bitwise_equal("dbeta (again)", gdbeta2, gdbeta);
}

INSTANTIATE_TEST_SUITE_P(Cuda, LayerNormParity, ::testing::ValuesIn(kCases),
                         [](const auto& c) { return std::string(c.param.name); });

// Mixed precision: x, y, dy, dx in T on both backends, from the same T inputs; forward, backward
// (from the CPU's statistics on both sides) and determinism.
template <class T>
void expect_mixed_parity(const LayerNormCase& p) {
  ops::LayerNormDesc d;
  d.rows = p.rows;
  d.features = p.features;
  const std::int64_t rows = p.rows, n = p.features;
  const Shape shape{rows, n};
  const std::string tag = std::string(" ") + std::string(dtype_name(dtype_of<T>())) + " " + p.name;
  Tensor x32 = random_tensor(shape, 60);
  for (std::int64_t i = 0; i < x32.numel(); ++i)
    x32.data<float>()[i] =
        x32.data<float>()[i] * (1.0f + static_cast<float>(i / n % 7) / 7.0f) + 0.5f;
  const Tensor x = test::round_to(x32, dtype_of<T>()),
               dy = test::round_to(random_tensor(shape, 63), dtype_of<T>());
  const Tensor gamma = affine(random_tensor({n}, 61), 0.5f, 0.7f);
  const Tensor beta = affine(random_tensor({n}, 62), 0.5f, 0.0f);
  const Tensor gx = cuda::to_device(x), ggamma = cuda::to_device(gamma),
               gbeta = cuda::to_device(beta), gdy = cuda::to_device(dy);
  const double tol = test::kFp32Tolerance;

  Tensor y = Tensor::empty(shape, dtype_of<T>()), mean = Tensor::empty({rows}),
         rstd = Tensor::empty({rows});
  Tensor gy = test::device_garbage_as<T>(shape), gmean = test::device_garbage({rows}),
         grstd = test::device_garbage({rows});
  ops::layer_norm_forward(d, x, gamma, beta, y, mean, rstd);
  ops::layer_norm_forward(d, gx, ggamma, gbeta, gy, gmean, grstd);
  test::expect_near_as<T>("y" + tag, gy, y, tol);
  test::expect_near("mean" + tag, gmean, mean, tol);
  test::expect_near("rstd" + tag, grstd, rstd, tol);

  const Tensor smean = cuda::to_device(mean), srstd = cuda::to_device(rstd);
  Tensor dx = Tensor::empty(shape, dtype_of<T>()), dgamma = Tensor::empty({n}),
         dbeta = Tensor::empty({n});
  Tensor gdx = test::device_garbage_as<T>(shape), gdgamma = test::device_garbage({n}),
         gdbeta = test::device_garbage({n});
  ops::layer_norm_backward(d, x, dy, gamma, mean, rstd, dx, dgamma, dbeta);
  ops::layer_norm_backward(d, gx, gdy, ggamma, smean, srstd, gdx, gdgamma, gdbeta);
  const Tensor xw = test::widen(x), dyw = test::widen(dy);
  const float* xp = xw.data<float>();
  const float* dyp = dyw.data<float>();
  const float* mp = mean.data<float>();
  const float* rp = rstd.data<float>();
  const Tensor dy_norms = column_norms(dyw, rows, n);
  const Tensor dyx_norms = column_norms(rows, n, [&](std::int64_t r, std::int64_t j) {
    return double{dyp[r * n + j]} * (double{xp[r * n + j]} - mp[r]) * rp[r];
  });
  test::expect_near_as<T>("dx" + tag, gdx, dx, tol);
  test::expect_near("dgamma" + tag, gdgamma, dgamma, tol, &dyx_norms);
  test::expect_near("dbeta" + tag, gdbeta, dbeta, tol, &dy_norms);

  Tensor gy2 = test::device_garbage_as<T>(shape), gmean2 = test::device_garbage({rows}),
         grstd2 = test::device_garbage({rows});
  ops::layer_norm_forward(d, gx, ggamma, gbeta, gy2, gmean2, grstd2);
  test::expect_bitwise_equal("y (again)" + tag, gy2, gy);
  Tensor gdx2 = test::device_garbage_as<T>(shape), gdgamma2 = test::device_garbage({n}),
         gdbeta2 = test::device_garbage({n});
  ops::layer_norm_backward(d, gx, gdy, ggamma, smean, srstd, gdx2, gdgamma2, gdbeta2);
  test::expect_bitwise_equal("dx (again)" + tag, gdx2, gdx);
  test::expect_bitwise_equal("dgamma (again)" + tag, gdgamma2, gdgamma);
}

TEST(LayerNormCuda, Bf16ActivationsMatchTheCpuBackend) {
  for (const LayerNormCase& p : kCases) expect_mixed_parity<bf16>(p);
}

TEST(LayerNormCuda, F16ActivationsMatchTheCpuBackend) {
  for (const LayerNormCase& p : kCases) expect_mixed_parity<f16>(p);
}

}  // namespace
