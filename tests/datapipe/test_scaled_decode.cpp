// DCT-scaled JPEG decoding for a crop: the choice of libjpeg-turbo's scaling factor, the crop box
// mapped into the scaled image, the scaled pixels against a full decode shrunk afterwards, and
// the region decode against the whole image decoded by TurboJPEG.
#include <gtest/gtest.h>
#include <turbojpeg.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "swag/core/error.hpp"
#include "swag/core/rng.hpp"
#include "swag/data/augment.hpp"
#include "swag/data/jpeg_codec.hpp"
#include "swag/data/resize.hpp"
#include "swag/data/scaled_decode.hpp"

using namespace swag;
using namespace swag::data;

namespace {

// Low-frequency colour waves: content that every scale represents without aliasing.
Image smooth_image(int width, int height, int channels) {
  Image image = Image::blank(width, height, channels);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < channels; ++c) {
        const double v = 128 + 60 * std::sin(x / (37.0 + 5 * c)) * std::cos(y / (29.0 + 3 * c)) +
                         30 * std::sin((x + y) / 90.0 + c);
        image.pixels[(static_cast<std::size_t>(y) * width + x) * channels + c] =
            static_cast<std::uint8_t>(std::lround(v));
      }
  return image;
}

// Mean of each k x k block (sides divisible by k).
Image area_downscale(const Image& image, int k) {
  Image out = Image::blank(image.width / k, image.height / k, image.channels);
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x)
      for (int c = 0; c < image.channels; ++c) {
        int sum = 0;
        for (int dy = 0; dy < k; ++dy)
          for (int dx = 0; dx < k; ++dx)
            sum +=
                image.pixels[((static_cast<std::size_t>(y) * k + dy) * image.width + x * k + dx) *
                                 image.channels +
                             c];
        out.pixels[(static_cast<std::size_t>(y) * out.width + x) * image.channels + c] =
            static_cast<std::uint8_t>((sum + k * k / 2) / (k * k));
      }
  return out;
}

struct Difference {
  double mean = 0;
  int max = 0;
};

Difference difference(const Image& a, const Image& b) {
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.height, b.height);
  EXPECT_EQ(a.channels, b.channels);
  Difference d;
  if (a.pixels.size() != b.pixels.size()) return {1e9, 255};
  for (std::size_t i = 0; i < a.pixels.size(); ++i) {
    const int e = std::abs(int{a.pixels[i]} - int{b.pixels[i]});
    d.mean += e;
    d.max = std::max(d.max, e);
  }
  d.mean /= static_cast<double>(a.pixels.size());
  return d;
}

// The pixels of `box` in `image`, row by row.
std::vector<std::uint8_t> pixels_of(const Image& image, const CropBox& box) {
  std::vector<std::uint8_t> out;
  const std::size_t row = static_cast<std::size_t>(box.width) * image.channels;
  for (int y = box.top; y < box.top + box.height; ++y) {
    const auto* p = image.pixels.data() +
                    (static_cast<std::size_t>(y) * image.width + box.left) * image.channels;
    out.insert(out.end(), p, p + row);
  }
  return out;
}

// `image` through TurboJPEG with the given chroma subsampling (TJSAMP_*), progressive or not.
std::vector<std::uint8_t> encode_with(const Image& image, int subsampling, bool progressive) {
  const tjhandle h = tjInitCompress();
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  const bool grey = image.channels == 1;
  const int status =
      tjCompress2(h, image.pixels.data(), image.width, 0, image.height, grey ? TJPF_GRAY : TJPF_RGB,
                  &buffer, &size, subsampling, 90, progressive ? TJFLAG_PROGRESSIVE : 0);
  std::vector<std::uint8_t> out;
  if (status == 0) out.assign(buffer, buffer + size);
  tjFree(buffer);
  tjDestroy(h);
  EXPECT_EQ(status, 0);
  return out;
}

bool has(JpegScale s) {
  const auto& f = jpeg_downscale_factors();
  return std::find(f.begin(), f.end(), s) != f.end();
}

}  // namespace

TEST(ScaledDecode, FactorsAreAtMostOneLargestFirstWithThePowersOfTwo) {
  const auto& f = jpeg_downscale_factors();
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f.front(), (JpegScale{1, 1}));
  for (const JpegScale s : {JpegScale{1, 2}, JpegScale{1, 4}, JpegScale{1, 8}})
    EXPECT_TRUE(has(s)) << s.num << "/" << s.denom;
  for (std::size_t i = 0; i < f.size(); ++i) {
    EXPECT_LE(f[i].num, f[i].denom);
    if (i > 0) {
      EXPECT_LT(f[i].num * f[i - 1].denom, f[i - 1].num * f[i].denom);
    }
  }
  EXPECT_EQ(f.back(), (JpegScale{1, 8}));
  EXPECT_EQ((JpegScale{3, 8}.apply(333)), 125);  // ceil(124.875), as TJSCALED
}

TEST(ScaledDecode, HeaderGivesTheSizeWithoutDecoding) {
  const auto jpeg = encode_jpeg(smooth_image(500, 375, 3), 90);
  const JpegHeader h = read_jpeg_header(jpeg);
  EXPECT_EQ(h.width, 500);
  EXPECT_EQ(h.height, 375);
  EXPECT_EQ(h.channels, 3);
}

TEST(ScaledDecode, BoxMappingIsExactAtFullScaleAndStaysInsideAtEveryScale) {
  Rng rng(11);
  for (const auto& [height, width] : {std::pair{375, 500}, {500, 333}, {13, 37}, {1, 9}}) {
    for (int trial = 0; trial < 500; ++trial) {
      const CropBox box = random_resized_crop_box(height, width, rng);
      const CropBox same = scale_crop_box(box, {1, 1}, height, width);
      ASSERT_EQ(same.top, box.top);
      ASSERT_EQ(same.left, box.left);
      ASSERT_EQ(same.height, box.height);
      ASSERT_EQ(same.width, box.width);
      for (const JpegScale s : jpeg_downscale_factors()) {
        const CropBox b = scale_crop_box(box, s, height, width);
        const int sh = s.apply(height), sw = s.apply(width);
        ASSERT_GE(b.top, 0);
        ASSERT_GE(b.left, 0);
        ASSERT_GE(b.height, 1);
        ASSERT_GE(b.width, 1);
        ASSERT_LE(b.top + b.height, sh) << s.num << "/" << s.denom;
        ASSERT_LE(b.left + b.width, sw) << s.num << "/" << s.denom;
        // Never smaller than the whole part of the scaled size, never more than one pixel
        // larger than its ceiling.
        ASSERT_GE(b.width, std::max(1, box.width * s.num / s.denom));
        ASSERT_GE(b.height, std::max(1, box.height * s.num / s.denom));
        ASSERT_LE(b.width, (box.width * s.num + s.denom - 1) / s.denom + 1);
        // Edges land within a scaled pixel of where they map.
        ASSERT_LE(std::abs(b.left - box.left * s.num / static_cast<double>(s.denom)), 1.0);
      }
    }
  }
}

TEST(ScaledDecode, LargeCropsPickPowersOfTwoAndTinyCropsKeepFullScale) {
  const int side = 224, n = 2048;
  auto pick = [&](int box_side) {
    return choose_jpeg_scale({(n - box_side) / 2, (n - box_side) / 2, box_side, box_side}, side, n,
                             n);
  };
  EXPECT_EQ(pick(2048), (JpegScale{1, 8}));  // 256 >= 224
  EXPECT_EQ(pick(1800), (JpegScale{1, 8}));  // 225
  EXPECT_EQ(pick(1024), (JpegScale{1, 4}));  // 256; 1/8 would give 128
  EXPECT_EQ(pick(512), (JpegScale{1, 2}));   // 256; 3/8 would give 192
  EXPECT_EQ(pick(224), (JpegScale{1, 1}));   // exactly the side: no room
  EXPECT_EQ(pick(100), (JpegScale{1, 1}));   // smaller than the side: enlarged at full size
  EXPECT_EQ(pick(1), (JpegScale{1, 1}));
  // libjpeg-turbo has had every n/8 since 1.2, but their C inverse DCTs cost more than a decode
  // at the next power of two up: crops that 3/4 or 7/8 would keep at 224 are decoded at 1/1.
  ASSERT_TRUE(has({3, 4}) && has({7, 8}) && has({5, 8}) && has({3, 8}));
  EXPECT_EQ(pick(300), (JpegScale{1, 1}));  // 3/4 would give 225, 1/2 gives 150
  EXPECT_EQ(pick(256), (JpegScale{1, 1}));  // 7/8 would give 224
  EXPECT_EQ(pick(448), (JpegScale{1, 2}));  // 224
  EXPECT_EQ(pick(440), (JpegScale{1, 1}));  // 1/2 gives 220
  // The chosen box always keeps the side; a non-square crop is limited by its shorter side.
  const CropBox wide{100, 40, 230, 1900};
  EXPECT_EQ(choose_jpeg_scale(wide, side, n, n), (JpegScale{1, 1}));
  const CropBox b = scale_crop_box(
      {0, 0, 1000, 1000}, choose_jpeg_scale({0, 0, 1000, 1000}, side, 1000, 1000), 1000, 1000);
  EXPECT_GE(b.width, side);
  EXPECT_LT(b.width, 2 * side);
  // The demo's 28 x 28 images at resolution 16 (1/2 would give 14) and ImageNet-size images at
  // low resolution.
  EXPECT_EQ(choose_jpeg_scale({0, 0, 28, 28}, 16, 28, 28), (JpegScale{1, 1}));
  EXPECT_EQ(choose_jpeg_scale({0, 0, 375, 500}, 32, 375, 500), (JpegScale{1, 8}));
}

TEST(ScaledDecode, ScaledPixelsMatchAFullDecodeAreaDownscaled) {
  // 512 x 384: every power-of-two scale divides the sides, so the area downscale is exact.
  for (const int channels : {3, 1}) {
    const auto jpeg = encode_jpeg(smooth_image(512, 384, channels), 95);
    const Image full = decode_jpeg(jpeg);
    for (const int k : {2, 4, 8}) {
      const Image scaled = decode_jpeg_scaled(jpeg, {1, k});
      ASSERT_EQ(scaled.width, 512 / k);
      ASSERT_EQ(scaled.height, 384 / k);
      ASSERT_EQ(scaled.channels, channels);
      const Difference d = difference(scaled, area_downscale(full, k));
      // Measured with libjpeg-turbo 2.1.5: mean 0.06-0.40, max 1-2 grey levels (the reduced
      // IDCT is a block average up to rounding; colour adds the chroma upsampling done at the
      // smaller size).
      EXPECT_LT(d.mean, 0.6) << k << " " << channels;
      EXPECT_LE(d.max, 3) << k << " " << channels;
    }
    // Every factor against the antialiasing triangle resize of the full decode (measured: mean
    // at most 0.45, max 3; 1/1 identical).
    for (const JpegScale s : jpeg_downscale_factors()) {
      const Image scaled = decode_jpeg_scaled(jpeg, s);
      const Difference d = difference(scaled, resize(full, scaled.width, scaled.height));
      EXPECT_LT(d.mean, 0.7) << s.num << "/" << s.denom;
      EXPECT_LE(d.max, 4) << s.num << "/" << s.denom;
    }
  }
}

TEST(ScaledDecode, CropThroughTheScaledDecodeMatchesTheFullDecode) {
  const auto jpeg = encode_jpeg(smooth_image(500, 375, 3), 95);
  const Image full = decode_jpeg(jpeg);
  Rng rng(5);
  const int side = 64;
  int scaled_count = 0;
  for (int trial = 0; trial < 40; ++trial) {
    const CropBox box = random_resized_crop_box(375, 500, rng);
    const ScaledDecode d = decode_jpeg_for_crop(jpeg, box, side);
    const Image whole = decode_jpeg_scaled(jpeg, d.scale);
    ASSERT_EQ(pixels_of(d.image, d.box), pixels_of(whole, scale_crop_box(box, d.scale, 375, 500)));
    ASSERT_GE(d.box.width, std::min(side, box.width));
    ASSERT_GE(d.box.height, std::min(side, box.height));
    scaled_count += d.scale.num != d.scale.denom;
    std::vector<float> ours(side * side * 3), reference(side * side * 3);
    crop_resize_normalize(d.image, d.box, side, false, ours.data());
    crop_resize_normalize(full, box, side, false, reference.data());
    double mean = 0;
    for (std::size_t i = 0; i < ours.size(); ++i) mean += std::abs(ours[i] - reference[i]);
    mean /= static_cast<double>(ours.size());
    // In normalized units (1/255/0.225 = 0.017 per grey level): within 2 grey levels on average
    // (measured: at most 1.5); the scaled box edges can move by half a scaled pixel.
    EXPECT_LT(mean, 2 * 0.0175) << trial;
  }
  EXPECT_GT(scaled_count, 30);  // crops of 500 x 375 at 64 are almost all scaled
  // Switched off: a full decode and the box as given.
  const CropBox box{10, 20, 300, 400};
  const ScaledDecode off = decode_jpeg_for_crop(jpeg, box, side, false);
  EXPECT_EQ(off.scale, (JpegScale{1, 1}));
  EXPECT_EQ(off.image.pixels, full.pixels);
  EXPECT_EQ(off.box.width, 400);
  EXPECT_EQ(off.box.top, 10);
}

TEST(ScaledDecode, RegionPixelsAreThoseOfTheWholeDecodeAtEverySamplingAndScale) {
  // Odd sizes (partial iMCUs at the right and bottom), every chroma subsampling, baseline and
  // progressive, every factor; boxes anywhere, touching the edges, down to one pixel.
  const Image colour = smooth_image(333, 251, 3), grey = smooth_image(333, 251, 1);
  Rng rng(11);
  int narrower = 0, cases = 0;
  for (const int sampling : {TJSAMP_420, TJSAMP_422, TJSAMP_440, TJSAMP_444, TJSAMP_GRAY})
    for (const bool progressive : {false, true}) {
      const auto jpeg = encode_with(sampling == TJSAMP_GRAY ? grey : colour, sampling, progressive);
      for (const JpegScale s : jpeg_downscale_factors()) {
        const Image whole = decode_jpeg_scaled(jpeg, s);
        for (int trial = 0; trial < 12; ++trial) {
          const int h = 1 + static_cast<int>(rng.next_u32() % whole.height);
          const int w = 1 + static_cast<int>(rng.next_u32() % whole.width);
          CropBox box{static_cast<int>(rng.next_u32() % (whole.height - h + 1)),
                      static_cast<int>(rng.next_u32() % (whole.width - w + 1)), h, w};
          if (trial == 0) box = {0, 0, whole.height, whole.width};
          if (trial == 1) box = {whole.height - 1, whole.width - 1, 1, 1};
          const JpegRegion region = decode_jpeg_region(jpeg, s, box);
          ASSERT_EQ(region.image.channels, whole.channels);
          ASSERT_EQ(pixels_of(region.image, region.box), pixels_of(whole, box))
              << sampling << " " << progressive << " " << s.num << "/" << s.denom << " " << box.top
              << " " << box.left << " " << box.height << "x" << box.width;
          // Two margin rows at most; the columns are whole iMCUs (at most 16 pixels at 1/1).
          EXPECT_LE(region.image.height, box.height + 2);
          narrower += region.image.width < whole.width;
          ++cases;
        }
      }
    }
  EXPECT_GT(narrower, cases / 2);
}

TEST(ScaledDecode, RegionOfACorruptJpegIsAnInputError) {
  auto jpeg = encode_jpeg(smooth_image(64, 64, 3), 90);
  jpeg.resize(jpeg.size() / 3);  // truncated within the first rows' data
  try {
    decode_jpeg_region(jpeg, {1, 1}, {0, 0, 64, 64});
    FAIL() << "a truncated JPEG decoded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::input);
    EXPECT_NE(std::string(e.what()).find("corrupt JPEG"), std::string::npos) << e.what();
  }
}

TEST(ScaledDecode, UnknownFactorIsRefused) {
  const auto jpeg = encode_jpeg(smooth_image(64, 64, 3), 90);
  EXPECT_THROW(decode_jpeg_scaled(jpeg, {1, 3}), std::exception);
}
