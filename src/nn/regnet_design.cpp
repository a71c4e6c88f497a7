#include "swag/nn/regnet_design.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "swag/core/error.hpp"

namespace swag::nn {
namespace {

// torchvision's _make_divisible(v, divisor) with min_value = divisor.
std::int64_t make_divisible(double v, std::int64_t divisor) {
  std::int64_t r =
      std::max(divisor, static_cast<std::int64_t>(v + divisor / 2.0) / divisor * divisor);
  if (static_cast<double>(r) < 0.9 * v) r += divisor;
  return r;
}

}  // namespace

std::int64_t round_half_even(double x) {
  return static_cast<std::int64_t>(std::nearbyint(x));
}

std::vector<RegNetStage> regnet_stages(const RegNetDesign& d) {
  constexpr int quant = 8;
  if (d.wa < 0 || d.w0 <= 0 || d.wm <= 1 || static_cast<std::int64_t>(d.w0) % 8 != 0)
    fail(ExitCode::usage, "invalid RegNet settings w0={} wa={} wm={}", d.w0, d.wa, d.wm);
  // torch computes these in float32 (arange * w_a + w_0, log, pow): so do we.
  const float w0 = static_cast<float>(d.w0), wa = static_cast<float>(d.wa);
  const float log_wm = static_cast<float>(std::log(d.wm));
  std::vector<std::int64_t> block_widths;
  for (int i = 0; i < d.depth; ++i) {
    const float width_cont = static_cast<float>(i) * wa + w0;
    const float capacity = std::nearbyint(std::log(width_cont / w0) / log_wm);
    const float width = w0 * std::pow(static_cast<float>(d.wm), capacity);
    block_widths.push_back(static_cast<std::int64_t>(std::nearbyint(width / quant)) * quant);
  }
  // Consecutive equal widths form a stage.
  std::vector<RegNetStage> stages;
  for (std::int64_t w : block_widths) {
    if (stages.empty() || stages.back().width != w)
      stages.push_back({w, 0, d.group_width, d.bottleneck, 2});
    ++stages.back().depth;
  }
  // Make the bottleneck widths divisible by the group width (torchvision's
  // _adjust_widths_groups_compatibilty).
  for (auto& s : stages) {
    const auto w_bot = static_cast<std::int64_t>(static_cast<double>(s.width) * s.bottleneck);
    s.group_width = std::min(s.group_width, w_bot);
    const std::int64_t w_bot_adj = make_divisible(static_cast<double>(w_bot), s.group_width);
    s.width = static_cast<std::int64_t>(static_cast<double>(w_bot_adj) / s.bottleneck);
  }
  return stages;
}

}  // namespace swag::nn
