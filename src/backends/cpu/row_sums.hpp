// Deterministic column sums of a [rows, width] quantity, accumulated in double.
#pragma once
#include <algorithm>
#include <cstdint>
#include <utility>
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

// fa[j] = sum over rows [r0, r1) of f(r, j).first, fb[j] of .second. `omp simd`: the sums alias
// none of what f reads, which g++ cannot prove, and it vectorizes f's select only when told.
template <class F>
void add_rows2(const F& f, std::int64_t r0, std::int64_t r1, std::int64_t c, float* fa, float* fb) {
  for (std::int64_t j = 0; j < c; ++j) fa[j] = fb[j] = 0.0f;
  for (std::int64_t r = r0; r < r1; ++r) {
#if !defined(__clang__)  // clang at -O1 (the fuzz preset) fails the request, an error under -Werror
#pragma omp simd
#endif
    for (std::int64_t j = 0; j < c; ++j) {
      const std::pair<float, float> v = f(r, j);
      fa[j] += v.first;
      fb[j] += v.second;
    }
  }
}

// Two column sums at once for the backward passes: out[j] = sum_r f(r, j).first and
// out[c + j] = sum_r f(r, j).second. Each block of rows is read row by row, in memory order, into
// float sums over 32 rows (the channel loop vectorizes, without conversions), which are then
// added in double. The order is fixed by the shape, so the result is the same on any number of
// threads.
template <class F>
void column_sums2(std::int64_t rows, std::int64_t c, F f, double* out) {
  constexpr std::int64_t kShort = 32, kRowsPerBlock = 256, kMaxBlocks = 64;
  const std::int64_t blocks = std::clamp<std::int64_t>(rows / kRowsPerBlock, 1, kMaxBlocks);
  thread_local std::vector<double> partials;  // grows once; steady-state calls allocate nothing
  if (partials.size() < static_cast<std::size_t>(blocks * 2 * c)) partials.resize(blocks * 2 * c);
  double* const p = partials.data();
  host_for(
      "swag::column_sums2", blocks, KOKKOS_LAMBDA(std::int64_t k) {
        thread_local std::vector<float> short_sums;  // per worker thread
        if (short_sums.size() < static_cast<std::size_t>(2 * c)) short_sums.resize(2 * c);
        float* const fa = short_sums.data();
        float* const fb = fa + c;
        double* const acc = p + k * 2 * c;
        for (std::int64_t j = 0; j < 2 * c; ++j) acc[j] = 0.0;
        const std::int64_t end = rows * (k + 1) / blocks;
        for (std::int64_t r0 = rows * k / blocks; r0 < end; r0 += kShort) {
          const std::int64_t r1 = r0 + kShort < end ? r0 + kShort : end;
          add_rows2(f, r0, r1, c, fa, fb);
          for (std::int64_t j = 0; j < c; ++j) {
            acc[j] += fa[j];
            acc[c + j] += fb[j];
          }
        }
      });
  host_for(
      "swag::column_sums2_combine", 2 * c, KOKKOS_LAMBDA(std::int64_t j) {
        double s = 0.0;
        for (std::int64_t k = 0; k < blocks; ++k) s += p[k * 2 * c + j];
        out[j] = s;
      });
}

}  // namespace swag::cpu
