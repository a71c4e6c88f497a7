#include "swag/data/resize.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <unordered_map>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "swag/core/error.hpp"

namespace swag::data {
namespace {

// For each output coordinate, the first source index and its normalized filter weights, which
// lie at weights[offset[o] .. offset[o + 1]).
struct Taps {
  std::vector<int> first, offset;
  std::vector<float> weights;
};

Taps triangle_taps(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double support = std::max(scale, 1.0);  // triangle half-width in source pixels
  Taps taps;
  taps.offset.push_back(0);
  for (int o = 0; o < out_size; ++o) {
    const double centre = (o + 0.5) * scale;
    const int lo = std::max(0, static_cast<int>(std::floor(centre - support)));
    const int hi = std::min(in_size, static_cast<int>(std::ceil(centre + support)));
    const std::size_t start = taps.weights.size();
    double total = 0;
    for (int i = lo; i < hi; ++i) {
      const double x = std::abs((i + 0.5 - centre) / support);
      const double weight = std::max(0.0, 1.0 - x);
      taps.weights.push_back(static_cast<float>(weight));
      total += weight;
    }
    for (std::size_t t = start; t < taps.weights.size(); ++t)
      taps.weights[t] = static_cast<float>(taps.weights[t] / total);
    taps.first.push_back(lo);
    taps.offset.push_back(static_cast<int>(taps.weights.size()));
  }
  return taps;
}

// triangle_taps(in_size, out_size), kept per thread: the loader resizes crops of a few hundred
// sizes to one side, and computing the taps cost about a third of the resize.
const Taps& cached_taps(std::unordered_map<std::int64_t, Taps>& cache, int in_size, int out_size) {
  const std::int64_t key = (static_cast<std::int64_t>(in_size) << 32) | out_size;
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, triangle_taps(in_size, out_size)).first;
  return it->second;
}

// Rows filtered across a block of kLanes at a time, one row per vector lane: the taps are the
// same for every row, so each tap is one broadcast multiply-add over the block (the sums of a
// single row, with a different tap count and start per output, do not vectorize).
constexpr int kLanes = 16;

#if defined(__AVX512F__)
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*(), which it then reports as maybe
// uninitialized where they are inlined (or as uninitialized).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
// Sixteen rows of sixteen floats transposed in registers: r[i] becomes column i.
void transpose16(__m512* r) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  // Per 128-bit lane L, r[g + m] then holds column 4L + m of rows g .. g + 3.
  for (int g = 0; g < 16; g += 4)
    for (int h = 0; h < 2; ++h) {
      const __m512d lo = _mm512_castps_pd(t[g + h]), hi = _mm512_castps_pd(t[g + h + 2]);
      r[g + 2 * h] = _mm512_castpd_ps(_mm512_unpacklo_pd(lo, hi));
      r[g + 2 * h + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(lo, hi));
    }
  // The 128-bit lanes, four by four: lane L of r[4q + m] is column 4L + m of rows 4q .. 4q + 3.
  for (int m = 0; m < 4; ++m) {
    const __m512 a = _mm512_shuffle_f32x4(r[m], r[4 + m], 0x88);
    const __m512 b = _mm512_shuffle_f32x4(r[m], r[4 + m], 0xdd);
    const __m512 c = _mm512_shuffle_f32x4(r[8 + m], r[12 + m], 0x88);
    const __m512 d = _mm512_shuffle_f32x4(r[8 + m], r[12 + m], 0xdd);
    t[m] = _mm512_shuffle_f32x4(a, c, 0x88);
    t[4 + m] = _mm512_shuffle_f32x4(b, d, 0x88);
    t[8 + m] = _mm512_shuffle_f32x4(a, c, 0xdd);
    t[12 + m] = _mm512_shuffle_f32x4(b, d, 0xdd);
  }
  for (int i = 0; i < 16; ++i) r[i] = t[i];
}

// Values [j, j + 16) of the sixteen rows `src`, as floats, to lanes[j * 16 .. (j + 16) * 16).
void to_lanes16(const std::uint8_t* const* src, std::size_t j, float* lanes) {
  __m512 r[16];
  for (int i = 0; i < 16; ++i)
    r[i] = _mm512_cvtepi32_ps(
        _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src[i] + j))));
  transpose16(r);
  for (int i = 0; i < 16; ++i) _mm512_storeu_ps(lanes + (j + i) * 16, r[i]);
}

// The inverse: lanes[j * 16 .. (j + 16) * 16) to values [j, j + 16) of the first `rows` rows
// `dst`.
void from_lanes16(const float* lanes, std::size_t j, int rows, float* const* dst) {
  __m512 r[16];
  for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(lanes + (j + i) * 16);
  transpose16(r);
  for (int i = 0; i < rows; ++i) _mm512_storeu_ps(dst[i] + j, r[i]);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

// The first in_row values of `rows` (<= kLanes) rows of `in` (stride `in_stride`) as floats,
// value j of row r at lanes[j * kLanes + r]; lanes past the last row repeat it. With AVX-512,
// sixteen values of the sixteen rows at a time, converted and transposed in registers.
void to_lanes(const std::uint8_t* in, std::size_t in_stride, std::size_t in_row, int rows,
              float* lanes) {
  const std::uint8_t* src[kLanes];
  for (int r = 0; r < kLanes; ++r)
    src[r] = in + static_cast<std::size_t>(std::min(r, rows - 1)) * in_stride;
  std::size_t j = 0;
#if defined(__AVX512F__)
  static_assert(kLanes == 16);
  for (; j + 16 <= in_row; j += 16) to_lanes16(src, j, lanes);
#endif
  for (; j < in_row; ++j)
    for (int r = 0; r < kLanes; ++r) lanes[j * kLanes + r] = static_cast<float>(src[r][j]);
}

// Values [0, n) of `rows` (<= kLanes) rows of `out` (stride `out_stride`) from `lanes`, value j
// of row r at lanes[j * kLanes + r]: to_lanes's inverse, in floats.
void from_lanes(const float* lanes, std::size_t n, int rows, float* out, std::size_t out_stride) {
  float* dst[kLanes];
  for (int r = 0; r < rows; ++r) dst[r] = out + static_cast<std::size_t>(r) * out_stride;
  std::size_t j = 0;
#if defined(__AVX512F__)
  for (; j + 16 <= n; j += 16) from_lanes16(lanes, j, rows, dst);
#endif
  for (; j < n; ++j)
    for (int r = 0; r < rows; ++r) dst[r][j] = lanes[j * kLanes + r];
}

// `rows` (<= kLanes) rows of C-channel pixels from `in` (stride `in_stride`) filtered across
// into `out` (stride `out_stride`, width outputs x C floats each). `lanes` holds the block's
// values as floats, value j of row r at j * kLanes + r. Each sum runs over its taps in order,
// as the vertical pass does, so every rounding is fixed.
template <int C>
void filter_rows(const std::uint8_t* in, std::size_t in_stride, std::size_t in_row, int rows,
                 const Taps& across, int width, float* lanes, float* filtered, float* out,
                 std::size_t out_stride) {
  to_lanes(in, in_stride, in_row, rows, lanes);
  for (int x = 0; x < width; ++x) {
    const float* w = across.weights.data() + across.offset[x];
    const int n = across.offset[x + 1] - across.offset[x];
    const float* p = lanes + static_cast<std::ptrdiff_t>(across.first[x]) * C * kLanes;
    alignas(64) float sum[C * kLanes] = {};
    for (int t = 0; t < n; ++t)
      for (int k = 0; k < C; ++k)
        for (int r = 0; r < kLanes; ++r) sum[k * kLanes + r] += w[t] * p[(t * C + k) * kLanes + r];
    std::copy(sum, sum + C * kLanes, filtered + static_cast<std::ptrdiff_t>(x) * C * kLanes);
  }
  from_lanes(filtered, static_cast<std::size_t>(width) * C, rows, out, out_stride);
}

}  // namespace

Image resize_region(const Image& image, int top, int left, int region_height, int region_width,
                    int width, int height) {
  SWAG_CHECK(width > 0 && height > 0, "resize to {}x{}", width, height);
  SWAG_CHECK(top >= 0 && left >= 0 && region_height > 0 && region_width > 0 &&
                 top + region_height <= image.height && left + region_width <= image.width,
             "region ({}, {}, {}x{}) outside a {}x{} image", top, left, region_height, region_width,
             image.height, image.width);
  const int c = image.channels;
  SWAG_CHECK(c == 1 || c == 3, "{} channels", c);
  thread_local std::unordered_map<std::int64_t, Taps> cache;
  if (cache.size() > 4096) cache.clear();  // before the look-ups: their references stay valid
  const Taps& across = cached_taps(cache, region_width, width);
  const Taps& down = cached_taps(cache, region_height, height);
  const std::size_t row = static_cast<std::size_t>(width) * c;
  // Horizontal pass into floats, then vertical pass with rounding back to 8 bits.
  const std::size_t in_row = static_cast<std::size_t>(region_width) * c;
  const auto rows = std::make_unique_for_overwrite<float[]>(region_height * row);
  const auto lanes = std::make_unique_for_overwrite<float[]>(in_row * kLanes);
  const auto filtered = std::make_unique_for_overwrite<float[]>(row * kLanes);
  for (int y = 0; y < region_height; y += kLanes) {
    const std::uint8_t* in =
        image.pixels.data() + (static_cast<std::size_t>(top + y) * image.width + left) * c;
    const std::size_t stride = static_cast<std::size_t>(image.width) * c;
    const int block = std::min(kLanes, region_height - y);
    if (c == 3)
      filter_rows<3>(in, stride, in_row, block, across, width, lanes.get(), filtered.get(),
                     rows.get() + y * row, row);
    else
      filter_rows<1>(in, stride, in_row, block, across, width, lanes.get(), filtered.get(),
                     rows.get() + y * row, row);
  }
  Image out = Image::blank(width, height, c);
  std::vector<float> sum(row);
  for (int y = 0; y < height; ++y) {
    std::fill(sum.begin(), sum.end(), 0.0f);
    for (int t = down.offset[y]; t < down.offset[y + 1]; ++t) {
      const float w = down.weights[t];
      const float* r = rows.get() + (down.first[y] + t - down.offset[y]) * row;
      for (std::size_t i = 0; i < row; ++i) sum[i] += w * r[i];
    }
    // Sums are >= 0 (weights and pixels are): s + 1/2 in double is exact, and truncating it
    // (what lround's "halves away from zero" is for s >= 0) vectorizes where std::floor and
    // std::lround do not.
    std::uint8_t* o = out.pixels.data() + y * row;
    for (std::size_t i = 0; i < row; ++i) {
      const double half_up = static_cast<double>(sum[i]) + 0.5;
      const int v = static_cast<int>(half_up);
      o[i] = static_cast<std::uint8_t>(v < 255 ? v : 255);
    }
  }
  return out;
}

Image resize(const Image& image, int width, int height) {
  return resize_region(image, 0, 0, image.height, image.width, width, height);
}

Image fit_within(const Image& image, int max_side) {
  const int longer = std::max(image.width, image.height);
  if (max_side <= 0 || longer <= max_side) return image;
  const double scale = static_cast<double>(max_side) / longer;
  const int width = std::max(1, static_cast<int>(std::lround(image.width * scale)));
  const int height = std::max(1, static_cast<int>(std::lround(image.height * scale)));
  return resize(image, width, height);
}

}  // namespace swag::data
