// The activation-shaped kernels, emulated (pooling, channel scaling, token embedding, layout,
// pixel normalization, the 16-bit GEMM helpers), against the CPU backend's ops on the same
// inputs, per storage type. Tolerances: doc/gpu.md, "Tolerances of the GPU tests".
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gemm_kernels.hpp"
#include "kernel_parity.hpp"
#include "kernels.hpp"
#include "normalize_kernels.hpp"
#include "swag/ops/convert.hpp"
#include "swag/ops/elementwise.hpp"
#include "swag/ops/linear.hpp"
#include "swag/ops/normalize.hpp"
#include "swag/ops/pool.hpp"
#include "swag/ops/token_embedding.hpp"
#include "token_embedding_kernels.hpp"

using namespace swag;
namespace k = swag::cuda::kernels;

namespace {

std::string label(const char* what, const Shape& shape) {
  return std::string(what) + " " + shape_str(shape);
}

// NHWC shapes: one position; channels not a multiple of 32 and positions not of the 8 thread
// rows (one partial channel tile); 7x7 with three channel tiles, the last partial.
const Shape kPoolShapes[] = {{3, 1, 1, 5}, {2, 3, 5, 45}, {2, 7, 7, 70}};

template <class T>
class EmulatedTensorPool : public ::testing::Test {};
TYPED_TEST_SUITE(EmulatedTensorPool, test::StorageTypes);

TYPED_TEST(EmulatedTensorPool, GlobalAvgPoolMatchesTheCpuBackend) {
  using T = TypeParam;
  for (const Shape& xs : kPoolShapes) {
    const std::int64_t n = xs[0], hw = xs[1] * xs[2], c = xs[3];
    const Shape ys{n, c};
    const Tensor x = test::random_as<T>(xs, 40), dy = test::random_as<T>(ys, 41);
    const Tensor dx0 = test::random_as<T>(xs, 42);
    const test::Guarded<T> kx(x), kdy(dy);

    Tensor y = Tensor::empty(ys, dtype_of<T>());
    ops::global_avg_pool_forward(x, y);
    test::Guarded<T> ky(y.numel());
    k::global_avg_pool_forward<T>(kx.get(), ky.get(), n, hw, c);
    // Double sums in another order.
    test::expect_output(label("pool y", xs), ky, y, test::kFp32Tolerance);

    // Overwrite mode into NaN (it must not read dx), then accumulate onto dx0.
    Tensor dx = Tensor::empty(xs, dtype_of<T>());
    ops::global_avg_pool_backward(dy, dx);
    test::Guarded<T> kdx(dx.numel());
    k::global_avg_pool_backward<T>(kdy.get(), kdx.get(), n, hw, c, false);
    test::expect_output(label("pool dx", xs), kdx, dx, 0.0);
    // Accumulating: dx0 + dy * (1 / hw).
    Tensor dxa = test::copy_of(dx0);
    ops::global_avg_pool_backward(dy, dxa, true);
    test::Guarded<T> kdxa(dx0);
    k::global_avg_pool_backward<T>(kdy.get(), kdxa.get(), n, hw, c, true);
    test::expect_output(label("pool dx accumulated", xs), kdxa, dxa, 0.0);
  }
}

template <class T>
class EmulatedTensorChannelScale : public ::testing::Test {};
TYPED_TEST_SUITE(EmulatedTensorChannelScale, test::StorageTypes);

TYPED_TEST(EmulatedTensorChannelScale, ForwardAndBackwardMatchTheCpuBackend) {
  using T = TypeParam;
  for (const Shape& xs : kPoolShapes) {
    const std::int64_t n = xs[0], hw = xs[1] * xs[2], c = xs[3];
    const Shape ss{n, c};
    const Tensor x = test::random_as<T>(xs, 43), s = test::random_as<T>(ss, 44);
    const Tensor dy = test::random_as<T>(xs, 45);
    const test::Guarded<T> kx(x), ks(s), kdy(dy);

    Tensor y = Tensor::empty(xs, dtype_of<T>());
    ops::channel_scale_forward(x, s, y);
    test::Guarded<T> ky(y.numel());
    k::channel_scale_forward<T>(kx.get(), ks.get(), ky.get(), n, hw, c);
    test::expect_output(label("channel_scale y", xs), ky, y, 0.0);

    Tensor dx = Tensor::empty(xs, dtype_of<T>()), ds = Tensor::empty(ss, dtype_of<T>());
    ops::channel_scale_backward(x, s, dy, dx, ds);
    test::Guarded<T> kdx(dx.numel()), kds(ds.numel());
    k::channel_scale_backward<T>(kx.get(), ks.get(), kdy.get(), kdx.get(), kds.get(), n, hw, c);
    test::expect_output(label("channel_scale dx", xs), kdx, dx, 0.0);
    test::expect_output(label("channel_scale dscale", xs), kds, ds, test::kFp32Tolerance);

    // dx written over dy (the entry point allows it): the same dx, and dscale the same bits.
    test::Guarded<T> kdy_in_place(dy), kds_again(ds.numel());
    k::channel_scale_backward<T>(kx.get(), ks.get(), kdy_in_place.get(), kdy_in_place.get(),
                                 kds_again.get(), n, hw, c);
    test::expect_output(label("channel_scale dx in place", xs), kdy_in_place, dx, 0.0);
    test::expect_output(label("channel_scale dscale again", xs), kds_again, kds.tensor(ss), 0.0);
  }
}

struct TokenCase {
  std::int64_t batch, tokens, dim;
};

// The fewest tokens (the class token and one patch); sizes that are multiples of nothing.
const TokenCase kTokenCases[] = {{1, 2, 3}, {3, 37, 45}};

template <class T>
class EmulatedTensorTokenEmbedding : public ::testing::Test {};
TYPED_TEST_SUITE(EmulatedTensorTokenEmbedding, test::StorageTypes);

// Row copies, one float addition per element, batch sums in double in sample order: bit for bit.
TYPED_TEST(EmulatedTensorTokenEmbedding, MatchesTheCpuBackendBitwise) {
  using T = TypeParam;
  for (const TokenCase& p : kTokenCases) {
    const std::int64_t b = p.batch, t = p.tokens, d = p.dim;
    const Shape ys{b, t, d};
    const std::string at = shape_str(ys);
    const Tensor patches = test::random_as<T>({b, t - 1, d}, 70);
    const Tensor cls = test::random_as<T>({d}, 71), pos = test::random_as<T>({t, d}, 72);
    const Tensor dy = test::random_as<T>(ys, 73), dout = test::random_as<T>({b, d}, 74);
    const test::Guarded<T> kpatches(patches), kcls(cls), kpos(pos), kdy(dy), kdout(dout);

    Tensor y = Tensor::empty(ys, dtype_of<T>());
    ops::token_embedding_forward(patches, cls, pos, y);
    test::Guarded<T> ky(y.numel());
    k::token_embedding_forward<T>(kpatches.get(), kcls.get(), kpos.get(), ky.get(), b, t, d);
    test::expect_output("y " + at, ky, y, 0.0);

    Tensor dpatches = Tensor::empty({b, t - 1, d}, dtype_of<T>());
    Tensor dcls = Tensor::empty({d}), dpos = Tensor::empty({t, d});
    ops::token_embedding_backward(dy, dpatches, dcls, dpos);
    test::Guarded<T> kdpatches(dpatches.numel());
    test::Guarded<float> kdcls(d), kdpos(t * d);
    k::token_embedding_backward<T>(kdy.get(), kdpatches.get(), kdcls.get(), kdpos.get(), b, t, d);
    test::expect_output("dpatches " + at, kdpatches, dpatches, 0.0);
    test::expect_output("dclass_token (f32) " + at, kdcls, dcls, 0.0);
    test::expect_output("dpos (f32) " + at, kdpos, dpos, 0.0);

    Tensor out = Tensor::empty({b, d}, dtype_of<T>());
    ops::class_token_output_forward(y, out);
    test::Guarded<T> kout(out.numel());
    k::class_token_output_forward<T>(ky.get(), kout.get(), b, t, d);
    test::expect_output("class row " + at, kout, out, 0.0);
    // dx is all zeros but for row 0 of each sample; the NaN start shows every element written.
    Tensor dx = Tensor::empty(ys, dtype_of<T>());
    ops::class_token_output_backward(dout, dx);
    test::Guarded<T> kdx(dx.numel());
    k::class_token_output_backward<T>(kdout.get(), kdx.get(), b, t, d);
    test::expect_output("class row dx " + at, kdx, dx, 0.0);
  }
}

TEST(EmulatedTensorLayout, NchwToNhwcMatchesTheCpuBitwise) {
  const Shape shapes[] = {{1, 1, 1, 1}, {2, 3, 5, 7}, {3, 5, 1, 2}, {2, 3, 17, 19}};
  for (const Shape& s : shapes) {
    const Tensor x = test::random_as<float>(s, 75);
    const Shape nhwc{s[0], s[2], s[3], s[1]};
    Tensor y = Tensor::empty(nhwc);
    ops::nchw_to_nhwc(x, y);
    const test::Guarded<float> kx(x);
    test::Guarded<float> ky(y.numel());
    k::nchw_to_nhwc(kx.get(), ky.get(), s[0], s[1], s[2] * s[3]);
    test::expect_output(label("nhwc", s), ky, y, 0.0);
  }
}

template <class T>
class EmulatedTensorNormalize : public ::testing::Test {};
TYPED_TEST_SUITE(EmulatedTensorNormalize, test::StorageTypes);

// normalize_pixel on both sides, rounded once to T: bit for bit (test_staging.cpp).
TYPED_TEST(EmulatedTensorNormalize, MatchesTheCpuBackendBitwise) {
  using T = TypeParam;
  for (const Shape& shape : {Shape{1, 1, 1, 3}, Shape{2, 17, 13, 3}}) {
    Tensor pixels = Tensor::empty(shape, DType::u8);
    for (std::int64_t i = 0; i < pixels.numel(); ++i)  // every byte value in every channel
      pixels.data<std::uint8_t>()[i] = static_cast<std::uint8_t>((i * 37 + i / 3) % 256);
    Tensor images = Tensor::empty(shape, dtype_of<T>());
    ops::normalize_images(pixels, images);
    const test::Guarded<std::uint8_t> kpixels(pixels);
    test::Guarded<T> kimages(images.numel());
    k::normalize_images<T>(kpixels.get(), kimages.get(), pixels.numel());
    test::expect_output(label("images", shape), kimages, images, 0.0);
  }
}

// The GEMM helpers exist for the 16-bit types only (fp32 goes through cuDNN).
using HalfTypes = ::testing::Types<bf16, f16>;

template <class T>
class EmulatedTensorGemm : public ::testing::Test {};
TYPED_TEST_SUITE(EmulatedTensorGemm, HalfTypes);

// y + b, rounded once: ops::add_forward on b broadcast over the rows (one float addition each).
TYPED_TEST(EmulatedTensorGemm, AddBiasMatchesTheCpuAdditionBitwise) {
  using T = TypeParam;
  for (const auto& [rows, cols] : {std::pair<std::int64_t, std::int64_t>{1, 1}, {37, 45}}) {
    const Shape shape{rows, cols};
    const Tensor y = test::random_as<T>(shape, 80), b = test::random_as<T>({cols}, 81);
    Tensor broadcast = Tensor::empty(shape, dtype_of<T>());
    for (std::int64_t r = 0; r < rows; ++r)
      for (std::int64_t j = 0; j < cols; ++j) broadcast.data<T>()[r * cols + j] = b.data<T>()[j];
    Tensor want = Tensor::empty(shape, dtype_of<T>());
    ops::add_forward(y, broadcast, want, false);
    test::Guarded<T> ky(y);
    const test::Guarded<T> kb(b);
    k::add_bias<T>(ky.get(), kb.get(), rows, cols);
    test::expect_output(label("y + bias", shape), ky, want, 0.0);
  }
}

struct PermuteCase {
  std::int64_t o, i, kk;
};

// OIHW -> OHWI against the closed form, and back to the original bits.
TYPED_TEST(EmulatedTensorGemm, PermuteWeightsIsTheClosedFormAndRoundTrips) {
  using T = TypeParam;
  // A 1x1 kernel; 3x3 and 5x5 with channel counts that are multiples of nothing.
  for (const PermuteCase& c : {PermuteCase{1, 1, 1}, {7, 13, 1}, {5, 3, 9}, {4, 6, 25}}) {
    const Shape oihw{c.o, c.i, c.kk}, ohwi{c.o, c.kk, c.i};
    const Tensor w = test::random_as<T>(oihw, 82);
    Tensor want = Tensor::empty(ohwi, dtype_of<T>());
    const T* src = w.data<T>();
    T* dst = want.data<T>();
    for (std::int64_t oc = 0; oc < c.o; ++oc)
      for (std::int64_t ic = 0; ic < c.i; ++ic)
        for (std::int64_t s = 0; s < c.kk; ++s)
          dst[(oc * c.kk + s) * c.i + ic] = src[(oc * c.i + ic) * c.kk + s];
    const test::Guarded<T> kw(w);
    test::Guarded<T> kohwi(w.numel()), kback(w.numel());
    k::permute_weights<T>(kw.get(), kohwi.get(), c.o, c.i, c.kk, true);
    test::expect_output(label("to OHWI", oihw), kohwi, want, 0.0);
    k::permute_weights<T>(kohwi.get(), kback.get(), c.o, c.i, c.kk, false);
    test::expect_output(label("back to OIHW", oihw), kback, w, 0.0);
  }
}

// db within storage_parity.hpp's bound of the CPU's (terms = rows, ulps = 0: fp32 outputs of
// double sums in two orders, 4 rows u sum|dy| with u = 2^-24, far more than they differ), and
// the same bits run to run.
void expect_column_sums_close(const std::string& what, const Tensor& got, const Tensor& want,
                              const std::vector<double>& magnitude, std::int64_t rows) {
  std::int64_t bad = 0, first = -1;
  for (std::int64_t j = 0; j < got.numel(); ++j) {
    const double a = got.data<float>()[j], b = want.data<float>()[j];
    const double allowed = 4.0 * static_cast<double>(rows) * 0x1p-24 * magnitude[j];
    if (!(std::fabs(a - b) <= allowed) && bad++ == 0) first = j;  // NaN fails
  }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << got.numel()
                    << " sums outside the bound, the first at " << first;
}

TYPED_TEST(EmulatedTensorGemm, ColumnSumsMatchTheCpuBiasGradient) {
  using T = TypeParam;
  // One row; rows not a multiple of the 256-row chunk with one partial channel tile; three
  // chunks (the second pass sums 3 partials) and two channel tiles, the second of one channel.
  for (const auto& [rows, cols] :
       {std::pair<std::int64_t, std::int64_t>{1, 5}, {300, 45}, {513, 33}}) {
    const Shape shape{rows, cols};
    const std::int64_t in = 3;
    const Tensor dy = test::random_as<T>(shape, 83);
    const Tensor x = test::random_as<T>({rows, in}, 84), w = test::random_as<T>({cols, in}, 85);
    Tensor dw = Tensor::empty({cols, in}), db = Tensor::empty({cols});
    ops::linear_backward({rows, in, cols, true}, x, w, dy, nullptr, dw, &db);
    std::vector<double> magnitude(static_cast<std::size_t>(cols), 0.0);
    for (std::int64_t r = 0; r < rows; ++r)
      for (std::int64_t j = 0; j < cols; ++j)
        magnitude[static_cast<std::size_t>(j)] +=
            std::fabs(double{load(dy.data<T>()[r * cols + j])});

    const test::Guarded<T> kdy(dy);
    test::Guarded<float> kdb(cols), kdb_again(cols);
    test::Guarded<double> partials(k::column_sums_scratch(rows, cols));
    k::column_sums<T>(kdy.get(), kdb.get(), partials.get(), rows, cols);
    expect_column_sums_close(label("db", shape), kdb.tensor({cols}), db, magnitude, rows);
    EXPECT_TRUE(kdb.intact()) << label("db", shape) << ": written outside its buffer";
    EXPECT_TRUE(partials.intact()) << label("db", shape) << ": partials beyond the scratch";
    k::column_sums<T>(kdy.get(), kdb_again.get(), partials.get(), rows, cols);
    test::expect_output(label("db again", shape), kdb_again, kdb.tensor({cols}), 0.0);
  }
}

// No rows: zeros (a layer on an empty batch), reading no dy.
TYPED_TEST(EmulatedTensorGemm, ColumnSumsOfNoRowsAreZero) {
  using T = TypeParam;
  const std::int64_t cols = 40;
  const test::Guarded<T> kdy(0);
  test::Guarded<float> kdb(cols);
  test::Guarded<double> partials(k::column_sums_scratch(0, cols));
  k::column_sums<T>(kdy.get(), kdb.get(), partials.get(), 0, cols);
  test::expect_output("db of no rows", kdb, Tensor::zeros({cols}), 0.0);
  EXPECT_TRUE(partials.intact());
}

}  // namespace
