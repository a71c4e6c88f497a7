// The row kernels, emulated (layer norm, softmax cross-entropy, attention's softmax) against the
// CPU backend or the closed form in double, for each storage type and awkward row shapes.
// Tolerances: the GPU tests' (doc/gpu.md, "Tolerances of the GPU tests").
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>
#include <type_traits>

#include "attention_kernels.hpp"
#include "kernel_parity.hpp"
#include "kernels.hpp"
#include "layer_norm_kernels.hpp"
#include "swag/ops/cross_entropy.hpp"
#include "swag/ops/layer_norm.hpp"

using namespace swag;
namespace k = swag::cuda::kernels;

namespace {

constexpr double kU = 0x1p-24;  // fp32's unit roundoff

template <class T>
class EmulatedRowKernels : public ::testing::Test {};
TYPED_TEST_SUITE(EmulatedRowKernels, test::StorageTypes);

// ---- Layer normalization ----

struct LayerNormCase {
  const char* name;
  std::int64_t rows, features;
};

// Tiny; 45 rows of 37; rows longer than a block (each lane 9 or 10 elements); 781 rows, three
// slabs of 260 or 261 rows for dgamma / dbeta (slab_count is rows / 256); no rows at all.
const LayerNormCase kLayerNormCases[] = {
    {"tiny", 2, 3}, {"odd", 45, 37}, {"wide", 11, 300}, {"slabs", 781, 37}, {"no_rows", 0, 37},
};

template <class T>
void check_layer_norm(const LayerNormCase& p) {
  const std::int64_t rows = p.rows, n = p.features;
  const Shape shape{rows, n};
  const std::string tag = test::type_tag<T>(p.name);
  ops::LayerNormDesc d;
  d.rows = rows;
  d.features = n;
  // Rows with a mean away from 0 and a spread that differs per row, as the GPU test.
  Tensor x32 = test::random_as<float>(shape, 60);
  for (std::int64_t i = 0; i < x32.numel(); ++i)
    x32.data<float>()[i] =
        x32.data<float>()[i] * (1.0f + static_cast<float>(i / n % 7) / 7.0f) + 0.5f;
  const Tensor x = test::round_to(x32, dtype_of<T>());
  const Tensor dy = test::random_as<T>(shape, 63);
  Tensor gamma = test::random_as<float>({n}, 61, 0.5f);
  for (std::int64_t j = 0; j < n; ++j) gamma.data<float>()[j] += 0.7f;
  const Tensor beta = test::random_as<float>({n}, 62, 0.5f);
  const double tol = test::kFp32Tolerance;

  Tensor y = Tensor::empty(shape, dtype_of<T>()), mean = Tensor::empty({rows}),
         rstd = Tensor::empty({rows});
  ops::layer_norm_forward(d, x, gamma, beta, y, mean, rstd);
  test::Guarded<T> gx(x), gdy(dy), gy(x.numel()), gdx(x.numel());
  test::Guarded<float> ggamma(gamma), gbeta(beta), gmean(rows), grstd(rows);
  k::layer_norm_forward<T>(gx.get(), ggamma.get(), gbeta.get(), gy.get(), gmean.get(), grstd.get(),
                           rows, n, d.eps);
  test::expect_values_near<T>("y" + tag, gy.tensor(shape), y, tol);
  test::expect_values_near<float>("mean" + tag, gmean.tensor({rows}), mean, tol);
  test::expect_values_near<float>("rstd" + tag, grstd.tensor({rows}), rstd, tol);
  EXPECT_TRUE(gy.intact() && gmean.intact() && grstd.intact()) << "forward" << tag;

  // Backward from the CPU's statistics on both sides, as the GPU test.
  Tensor dx = Tensor::empty(shape, dtype_of<T>()), dgamma = Tensor::empty({n}),
         dbeta = Tensor::empty({n});
  ops::layer_norm_backward(d, x, dy, gamma, mean, rstd, dx, dgamma, dbeta);
  test::Guarded<float> smean(mean), srstd(rstd), gdgamma(n), gdbeta(n);
  k::layer_norm_backward<T>(gx.get(), gdy.get(), ggamma.get(), smean.get(), srstd.get(), gdx.get(),
                            gdgamma.get(), gdbeta.get(), rows, n);
  const Tensor xw = test::widen(x), dyw = test::widen(dy);
  const float* xp = xw.data<float>();
  const float* dyp = dyw.data<float>();
  const float* mp = mean.data<float>();
  const float* rp = rstd.data<float>();
  const Tensor dy_norms = test::column_norms(
      rows, n, [&](std::int64_t r, std::int64_t j) { return double{dyp[r * n + j]}; });
  const Tensor dyx_norms = test::column_norms(rows, n, [&](std::int64_t r, std::int64_t j) {
    return double{dyp[r * n + j]} * (double{xp[r * n + j]} - mp[r]) * rp[r];
  });
  test::expect_values_near<T>("dx" + tag, gdx.tensor(shape), dx, tol);
  // With no rows the norms are 0, so these demand dgamma = dbeta = 0 exactly.
  test::expect_values_near<float>("dgamma" + tag, gdgamma.tensor({n}), dgamma, tol, &dyx_norms);
  test::expect_values_near<float>("dbeta" + tag, gdbeta.tensor({n}), dbeta, tol, &dy_norms);
  EXPECT_TRUE(gdx.intact() && gdgamma.intact() && gdbeta.intact()) << "backward" << tag;
}

TYPED_TEST(EmulatedRowKernels, LayerNormMatchesTheCpuBackend) {
  for (const LayerNormCase& p : kLayerNormCases) check_layer_norm<TypeParam>(p);
}

// ---- Attention's row softmax and its backward, against the closed form ----

struct SoftmaxCase {
  const char* name;
  std::int64_t rows, n;
  float range;  // logits uniform in [-range, range)
};

// One element per row (p = 1); 13 rows of 37; rows longer than a block; peaked rows.
const SoftmaxCase kSoftmaxCases[] = {
    {"single", 3, 1, 1.0f},
    {"odd", 13, 37, 4.0f},
    {"wide", 9, 300, 4.0f},
    {"peaked", 5, 64, 30.0f},
};

// The kernel's float probabilities against the exact softmax of the same float logits z. Per
// element, to first order in u = 2^-24: z_j - m rounds (u |z_j - m| in the exponent, a relative
// error of the exponential), exp_nonpositive is within 2 ulp (4u relative), the double row sum
// inherits the largest relative error of its terms, 4u + u max_k |z_k - m|, and 1 / sum and the
// product round once each (2u): (10 + |z_j - m| + max_k |z_k - m|) u p_j. The reference, rounded
// once to float for the comparison, adds u p_j; 12 leaves u of room for the double sums and
// second-order terms. A 16-bit p is rounded once on each side: one ulp of T more
// (expect_near_as). The floor is this bound over u, so rtol = u applies it.
template <class T>
void check_softmax(const SoftmaxCase& c) {
  const std::int64_t rows = c.rows, n = c.n;
  const Shape shape{rows, n};
  const std::string tag = test::type_tag<T>(c.name);
  const Tensor z = test::random_as<float>(shape, 70, c.range);
  const float* zp = z.data<float>();
  Tensor want = Tensor::empty(shape, dtype_of<T>()), floor = Tensor::empty(shape);
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* zr = zp + r * n;
    const double m = *std::max_element(zr, zr + n);
    double sum = 0.0, spread = 0.0;
    for (std::int64_t j = 0; j < n; ++j) {
      sum += std::exp(zr[j] - m);
      spread = std::max(spread, m - zr[j]);
    }
    for (std::int64_t j = 0; j < n; ++j) {
      const double pj = std::exp(zr[j] - m) / sum;
      want.data<T>()[r * n + j] = store_as<T>(static_cast<float>(pj));
      floor.data<float>()[r * n + j] = static_cast<float>((12.0 + (m - zr[j]) + spread) * pj);
    }
  }
  // attention.cpp passes float probabilities in place of their logits; 16-bit ones apart.
  test::Guarded<float> logits(z);
  if constexpr (std::is_same_v<T, float>) {
    k::softmax_rows<float>(logits.get(), logits.get(), rows, n);
    test::expect_values_near<T>("softmax (in place)" + tag, logits.tensor(shape), want, kU, &floor);
  } else {
    test::Guarded<T> p(rows * n);
    k::softmax_rows<T>(logits.get(), p.get(), rows, n);
    test::expect_values_near<T>("softmax" + tag, p.tensor(shape), want, kU, &floor);
    EXPECT_TRUE(p.intact()) << "softmax" << tag;
  }
  EXPECT_TRUE(logits.intact()) << "softmax logits" << tag;
}

// ds = p (dp - dot), dot = sum_k p_k dp_k, against the exact value from the same p (T) and dp
// (float). To first order in u: each p_k dp_k rounds (u sum_k |p_k dp_k| in the double sum),
// dot rounds to float (u |dot|), dp_j - dot and the product round once each (2u |dp_j - dot|
// relative to p_j), and the reference's rounding to float adds u p_j |dp_j - dot|:
//   |kernel - exact| <= u p_j (sum_k |p_k dp_k| + |dot| + 3 |dp_j - dot|),
// the floor below, with rtol = 2u covering second-order terms and the double sum's own error.
// A 16-bit ds is rounded once on each side: one ulp of T more.
template <class T>
void check_softmax_backward(const SoftmaxCase& c) {
  const std::int64_t rows = c.rows, n = c.n;
  const Shape shape{rows, n};
  const std::string tag = test::type_tag<T>(c.name);
  // Probabilities of the case's random logits, rounded to T.
  const Tensor z = test::random_as<float>(shape, 71, c.range);
  Tensor p = Tensor::empty(shape, dtype_of<T>());
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* zr = z.data<float>() + r * n;
    const double m = *std::max_element(zr, zr + n);
    double sum = 0.0;
    for (std::int64_t j = 0; j < n; ++j) sum += std::exp(zr[j] - m);
    for (std::int64_t j = 0; j < n; ++j)
      p.data<T>()[r * n + j] = store_as<T>(static_cast<float>(std::exp(zr[j] - m) / sum));
  }
  const Tensor dp = test::random_as<float>(shape, 72);
  const Tensor pw = test::widen(p);
  Tensor want = Tensor::empty(shape, dtype_of<T>()), floor = Tensor::empty(shape);
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* pr = pw.data<float>() + r * n;
    const float* dr = dp.data<float>() + r * n;
    double dot = 0.0, magnitude = 0.0;
    for (std::int64_t j = 0; j < n; ++j) {
      dot += double{pr[j]} * dr[j];
      magnitude += std::fabs(double{pr[j]} * dr[j]);
    }
    for (std::int64_t j = 0; j < n; ++j) {
      const double diff = dr[j] - dot;
      want.data<T>()[r * n + j] = store_as<T>(static_cast<float>(pr[j] * diff));
      floor.data<float>()[r * n + j] =
          static_cast<float>(pr[j] * (magnitude + std::fabs(dot) + 3.0 * std::fabs(diff)));
    }
  }
  // attention.cpp passes float dS in place of dP; 16-bit dS apart.
  test::Guarded<T> gp(p);
  test::Guarded<float> gdp(dp);
  if constexpr (std::is_same_v<T, float>) {
    k::softmax_backward_rows<float>(gp.get(), gdp.get(), gdp.get(), rows, n);
    test::expect_values_near<T>("softmax backward (in place)" + tag, gdp.tensor(shape), want,
                                2.0 * kU, &floor);
    EXPECT_TRUE(gdp.intact()) << "softmax backward" << tag;
  } else {
    test::Guarded<T> ds(rows * n);
    k::softmax_backward_rows<T>(gp.get(), gdp.get(), ds.get(), rows, n);
    test::expect_values_near<T>("softmax backward" + tag, ds.tensor(shape), want, 2.0 * kU, &floor);
    EXPECT_TRUE(ds.intact()) << "softmax backward" << tag;
  }
}

TYPED_TEST(EmulatedRowKernels, SoftmaxMatchesTheClosedForm) {
  for (const SoftmaxCase& c : kSoftmaxCases) check_softmax<TypeParam>(c);
}

TYPED_TEST(EmulatedRowKernels, SoftmaxBackwardMatchesTheClosedForm) {
  for (const SoftmaxCase& c : kSoftmaxCases) check_softmax_backward<TypeParam>(c);
}

// ---- Softmax cross-entropy ----

struct CrossEntropyCase {
  const char* name;
  std::int64_t rows, classes;
  float logit_range;  // logits uniform in [-range, range)
  int hot;            // each target row: 1/hot on `hot` random classes
};

// A single class (loss 0); 9 rows of 37; rows of more than two laps of the 256 threads; logits
// far beyond exp's range (stability).
const CrossEntropyCase kCrossEntropyCases[] = {
    {"one_class", 3, 1, 1.0f, 1},
    {"odd", 9, 37, 4.0f, 1},
    {"laps", 2, 600, 4.0f, 3},
    {"huge_logits", 3, 300, 500.0f, 2},
};

Tensor soft_targets(std::int64_t rows, std::int64_t classes, int hot) {
  Tensor t = Tensor::zeros({rows, classes});
  Rng rng(20240601, 50);
  for (std::int64_t i = 0; i < rows; ++i)
    for (int h = 0; h < hot; ++h) {
      const auto j = static_cast<std::int64_t>(rng.uniform() * static_cast<float>(classes));
      t.data<float>()[i * classes + (j < classes ? j : classes - 1)] +=
          1.0f / static_cast<float>(hot);
    }
  return t;
}

template <class T>
void check_cross_entropy(const CrossEntropyCase& c) {
  const Shape shape{c.rows, c.classes};
  const std::string tag = test::type_tag<T>(c.name);
  const Tensor z = test::random_as<T>(shape, 51, c.logit_range);
  const Tensor t = soft_targets(c.rows, c.classes, c.hot);
  Tensor probs = Tensor::empty(shape);
  const double loss = ops::softmax_cross_entropy_forward(z, t, probs);

  test::Guarded<T> gz(z);
  test::Guarded<float> gt(t), gprobs(z.numel());
  const double gloss =
      k::softmax_cross_entropy_forward<T>(gz.get(), gt.get(), gprobs.get(), c.rows, c.classes);
  EXPECT_NEAR(gloss, loss, test::kFp32Tolerance * std::fabs(loss)) << "loss" << tag;
  Tensor tiny = Tensor::empty(shape);
  for (std::int64_t i = 0; i < tiny.numel(); ++i) tiny.data<float>()[i] = FLT_MIN;
  test::expect_values_near<float>("probs" + tag, gprobs.tensor(shape), probs, test::kFp32Tolerance,
                                  &tiny);
  EXPECT_TRUE(gprobs.intact()) << "probs" << tag;

  // Backward from the same (CPU) probabilities.
  const float scale = 0.75f;
  Tensor dz = Tensor::empty(shape, dtype_of<T>());
  ops::softmax_cross_entropy_backward(probs, t, scale, dz);
  test::Guarded<float> sprobs(probs);
  test::Guarded<T> gdz(z.numel());
  k::softmax_cross_entropy_backward<T>(sprobs.get(), gt.get(), scale, gdz.get(), c.rows, c.classes);
  test::expect_values_near<T>("dlogits" + tag, gdz.tensor(shape), dz, 0.0);
  EXPECT_TRUE(gdz.intact()) << "dlogits" << tag;
}

TYPED_TEST(EmulatedRowKernels, CrossEntropyMatchesTheCpuBackend) {
  for (const CrossEntropyCase& c : kCrossEntropyCases) check_cross_entropy<TypeParam>(c);
}

}  // namespace
