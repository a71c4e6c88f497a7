#include <gtest/gtest.h>

#include <cmath>

#include "swag/data/augment.hpp"

using namespace swag;
using namespace swag::data;

TEST(Augment, RandomResizedCropStaysInsideWithTheRightScaleAndRatio) {
  Rng rng(1);
  int inside_range = 0;
  const int draws = 20000, h = 300, w = 400;
  double mean_scale = 0;
  for (int i = 0; i < draws; ++i) {
    const CropBox b = random_resized_crop_box(h, w, rng);
    ASSERT_GE(b.top, 0);
    ASSERT_GE(b.left, 0);
    ASSERT_LE(b.top + b.height, h);
    ASSERT_LE(b.left + b.width, w);
    ASSERT_GT(b.height, 0);
    ASSERT_GT(b.width, 0);
    const double scale = static_cast<double>(b.height) * b.width / (h * w);
    const double ratio = static_cast<double>(b.width) / b.height;
    // Rounding of the sides moves scale and ratio by a few percent at most.
    inside_range += scale >= 0.07 && scale <= 1.0 && ratio >= 0.73 && ratio <= 1.37;
    mean_scale += scale;
  }
  EXPECT_EQ(inside_range, draws);
  // torchvision's RandomResizedCrop.get_params on a 300 x 400 image, 20000 draws: mean area
  // share 0.4351, standard deviation 0.216 (standard error of a 20000-draw mean 0.0015).
  EXPECT_NEAR(mean_scale / draws, 0.4351, 5 * 0.0015);
}

TEST(Augment, FallbackIsACentreCropWithinTheRatioRange) {
  Rng rng(2);
  // A 1 x 100 strip: no random box fits the ratio range, so the centre crop clamps the ratio.
  const CropBox b = random_resized_crop_box(1, 100, rng);
  EXPECT_EQ(b.height, 1);
  EXPECT_EQ(b.width, 1);  // round(1 * 4/3)
  EXPECT_EQ(b.left, 49);
}

TEST(Augment, NormalizesWithImageNetStatisticsAndFlips) {
  Image image = Image::blank(4, 2, 3);
  for (int x = 0; x < 4; ++x)
    for (int y = 0; y < 2; ++y)
      for (int c = 0; c < 3; ++c)
        image.pixels[(y * 4 + x) * 3 + c] = static_cast<std::uint8_t>(x * 60 + c);
  std::vector<float> out(2 * 2 * 3), flipped(2 * 2 * 3);
  const CropBox left_half{0, 0, 2, 2};
  crop_resize_normalize(image, left_half, 2, false, out.data());
  crop_resize_normalize(image, left_half, 2, true, flipped.data());
  // Same size: the resize is the identity; pixel (0, 1) holds x = 1, c = 2: value 62.
  EXPECT_NEAR(out[(0 * 2 + 1) * 3 + 2], (62.0f / 255.0f - 0.406f) / 0.225f, 1e-5f);
  EXPECT_NEAR(out[0], (0.0f / 255.0f - 0.485f) / 0.229f, 1e-5f);
  for (int c = 0; c < 3; ++c) EXPECT_EQ(flipped[c], out[3 + c]);  // mirrored columns
}

TEST(Augment, GreyscaleIsReplicated) {
  Image grey = Image::blank(2, 2, 1);
  grey.pixels = {10, 10, 10, 10};
  std::vector<float> out(2 * 2 * 3);
  crop_resize_normalize(grey, {0, 0, 2, 2}, 2, false, out.data());
  const float v = 10.0f / 255.0f;
  EXPECT_NEAR(out[0], (v - 0.485f) / 0.229f, 1e-5f);
  EXPECT_NEAR(out[1], (v - 0.456f) / 0.224f, 1e-5f);
  EXPECT_NEAR(out[2], (v - 0.406f) / 0.225f, 1e-5f);
}
