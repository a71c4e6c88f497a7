#include "swag/data/scaled_decode.hpp"

// clang-format off
#include <cstdio>  // before jpeglib.h, which uses FILE
#include <jpeglib.h>
// clang-format on

#include <algorithm>
#include <csetjmp>
#include <vector>

#include "swag/core/error.hpp"

namespace swag::data {
namespace {

// libjpeg reports errors through error_exit, which must not return: it jumps back to
// decode_region (C++ exceptions cannot cross libjpeg's C frames). Warnings are errors too, as
// TJFLAG_STOPONWARNING makes them for decode_jpeg.
struct JumpingErrors {
  jpeg_error_mgr manager{};
  std::jmp_buf jump{};
  char message[JMSG_LENGTH_MAX] = {};
};

[[noreturn]] void jump_on_error(j_common_ptr cinfo) {
  auto* errors = reinterpret_cast<JumpingErrors*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, errors->message);
  std::longjmp(errors->jump, 1);
}

void jump_on_warning(j_common_ptr cinfo, int level) {
  if (level < 0) jump_on_error(cinfo);
}

// Chroma upsampling reads one neighbour each way, which a region's edge replaces by its own
// sample: decoding one pixel more on each side keeps the box's pixels those of a whole decode.
constexpr int kMargin = 1;

// Decodes rows [first_row, first_row + rows) and at least columns [first_col, last_col) of the
// decode at `scale` into `pixels`; returns the region's width and its first column, or the
// libjpeg message in `errors` (false). No C++ object is created between setjmp and longjmp.
bool decode_region(std::span<const std::uint8_t> jpeg, JpegScale scale, int first_row, int rows,
                   int first_col, int last_col, std::vector<std::uint8_t>& pixels,
                   JumpingErrors& errors, int& region_left, int& region_width, int& channels) {
  jpeg_decompress_struct cinfo{};
  std::vector<JSAMPROW> row_pointers;
  cinfo.err = jpeg_std_error(&errors.manager);
  errors.manager.error_exit = jump_on_error;
  errors.manager.emit_message = jump_on_warning;
  if (setjmp(errors.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, jpeg.data(), static_cast<unsigned long>(jpeg.size()));
  jpeg_read_header(&cinfo, TRUE);
  if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
    std::snprintf(errors.message, sizeof errors.message, "unsupported colour space (CMYK)");
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  cinfo.out_color_space = cinfo.jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
  cinfo.scale_num = static_cast<unsigned>(scale.num);
  cinfo.scale_denom = static_cast<unsigned>(scale.denom);
  jpeg_start_decompress(&cinfo);
  auto left = static_cast<JDIMENSION>(first_col);
  auto width = static_cast<JDIMENSION>(last_col - first_col);
  jpeg_crop_scanline(&cinfo, &left, &width);
  channels = cinfo.output_components;
  region_left = static_cast<int>(left);
  region_width = static_cast<int>(width);
  const std::size_t stride = static_cast<std::size_t>(width) * channels;
  pixels.resize(stride * rows);
  row_pointers.resize(static_cast<std::size_t>(rows));
  for (int y = 0; y < rows; ++y) row_pointers[y] = pixels.data() + y * stride;
  if (first_row > 0) jpeg_skip_scanlines(&cinfo, static_cast<JDIMENSION>(first_row));
  while (static_cast<int>(cinfo.output_scanline) < first_row + rows)
    jpeg_read_scanlines(&cinfo, row_pointers.data() + (cinfo.output_scanline - first_row),
                        static_cast<JDIMENSION>(first_row + rows) - cinfo.output_scanline);
  jpeg_destroy_decompress(&cinfo);  // aborts: the rows below are not decoded
  return true;
}

// round(x * num / denom) for x >= 0, halves up, in integers.
int scale_edge(int x, JpegScale s) {
  return static_cast<int>((2 * static_cast<std::int64_t>(x) * s.num + s.denom) / (2 * s.denom));
}

// Maps [start, start + length) of a side of `size` pixels; returns {start, length}.
std::pair<int, int> scale_span(int start, int length, JpegScale s, int size) {
  const int scaled_size = s.apply(size);
  int first = std::min(scale_edge(start, s), scaled_size - 1);
  const int last = std::clamp(scale_edge(start + length, s), first + 1, scaled_size);
  first = std::min(first, last - 1);
  return {first, last - first};
}

}  // namespace

CropBox scale_crop_box(const CropBox& box, JpegScale scale, int height, int width) {
  SWAG_CHECK(box.top >= 0 && box.left >= 0 && box.height > 0 && box.width > 0 &&
                 box.top + box.height <= height && box.left + box.width <= width,
             "crop box ({}, {}, {}x{}) outside a {}x{} image", box.top, box.left, box.height,
             box.width, height, width);
  const auto [top, h] = scale_span(box.top, box.height, scale, height);
  const auto [left, w] = scale_span(box.left, box.width, scale, width);
  return {top, left, h, w};
}

JpegScale choose_jpeg_scale(const CropBox& box, int side, int height, int width) {
  JpegScale best{1, 1};
  for (const JpegScale& s : jpeg_downscale_factors()) {  // largest first
    if (s.num != 1) continue;  // 7/8 ... 3/8: libjpeg-turbo's C inverse DCTs (doc/benchmarks.md)
    const CropBox scaled = scale_crop_box(box, s, height, width);
    if (scaled.height >= side && scaled.width >= side) best = s;
  }
  return best;
}

JpegRegion decode_jpeg_region(std::span<const std::uint8_t> jpeg, JpegScale scale,
                              const CropBox& box) {
  const auto& factors = jpeg_downscale_factors();
  SWAG_CHECK(std::find(factors.begin(), factors.end(), scale) != factors.end(),
             "no JPEG scaling factor {}/{}", scale.num, scale.denom);
  const JpegHeader header = read_jpeg_header(jpeg);
  const int height = scale.apply(header.height), width = scale.apply(header.width);
  SWAG_CHECK(box.top >= 0 && box.left >= 0 && box.height > 0 && box.width > 0 &&
                 box.top + box.height <= height && box.left + box.width <= width,
             "crop box ({}, {}, {}x{}) outside a {}x{} image", box.top, box.left, box.height,
             box.width, height, width);
  const int first_row = std::max(0, box.top - kMargin);
  const int rows = std::min(height, box.top + box.height + kMargin) - first_row;
  const int first_col = std::max(0, box.left - kMargin);
  const int last_col = std::min(width, box.left + box.width + kMargin);
  std::vector<std::uint8_t> pixels;
  JumpingErrors errors;
  int left = 0, region_width = 0, channels = 0;
  if (!decode_region(jpeg, scale, first_row, rows, first_col, last_col, pixels, errors, left,
                     region_width, channels))
    fail(ExitCode::input, "corrupt JPEG (data: {})", errors.message);
  return {Image{region_width, rows, channels, std::move(pixels)},
          {box.top - first_row, box.left - left, box.height, box.width}};
}

ScaledDecode decode_jpeg_for_crop(std::span<const std::uint8_t> jpeg, const CropBox& box, int side,
                                  bool dct_scaling) {
  if (!dct_scaling) return {decode_jpeg(jpeg), box, {1, 1}};
  const JpegHeader header = read_jpeg_header(jpeg);
  const JpegScale scale = choose_jpeg_scale(box, side, header.height, header.width);
  JpegRegion region =
      decode_jpeg_region(jpeg, scale, scale_crop_box(box, scale, header.height, header.width));
  return {std::move(region.image), region.box, scale};
}

}  // namespace swag::data
