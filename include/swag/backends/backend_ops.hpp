// The ops both backends implement, listed once: SWAG_BACKEND_OPS(X) expands X(return type, name,
// parameters) per op. cpu_ops.hpp and cuda_ops.hpp declare the list in their namespaces, and
// SWAG_BACKEND_CALL (ops/dispatch.hpp) calls both, so a backend lacking an op does not link.
// SWAG_GPU_RUNTIME(X) lists, the same way, what a GPU backend gives the layers above besides its
// ops (backends/gpu.hpp picks the one of this build).
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "swag/ops/attention.hpp"
#include "swag/ops/batchnorm.hpp"
#include "swag/ops/conv2d.hpp"
#include "swag/ops/layer_norm.hpp"
#include "swag/ops/linear.hpp"
#include "swag/ops/math_mode.hpp"
#include "swag/ops/optimizer_update.hpp"

namespace swag {

// The ranks' GPUs summing device buffers together (NCCL in the CUDA backend), on a stream of
// their own so that the sums overlap the compute stream's work; dist/ builds the GPU gradient
// all-reduce and sync BN on it. Sums must be issued in the same order on every rank.
class GpuCommunicator {
 public:
  virtual ~GpuCommunicator() = default;
  virtual int size() const = 0;
  // Queues the in-place sum over the ranks of count floats at data, after the work queued on
  // the compute stream so far.
  virtual void sum_after_compute(float* data, std::int64_t count) const = 0;
  // The compute stream's work from now on waits for the sums queued so far.
  virtual void compute_waits_for_sums() const = 0;
  // Waits for the queued sums, ignoring their errors (for destructors).
  virtual void drain() const noexcept = 0;
  // Sync BN's sum of device doubles, ordered on the compute stream (ops::BatchNormDesc::sync);
  // this communicator must outlive it.
  virtual ops::CrossRankSum cross_rank_sum() const = 0;
  // Ends the watchdog that ends the job when a peer is lost (ModelCollectives::finish_training).
  virtual void stop_watchdog() = 0;
};
// What one rank draws and the others receive, to make a GpuCommunicator together.
using GpuCommunicatorId = std::array<char, 128>;

}  // namespace swag

// clang-format off
#define SWAG_BACKEND_OPS(X)                                                                       \
  X(void, conv2d_forward, (const ops::Conv2dDesc& d, const Tensor& x, const Tensor& w,            \
                           const Tensor* b, Tensor& y))                                           \
  X(void, conv2d_backward, (const ops::Conv2dDesc& d, const Tensor& x, const Tensor& w,           \
                            const Tensor& dy, Tensor* dx, Tensor& dw, Tensor* db))                \
  X(void, linear_forward, (const ops::LinearDesc& d, const Tensor& x, const Tensor& w,            \
                           const Tensor* b, Tensor& y))                                           \
  X(void, linear_backward, (const ops::LinearDesc& d, const Tensor& x, const Tensor& w,           \
                            const Tensor& dy, Tensor* dx, Tensor& dw, Tensor* db))                \
  X(void, batchnorm_forward_train, (const ops::BatchNormDesc& d, const Tensor& x,                 \
                                    ops::BatchNormState& s, Tensor& y))                           \
  X(void, batchnorm_forward_eval, (const ops::BatchNormDesc& d, const Tensor& x,                  \
                                   const ops::BatchNormState& s, Tensor& y))                      \
  X(void, batchnorm_forward_saved, (const ops::BatchNormDesc& d, const Tensor& x,                 \
                                    const ops::BatchNormState& s, Tensor& y))                     \
  X(void, batchnorm_backward, (const ops::BatchNormDesc& d, const Tensor& x, const Tensor& dy,    \
                               const ops::BatchNormState& s, Tensor& dx, Tensor& dgamma,          \
                               Tensor& dbeta))                                                    \
  X(void, convert, (const Tensor& src, Tensor& dst))                                              \
  X(void, relu_forward, (const Tensor& x, Tensor& y))                                             \
  X(void, relu_backward, (const Tensor& y, const Tensor& dy, Tensor& dx))                         \
  X(void, sigmoid_forward, (const Tensor& x, Tensor& y))                                          \
  X(void, sigmoid_backward, (const Tensor& y, const Tensor& dy, Tensor& dx))                      \
  X(void, gelu_forward, (const Tensor& x, Tensor& y))                                             \
  X(void, gelu_backward, (const Tensor& x, const Tensor& dy, Tensor& dx))                         \
  X(void, tanh_forward, (const Tensor& x, Tensor& y))                                             \
  X(void, tanh_backward, (const Tensor& y, const Tensor& dy, Tensor& dx))                         \
  X(void, add_forward, (const Tensor& a, const Tensor& b, Tensor& y, bool relu))                  \
  X(void, accumulate, (const Tensor& x, Tensor& y))                                               \
  X(void, global_avg_pool_forward, (const Tensor& x, Tensor& y))                                  \
  X(void, global_avg_pool_backward, (const Tensor& dy, Tensor& dx, bool accumulate))              \
  X(void, channel_scale_forward, (const Tensor& x, const Tensor& scale, Tensor& y))               \
  X(void, channel_scale_backward, (const Tensor& x, const Tensor& scale, const Tensor& dy,        \
                                   Tensor& dx, Tensor& dscale))                                   \
  X(void, layer_norm_forward, (const ops::LayerNormDesc& d, const Tensor& x, const Tensor& gamma, \
                               const Tensor& beta, Tensor& y, Tensor& mean, Tensor& rstd))        \
  X(void, layer_norm_backward, (const ops::LayerNormDesc& d, const Tensor& x, const Tensor& dy,   \
                                const Tensor& gamma, const Tensor& mean, const Tensor& rstd,      \
                                Tensor& dx, Tensor& dgamma, Tensor& dbeta))                       \
  X(void, attention_forward, (const ops::AttentionDesc& d, const Tensor& qkv, Tensor& probs,      \
                              Tensor& context))                                                   \
  X(void, attention_backward, (const ops::AttentionDesc& d, const Tensor& qkv,                    \
                               const Tensor& probs, const Tensor& dcontext, Tensor& dprobs,       \
                               Tensor& dqkv))                                                     \
  X(void, token_embedding_forward, (const Tensor& patches, const Tensor& class_token,             \
                                    const Tensor& pos, Tensor& y))                                \
  X(void, token_embedding_backward, (const Tensor& dy, Tensor& dpatches, Tensor& dclass_token,    \
                                     Tensor& dpos))                                               \
  X(void, class_token_output_forward, (const Tensor& x, Tensor& y))                               \
  X(void, class_token_output_backward, (const Tensor& dy, Tensor& dx))                            \
  X(double, softmax_cross_entropy_forward, (const Tensor& logits, const Tensor& targets,          \
                                            Tensor& probs))                                       \
  X(void, softmax_cross_entropy_backward, (const Tensor& probs, const Tensor& targets,            \
                                           float scale, Tensor& dlogits))                         \
  X(void, normalize_images, (const Tensor& pixels, Tensor& images))                               \
  X(void, sgd_update, (const ops::SgdUpdate& u, Tensor& param, const Tensor& grad,                \
                       Tensor& momentum_buffer))                                                  \
  X(void, adamw_update, (const ops::AdamWUpdate& u, Tensor& param, const Tensor& grad, Tensor& m, \
                         Tensor& v))                                                              \
  X(double, sum_of_squares, (const Tensor& x))                                                    \
  X(void, scale, (Tensor& x, float factor))                                                       \
  X(void, ema_update, (Tensor& average, const Tensor& current, float keep, float take))           \
  X(void, swap_values, (Tensor& a, Tensor& b))

// Copies with a GPU side (copy_async: from page-locked host memory, returning at once); waiting
// for the queued work; events on the compute stream, as void* so that no CUDA type shows: untimed
// ones behind ops::Event, timed ones for ops::profile; the math mode and determinism of the
// GEMM-like ops (ops/math_mode.hpp; compute_capability is 0 without a live runtime); the
// libraries built against and the GPUs visible (ops/device.hpp); the layout change of the input
// path; a GpuCommunicator over `size` ranks, made by each with the id one drew, whose watchdog
// calls end_job (then exits) when a peer is lost.
#define SWAG_GPU_RUNTIME(X)                                                                       \
  X(void, copy, (const Tensor& src, Tensor& dst))                                                 \
  X(void, copy_async, (const Tensor& src, Tensor& dst))                                           \
  X(void, synchronize, ())                                                                        \
  X(void*, event_create, ())                                                                      \
  X(void, event_destroy, (void* event) noexcept)                                                  \
  X(void, event_record, (void* event))                                                            \
  X(void, event_wait, (void* event))                                                              \
  X(void*, timed_event_record, ())                                                                \
  X(float, event_elapsed_ms, (void* start, void* end))                                            \
  X(void, set_math_mode, (ops::MathMode mode))                                                    \
  X(void, set_deterministic, (bool deterministic))                                                \
  X(bool, is_deterministic, ())                                                                   \
  X(int, compute_capability, ())                                                                  \
  X(std::string, build_description, ())                                                           \
  X(std::string, visible_gpus, ())                                                                \
  X(void, nchw_to_nhwc, (const Tensor& x, Tensor& y))                                             \
  X(GpuCommunicatorId, gpu_communicator_id, ())                                                   \
  X(std::shared_ptr<GpuCommunicator>, make_gpu_communicator,                                      \
    (const GpuCommunicatorId& id, int rank, int size, void (*end_job)()))
// clang-format on

#define SWAG_DECLARE_BACKEND_OP(result, name, parameters) result name parameters;
