// Deterministic column sums of a [rows, width] quantity, accumulated in double.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "host_parallel.hpp"

namespace swag::cpu {

// out[j] = sum over rows r of the values add_row(r, acc) adds to acc[j]. The rows are cut into
// blocks whose number depends on the shape only, each block is summed in row order and the
// block partials are added in block order, so the result is bitwise the same on any number of
// threads (a resumed run must reproduce an uninterrupted one).
template <class AddRow>
void row_sums(std::int64_t rows, std::int64_t width, AddRow add_row, double* out) {
  constexpr std::int64_t kRowsPerBlock = 32, kMaxBlocks = 64;
  const std::int64_t blocks = std::clamp<std::int64_t>(rows / kRowsPerBlock, 1, kMaxBlocks);
  thread_local std::vector<double> partials;  // grows once; steady-state calls allocate nothing
  if (partials.size() < static_cast<std::size_t>(blocks * width)) partials.resize(blocks * width);
  double* const p = partials.data();
  host_for(
      "swag::row_sums", blocks, KOKKOS_LAMBDA(std::int64_t k) {
        double* acc = p + k * width;
        for (std::int64_t j = 0; j < width; ++j) acc[j] = 0.0;
        for (std::int64_t r = rows * k / blocks; r < rows * (k + 1) / blocks; ++r) add_row(r, acc);
      });
  host_for(
      "swag::row_sums_combine", width, KOKKOS_LAMBDA(std::int64_t j) {
        double s = 0.0;
        for (std::int64_t k = 0; k < blocks; ++k) s += p[k * width + j];
        out[j] = s;
      });
}

}  // namespace swag::cpu
