// The RegNet design space (Radosavovic et al. 2020): a whole family from six numbers. Widths
// and depths are quantized exactly as torchvision's BlockParams.from_init_params does it,
// including its float32 arithmetic, so that every preset has torchvision's structure.
#pragma once
#include <cstdint>
#include <vector>

namespace swag::nn {

struct RegNetDesign {
  int depth;          // total number of blocks
  double w0, wa, wm;  // initial width, slope, log-space step
  int group_width;
  double bottleneck = 1.0;
  double se_ratio = 0.25;  // of the block's input width; 0 disables SE
};

struct RegNetStage {
  std::int64_t width, depth, group_width;
  double bottleneck;
  int stride;
};

std::vector<RegNetStage> regnet_stages(const RegNetDesign& design);

// Round half to even, as Python's round().
std::int64_t round_half_even(double x);

}  // namespace swag::nn
