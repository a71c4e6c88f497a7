#include "swag/data/fashion_mnist.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <memory>

#include "swag/core/error.hpp"

namespace swag::data {
namespace {

// An IDX file (big-endian header: magic 0x000008<rank>, then one u32 per axis; u8 data).
struct IdxArray {
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> data;
};

IdxArray read_idx_gz(const std::string& path, int rank) {
  const std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), &gzclose);
  if (!f) fail(ExitCode::io, "{}: cannot open (install dataset-fashion-mnist)", path);
  auto read_exactly = [&](void* out, std::size_t n) {
    if (gzread(f.get(), out, static_cast<unsigned>(n)) != static_cast<int>(n))
      fail(ExitCode::input, "{}: truncated or not gzip", path);
  };
  auto read_u32 = [&] {
    std::array<std::uint8_t, 4> b{};
    read_exactly(b.data(), b.size());
    return std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
  };
  const std::uint32_t magic = read_u32();
  if (magic != 0x800u + static_cast<std::uint32_t>(rank))
    fail(ExitCode::input, "{}: not an IDX file of rank {} (magic {:#x})", path, rank, magic);
  IdxArray a;
  std::size_t total = 1;
  for (int i = 0; i < rank; ++i) total *= a.dims.emplace_back(read_u32());
  a.data.resize(total);
  read_exactly(a.data.data(), total);
  return a;
}

}  // namespace

FashionMnistSplit read_fashion_mnist(const std::string& dir, const std::string& split,
                                     std::int64_t limit) {
  const IdxArray images = read_idx_gz(dir + "/" + split + "-images-idx3-ubyte.gz", 3);
  const IdxArray labels = read_idx_gz(dir + "/" + split + "-labels-idx1-ubyte.gz", 1);
  if (images.dims[0] != labels.dims[0])
    fail(ExitCode::input, "{}: {} images but {} labels in split '{}'", dir, images.dims[0],
         labels.dims[0], split);
  std::int64_t n = images.dims[0];
  if (limit > 0) n = std::min(n, limit);
  const int height = static_cast<int>(images.dims[1]), width = static_cast<int>(images.dims[2]);
  const std::size_t pixels = static_cast<std::size_t>(height) * width;
  FashionMnistSplit out;
  for (std::int64_t i = 0; i < n; ++i) {
    Image image = Image::blank(width, height, 1);
    std::copy_n(images.data.begin() + static_cast<std::ptrdiff_t>(i * pixels), pixels,
                image.pixels.begin());
    out.images.push_back(std::move(image));
    out.labels.push_back(labels.data[i]);
  }
  return out;
}

}  // namespace swag::data
