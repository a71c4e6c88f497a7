#include "swag/nn/res_bottleneck_block.hpp"

#include "swag/nn/regnet_design.hpp"
#include "swag/ops/elementwise.hpp"

namespace swag::nn {
namespace {

ops::Conv2dDesc conv(std::int64_t batch, std::int64_t h, std::int64_t w, std::int64_t c_in,
                     std::int64_t c_out, int kernel, int stride, int groups) {
  return {batch, c_in, c_out, h, w, kernel, stride, kernel / 2, groups, false};
}

}  // namespace

ResBottleneckBlock::ResBottleneckBlock(BuildContext& ctx, const std::string& prefix,
                                       const BlockShape& s)
    : a_(ctx, prefix + ".f.a",
         conv(ctx.batch, s.height, s.width, s.width_in,
              round_half_even(static_cast<double>(s.width_out) * s.bottleneck), 1, 1, 1),
         true),
      b_(ctx, prefix + ".f.b",
         conv(ctx.batch, s.height, s.width, a_.conv_desc().out_channels,
              a_.conv_desc().out_channels, 3, s.stride,
              static_cast<int>(a_.conv_desc().out_channels / s.group_width)),
         true),
      c_(ctx, prefix + ".f.c",
         conv(ctx.batch, b_.conv_desc().out_height(), b_.conv_desc().out_width(),
              b_.conv_desc().out_channels, s.width_out, 1, 1, 1),
         false) {
  // Declaration order of se and proj does not matter: each tensor has its own RNG stream.
  const auto& bd = b_.conv_desc();
  if (s.se_ratio > 0)
    se_.emplace(
        ctx, prefix + ".f.se",
        SqueezeExcitationDesc{ctx.batch, bd.out_height(), bd.out_width(), bd.out_channels,
                              round_half_even(s.se_ratio * static_cast<double>(s.width_in))});
  if (s.width_in != s.width_out || s.stride != 1)
    proj_.emplace(ctx, prefix + ".proj",
                  conv(ctx.batch, s.height, s.width, s.width_in, s.width_out, 1, s.stride, 1),
                  false);
}

void ResBottleneckBlock::allocate(const ParameterStore& params, const ParameterStore& buffers,
                                  const Scratch& scratch, const Placement& at,
                                  const Placement& inner) {
  for (ConvBn* layer : {&a_, &b_, &c_}) layer->allocate(params, buffers, scratch, inner);
  if (proj_) proj_->allocate(params, buffers, scratch, inner);
  if (se_) se_->allocate(params, inner);
  const Shape out_shape = c_.conv_desc().output_shape();
  out_ = at.activation(out_shape);
  d_sum_ = view_as(scratch.a, out_shape);
  d_c_in_ = view_as(scratch.b, c_.conv_desc().input_shape());
  d_b_out_ = view_as(scratch.a, b_.conv_desc().output_shape());
  d_a_out_ = se_ ? view_as(scratch.b, a_.conv_desc().output_shape())
                 : view_as(scratch.a, a_.conv_desc().output_shape());
  d_x_branch_ = se_ ? view_as(scratch.a, a_.conv_desc().input_shape())
                    : view_as(scratch.b, a_.conv_desc().input_shape());
}

const Tensor& ResBottleneckBlock::forward(const Tensor& x, Pass pass) {
  const Tensor& a = a_.forward(x, pass);
  const Tensor& b = b_.forward(a, pass);
  const Tensor& c = c_.forward(se_ ? se_->forward(b) : b, pass);
  ops::add_forward(c, proj_ ? proj_->forward(x, pass) : x, out_, /*relu=*/true);
  return out_;
}

void ResBottleneckBlock::backward(const Tensor& x, const Tensor& dout, Tensor& dx) {
  // Gradient at the residual sum; with an identity shortcut it is also dx's first term.
  Tensor& d_sum = proj_ ? d_sum_ : dx;
  ops::relu_backward(out_, dout, d_sum);
  if (proj_) proj_->backward(x, d_sum, &dx);
  c_.backward(se_ ? se_->output() : b_.output(), d_sum, &d_c_in_);
  const Tensor* d_b_out = &d_c_in_;
  if (se_) {
    se_->backward(b_.output(), d_c_in_, d_b_out_);
    d_b_out = &d_b_out_;
  }
  b_.backward(a_.output(), *d_b_out, &d_a_out_);
  a_.backward(x, d_a_out_, &d_x_branch_);
  ops::accumulate(d_x_branch_, dx);
}

}  // namespace swag::nn
