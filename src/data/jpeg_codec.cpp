#include "swag/data/jpeg_codec.hpp"

#include <turbojpeg.h>

#include <algorithm>
#include <memory>
#include <string>

#include "swag/core/error.hpp"

namespace swag::data {
namespace {

// One compressor and one decompressor per thread: creating them costs more than decoding a
// small image.
struct TjHandle {
  explicit TjHandle(tjhandle h) : handle(h) {
    if (!handle)
      fail(ExitCode::failure, "TurboJPEG: cannot create a handle: {}", tjGetErrorStr2(nullptr));
  }
  ~TjHandle() { tjDestroy(handle); }
  TjHandle(const TjHandle&) = delete;
  TjHandle& operator=(const TjHandle&) = delete;
  tjhandle handle;
};

std::unique_ptr<TjHandle>& thread_decompressor() {
  thread_local std::unique_ptr<TjHandle> h;
  return h;
}

tjhandle decompressor() {
  auto& h = thread_decompressor();
  if (!h) h = std::make_unique<TjHandle>(tjInitDecompress());
  return h->handle;
}

tjhandle compressor() {
  thread_local const TjHandle h(tjInitCompress());
  return h.handle;
}

// A failed tjDecompressHeader3 leaves Debian's libjpeg-turbo 2.1 mid-header (it skips
// jpeg_abort_decompress), and the handle's next header then reads as 0 x 0: the thread gets a
// fresh decompressor instead.
[[noreturn]] void fail_jpeg(tjhandle h, const char* what) {
  const std::string why = tjGetErrorStr2(h);
  if (auto& mine = thread_decompressor(); mine && mine->handle == h) mine.reset();
  fail(ExitCode::input, "corrupt JPEG ({}: {})", what, why);
}

JpegHeader header_of(tjhandle h, std::span<const std::uint8_t> jpeg) {
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(h, jpeg.data(), static_cast<unsigned long>(jpeg.size()), &width, &height,
                          &subsampling, &colorspace) != 0)
    fail_jpeg(h, "header");
  if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK)
    fail(ExitCode::input, "unsupported JPEG colour space (CMYK)");
  return {width, height, colorspace == TJCS_GRAY ? 1 : 3};
}

void decompress(tjhandle h, std::span<const std::uint8_t> jpeg, std::uint8_t* out, int width,
                int height, int channels) {
  if (tjDecompress2(h, jpeg.data(), static_cast<unsigned long>(jpeg.size()), out, width, 0, height,
                    channels == 1 ? TJPF_GRAY : TJPF_RGB, TJFLAG_STOPONWARNING) != 0)
    fail_jpeg(h, "data");
}

}  // namespace

JpegHeader read_jpeg_header(std::span<const std::uint8_t> jpeg) {
  return header_of(decompressor(), jpeg);
}

Image decode_jpeg(std::span<const std::uint8_t> jpeg) {
  const tjhandle h = decompressor();
  const JpegHeader header = header_of(h, jpeg);
  Image image = Image::blank(header.width, header.height, header.channels);
  decompress(h, jpeg, image.pixels.data(), header.width, header.height, header.channels);
  return image;
}

const std::vector<JpegScale>& jpeg_downscale_factors() {
  static const std::vector<JpegScale> factors = [] {
    int n = 0;
    const tjscalingfactor* all = tjGetScalingFactors(&n);
    std::vector<JpegScale> out;
    for (int i = 0; all && i < n; ++i)
      if (all[i].num <= all[i].denom) out.push_back({all[i].num, all[i].denom});
    if (std::find(out.begin(), out.end(), JpegScale{1, 1}) == out.end()) out.push_back({1, 1});
    std::sort(out.begin(), out.end(), [](const JpegScale& a, const JpegScale& b) {
      return a.num * b.denom > b.num * a.denom;
    });
    return out;
  }();
  return factors;
}

Image decode_jpeg_scaled(std::span<const std::uint8_t> jpeg, JpegScale scale) {
  const auto& factors = jpeg_downscale_factors();
  SWAG_CHECK(std::find(factors.begin(), factors.end(), scale) != factors.end(),
             "no JPEG scaling factor {}/{}", scale.num, scale.denom);
  const tjhandle h = decompressor();
  const JpegHeader header = header_of(h, jpeg);
  const int width = scale.apply(header.width), height = scale.apply(header.height);
  Image image = Image::blank(width, height, header.channels);
  decompress(h, jpeg, image.pixels.data(), width, height, header.channels);
  return image;
}

JpegHeader verify_jpeg(std::span<const std::uint8_t> jpeg) {
  const tjhandle h = decompressor();
  const JpegHeader header = header_of(h, jpeg);
  const tjscalingfactor eighth{1, 8};
  const int width = TJSCALED(header.width, eighth), height = TJSCALED(header.height, eighth);
  Image scaled = Image::blank(width, height, header.channels);
  decompress(h, jpeg, scaled.pixels.data(), width, height, header.channels);
  return header;
}

std::vector<std::uint8_t> encode_jpeg(const Image& image, int quality) {
  SWAG_CHECK(image.channels == 1 || image.channels == 3, "{} channels", image.channels);
  const tjhandle h = compressor();
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  const bool grey = image.channels == 1;
  if (tjCompress2(h, image.pixels.data(), image.width, 0, image.height, grey ? TJPF_GRAY : TJPF_RGB,
                  &buffer, &size, grey ? TJSAMP_GRAY : TJSAMP_420, quality, 0) != 0) {
    tjFree(buffer);
    fail(ExitCode::failure, "JPEG encoding failed: {}", tjGetErrorStr2(h));
  }
  std::vector<std::uint8_t> out(buffer, buffer + size);
  tjFree(buffer);
  return out;
}

}  // namespace swag::data
