// JPEG and PNG codecs, format sniffing and the downscaling filter.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "datapipe_test_util.hpp"
#include "swag/core/error.hpp"
#include "swag/data/jpeg_codec.hpp"
#include "swag/data/png_codec.hpp"
#include "swag/data/resize.hpp"
#include "swag/data/stored_image.hpp"

namespace swag::data {
namespace {

double mean_abs_difference(const Image& a, const Image& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) sum += std::abs(a.pixels[i] - b.pixels[i]);
  return sum / static_cast<double>(a.pixels.size());
}

void expect_input_error(const std::function<void()>& f, const std::string& text) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one mentioning '" << text << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::input);
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

TEST(Png, RoundTripIsExactForGreyAndRgb) {
  for (const int channels : {1, 3}) {
    const Image image = testing::test_image(37, 21, channels, 1);
    const auto png = encode_png(image);
    EXPECT_EQ(sniff_image_format(png), ImageFormat::png);
    const Image back = decode_png(png);
    EXPECT_EQ(back.width, 37);
    EXPECT_EQ(back.height, 21);
    EXPECT_EQ(back.channels, channels);
    EXPECT_EQ(back.pixels, image.pixels);
  }
}

TEST(Png, TruncatedFileIsAnInputError) {
  auto png = encode_png(testing::test_image(40, 40, 3, 2));
  png.resize(png.size() / 2);
  expect_input_error([&] { decode_png(png); }, "corrupt PNG");
}

TEST(Jpeg, EncodeDecodeKeepsSizeChannelsAndContent) {
  for (const int channels : {1, 3}) {
    const Image image = testing::test_image(64, 48, channels, 3);
    const auto jpeg = encode_jpeg(image, 95);
    EXPECT_EQ(sniff_image_format(jpeg), ImageFormat::jpeg);
    const JpegHeader header = read_jpeg_header(jpeg);
    EXPECT_EQ(header.width, 64);
    EXPECT_EQ(header.height, 48);
    EXPECT_EQ(header.channels, channels);
    const Image back = decode_jpeg(jpeg);
    ASSERT_EQ(back.pixels.size(), image.pixels.size());
    EXPECT_LT(mean_abs_difference(back, image), 3.0);
    EXPECT_EQ(verify_jpeg(jpeg).width, 64);
  }
}

TEST(Jpeg, TruncatedOrDamagedStreamIsAnInputError) {
  const auto jpeg = encode_jpeg(testing::test_image(128, 96, 3, 4), 90);
  const std::vector<std::uint8_t> truncated(jpeg.begin(), jpeg.begin() + jpeg.size() / 2);
  expect_input_error([&] { decode_jpeg(truncated); }, "corrupt JPEG");
  expect_input_error([&] { verify_jpeg(truncated); }, "corrupt JPEG");
  const std::vector<std::uint8_t> header_only(jpeg.begin(), jpeg.begin() + 20);
  expect_input_error([&] { verify_jpeg(header_only); }, "corrupt JPEG");
}

// A failed header read must not leave the thread's decoder mid-header: libjpeg-turbo 2.1 then
// read the next, valid header as 0 x 0 (found when the loader began to skip corrupt images).
TEST(Jpeg, AValidImageAfterACorruptOneDecodes) {
  const auto jpeg = encode_jpeg(testing::test_image(64, 48, 3, 5), 90);
  std::vector<std::uint8_t> damaged = jpeg;
  for (std::size_t p = 300; p < damaged.size(); ++p) damaged[p] = static_cast<std::uint8_t>(p);
  for (int round = 0; round < 2; ++round) {
    expect_input_error([&] { read_jpeg_header(damaged); }, "corrupt JPEG (header");
    const JpegHeader header = read_jpeg_header(jpeg);
    EXPECT_EQ(header.width, 64);
    EXPECT_EQ(header.height, 48);
    EXPECT_EQ(decode_jpeg(jpeg).pixels.size(), std::size_t{64 * 48 * 3});
  }
}

TEST(ImageFormat, SniffsByMagicNumber) {
  const std::vector<std::uint8_t> text = {'h', 'e', 'l', 'l', 'o'};
  EXPECT_EQ(sniff_image_format(text), ImageFormat::unknown);
  EXPECT_EQ(sniff_image_format({}), ImageFormat::unknown);
}

TEST(Resize, FitWithinKeepsAspectAndAverages) {
  const Image wide = testing::test_image(400, 100, 3, 5);
  const Image fitted = fit_within(wide, 100);
  EXPECT_EQ(fitted.width, 100);
  EXPECT_EQ(fitted.height, 25);
  EXPECT_EQ(fit_within(wide, 400).pixels, wide.pixels);  // not larger than the limit: unchanged
  EXPECT_EQ(fit_within(wide, 0).width, 400);

  Image flat = Image::blank(90, 60, 1);
  std::fill(flat.pixels.begin(), flat.pixels.end(), std::uint8_t{77});
  const Image small = resize(flat, 7, 5);
  for (const auto v : small.pixels) EXPECT_EQ(v, 77);

  // A checkerboard of 0/200 shrunk by 2 averages to 100 away from the border (no aliasing).
  Image board = Image::blank(64, 64, 1);
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x) board.pixels[y * 64 + x] = ((x + y) % 2) ? 200 : 0;
  const Image half = resize(board, 32, 32);
  for (int y = 1; y < 31; ++y)
    for (int x = 1; x < 31; ++x) EXPECT_NEAR(half.pixels[y * 32 + x], 100, 1) << x << "," << y;
}

}  // namespace
}  // namespace swag::data
