// Batch norm CUDA kernels against the CPU backend on the same random inputs: training forward
// (output, batch statistics, running-statistics update), eval forward and backward, with and
// without the fused ReLU; and sync BN's cross-rank sum between the stages (test_nccl.cpp has
// it over NCCL). Also all of it on bf16 and f16 activations, against the CPU backend on the same
// 16-bit inputs (tolerances in storage_parity.hpp: the fp32 ones, plus one ulp of the
// 16-bit type for the 16-bit outputs).
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parity.hpp"
#include "storage_parity.hpp"
#include "swag/backends/cuda/check.hpp"
#include "swag/backends/cuda/context.hpp"
#include "swag/ops/batchnorm.hpp"

using namespace swag;
using swag::test::affine;
using swag::test::column_norms;
using swag::test::random_tensor;

namespace {

struct BatchNormCase {
  const char* name;
  std::int64_t rows, channels;
  bool relu;
};

// Two rows (the least training allows); channels that are not a multiple of the 32-channel
// tile; several 1024-row slabs; a RegNet-like stage (N*H*W = 16*14*14, 440 channels); more rows
// than 128 slabs of 1024 (the cap, past which slabs grow, as in RegNetY-128GF's first stages).
const BatchNormCase kCases[] = {
    {"two_rows", 2, 3, false},
    {"odd_channels_relu", 4113, 45, true},
    {"slabs", 20000, 32, false},
    {"stage_relu", 16 * 14 * 14, 440, true},
    {"capped_slabs_relu", 140'001, 36, true},
};

ops::BatchNormState state(std::int64_t c, Device device) {
  const auto put = [device](const Tensor& t) {
    return device == Device::cuda ? cuda::to_device(t) : affine(t, 1.0f, 0.0f);
  };
  ops::BatchNormState s;
  s.gamma = put(affine(random_tensor({c}, 30), 1.0f, 0.2f));
  s.beta = put(affine(random_tensor({c}, 31), 0.5f, 0.0f));
  s.running_mean = put(random_tensor({c}, 32));
  s.running_var = put(affine(random_tensor({c}, 33), 0.4f, 1.0f));
  s.save_mean = device == Device::cuda ? test::device_garbage({c}) : Tensor::empty({c});
  s.save_invstd = device == Device::cuda ? test::device_garbage({c}) : Tensor::empty({c});
  return s;
}

class BatchNormParity : public ::testing::TestWithParam<BatchNormCase> {};

TEST_P(BatchNormParity, TrainEvalAndBackwardMatchTheCpuBackend) {
  const BatchNormCase& p = GetParam();
  ops::BatchNormDesc d;
  d.rows = p.rows;
  d.channels = p.channels;
  d.relu = p.relu;
  const std::int64_t c = p.channels;
  const Shape shape{p.rows, c};
  // A mean away from 0 (the variance as E[x^2] - mean^2 must not cancel badly), and a spread
  // that differs per channel.
  Tensor x = random_tensor(shape, 34);
  for (std::int64_t i = 0; i < x.numel(); ++i)
    x.data<float>()[i] = x.data<float>()[i] * (1.0f + static_cast<float>(i % c) / c) + 0.7f;
  const Tensor dy = random_tensor(shape, 35);
  const Tensor gx = cuda::to_device(x), gdy = cuda::to_device(dy);
  const double tol = test::kFp32Tolerance;

  ops::BatchNormState s = state(c, Device::cpu), gs = state(c, Device::cuda);
  Tensor y = Tensor::empty(shape), gy = test::device_garbage(shape);
  // Two steps: the running statistics are updated twice.
  for (int step = 0; step < 2; ++step) {
    ops::batchnorm_forward_train(d, x, s, y);
    ops::batchnorm_forward_train(d, gx, gs, gy);
  }
  test::expect_near("train y", gy, y, tol);
  test::expect_near("save_mean", gs.save_mean, s.save_mean, tol);
  test::expect_near("save_invstd", gs.save_invstd, s.save_invstd, tol);
  test::expect_near("running_mean", gs.running_mean, s.running_mean, tol);
  test::expect_near("running_var", gs.running_var, s.running_var, tol);

  // Activation recomputation's replay from the saved statistics: the training forward's bits,
  // no statistic touched.
  const Tensor running_mean = cuda::to_device(cuda::to_host(gs.running_mean));
  const Tensor running_var = cuda::to_device(cuda::to_host(gs.running_var));
  Tensor gy_saved = test::device_garbage(shape);
  ops::batchnorm_forward_saved(d, gx, gs, gy_saved);
  test::expect_bitwise_equal("saved-statistics y", gy_saved, gy);
  test::expect_bitwise_equal("running_mean after the replay", gs.running_mean, running_mean);
  test::expect_bitwise_equal("running_var after the replay", gs.running_var, running_var);

  Tensor dx = Tensor::empty(shape), dgamma = Tensor::empty({c}), dbeta = Tensor::empty({c});
  Tensor gdx = test::device_garbage(shape), gdgamma = test::device_garbage({c}),
         gdbeta = test::device_garbage({c});
  ops::batchnorm_backward(d, x, dy, s, dx, dgamma, dbeta);
  ops::batchnorm_backward(d, gx, gdy, gs, gdx, gdgamma, gdbeta);
  // Per channel, the L2 norm of dy's column: the size of a sum of `rows` terms of random sign
  // (dbeta sums g, with |g| <= |dy|; dgamma sums g * xhat, with |xhat| about 1).
  const Tensor norms = column_norms(dy, p.rows, c);
  test::expect_near("dx", gdx, dx, tol);
  test::expect_near("dgamma", gdgamma, dgamma, tol, &norms);
  test::expect_near("dbeta", gdbeta, dbeta, tol, &norms);

  // Deterministic: again, with dx written over a copy of dy, the same bits.
  Tensor gdx2 = cuda::to_device(dy), gdgamma2 = test::device_garbage({c}),
         gdbeta2 = test::device_garbage({c});
  ops::batchnorm_backward(d, gx, gdx2, gs, gdx2, gdgamma2, gdbeta2);
  test::expect_bitwise_equal("dx (in place, again)", gdx2, gdx);
  test::expect_bitwise_equal("dgamma (again)", gdgamma2, gdgamma);
  test::expect_bitwise_equal("dbeta (again)", gdbeta2, gdbeta);

  Tensor ye = Tensor::empty(shape), gye = test::device_garbage(shape);
  ops::batchnorm_forward_eval(d, x, s, ye);
  ops::batchnorm_forward_eval(d, gx, gs, gye);
  test::expect_near("eval y", gye, ye, tol);
}

INSTANTIATE_TEST_SUITE_P(Cuda, BatchNormParity, ::testing::ValuesIn(kCases),
                         [](const auto& c) { return std::string(c.param.name); });

// Sync BN's plumbing without NCCL: a cross-rank sum that doubles the values, as if a second
// rank had the same batch (the means stay, the running variance's n / (n - 1) changes). On the
// GPU the values are device doubles, doubled through the host in stream order.
const ops::CrossRankSum kHostDoublingSum = [](double* values, std::int64_t count) {
  for (std::int64_t i = 0; i < count; ++i) values[i] *= 2.0;
};
const ops::CrossRankSum kDeviceDoublingSum = [](double* values, std::int64_t count) {
  std::vector<double> host(static_cast<std::size_t>(count));
  const cudaStream_t stream = cuda::context().stream();
  SWAG_CUDA_CHECK(cudaMemcpyAsync(host.data(), values, sizeof(double) * host.size(),
                                  cudaMemcpyDeviceToHost, stream));
  cuda::context().synchronize();
  kHostDoublingSum(host.data(), count);
  SWAG_CUDA_CHECK(cudaMemcpyAsync(values, host.data(), sizeof(double) * host.size(),
                                  cudaMemcpyHostToDevice, stream));
  cuda::context().synchronize();  // `host` goes out of scope
};

TEST(BatchNormCuda, SyncBatchNormWithADoublingSumMatchesTheCpuBackend) {
  for (const BatchNormCase& p : {kCases[1], kCases[3]}) {
    ops::BatchNormDesc d, gd;
    d.rows = gd.rows = p.rows;
    d.channels = gd.channels = p.channels;
    d.relu = gd.relu = p.relu;
    d.sync = &kHostDoublingSum;
    gd.sync = &kDeviceDoublingSum;
    const std::int64_t c = p.channels;
    const Shape shape{p.rows, c};
    const Tensor x = random_tensor(shape, 37), dy = random_tensor(shape, 38);
    const Tensor gx = cuda::to_device(x), gdy = cuda::to_device(dy);
    const double tol = test::kFp32Tolerance;
    const std::string tag = std::string(" ") + p.name;

    ops::BatchNormState s = state(c, Device::cpu), gs = state(c, Device::cuda);
    Tensor y = Tensor::empty(shape), gy = test::device_garbage(shape);
    for (int step = 0; step < 2; ++step) {
      ops::batchnorm_forward_train(d, x, s, y);
      ops::batchnorm_forward_train(gd, gx, gs, gy);
    }
    test::expect_near("sync y" + tag, gy, y, tol);
    test::expect_near("sync save_invstd" + tag, gs.save_invstd, s.save_invstd, tol);
    test::expect_near("sync running_mean" + tag, gs.running_mean, s.running_mean, tol);
    test::expect_near("sync running_var" + tag, gs.running_var, s.running_var, tol);

    Tensor dx = Tensor::empty(shape), dgamma = Tensor::empty({c}), dbeta = Tensor::empty({c});
    Tensor gdx = test::device_garbage(shape), gdgamma = test::device_garbage({c}),
           gdbeta = test::device_garbage({c});
    ops::batchnorm_backward(d, x, dy, s, dx, dgamma, dbeta);
    ops::batchnorm_backward(gd, gx, gdy, gs, gdx, gdgamma, gdbeta);
    const Tensor norms = column_norms(dy, p.rows, c);
    test::expect_near("sync dx" + tag, gdx, dx, tol);
    test::expect_near("sync dgamma" + tag, gdgamma, dgamma, tol, &norms);
    test::expect_near("sync dbeta" + tag, gdbeta, dbeta, tol, &norms);
  }
}

// Mixed precision: x, y, dy, dx in T on both backends, from the same T inputs; training (two
// steps), backward (then again in place, for determinism) and eval, with the doubling sum of sync
// BN when `sync`.
template <class T>
void expect_mixed_parity(const BatchNormCase& p, bool sync) {
  ops::BatchNormDesc d, gd;
  d.rows = gd.rows = p.rows;
  d.channels = gd.channels = p.channels;
  d.relu = gd.relu = p.relu;
  if (sync) {
    d.sync = &kHostDoublingSum;
    gd.sync = &kDeviceDoublingSum;
  }
  const std::int64_t c = p.channels;
  const Shape shape{p.rows, c};
  const std::string tag = std::string(" ") + std::string(dtype_name(dtype_of<T>())) + " " + p.name +
                          (sync ? " sync" : "");
  Tensor x32 = random_tensor(shape, 34);
  for (std::int64_t i = 0; i < x32.numel(); ++i)
    x32.data<float>()[i] = x32.data<float>()[i] * (1.0f + static_cast<float>(i % c) / c) + 0.7f;
  const Tensor x = test::round_to(x32, dtype_of<T>()),
               dy = test::round_to(random_tensor(shape, 35), dtype_of<T>());
  const Tensor gx = cuda::to_device(x), gdy = cuda::to_device(dy);
  const double tol = test::kFp32Tolerance;

  ops::BatchNormState s = state(c, Device::cpu), gs = state(c, Device::cuda);
  Tensor y = Tensor::empty(shape, dtype_of<T>()), gy = test::device_garbage_as<T>(shape);
  for (int step = 0; step < 2; ++step) {
    ops::batchnorm_forward_train(d, x, s, y);
    ops::batchnorm_forward_train(gd, gx, gs, gy);
  }
  test::expect_near_as<T>("train y" + tag, gy, y, tol);
  test::expect_near("save_mean" + tag, gs.save_mean, s.save_mean, tol);
  test::expect_near("save_invstd" + tag, gs.save_invstd, s.save_invstd, tol);
  test::expect_near("running_mean" + tag, gs.running_mean, s.running_mean, tol);
  test::expect_near("running_var" + tag, gs.running_var, s.running_var, tol);

  Tensor dx = Tensor::empty(shape, dtype_of<T>()), dgamma = Tensor::empty({c}),
         dbeta = Tensor::empty({c});
  Tensor gdx = test::device_garbage_as<T>(shape), gdgamma = test::device_garbage({c}),
         gdbeta = test::device_garbage({c});
  ops::batchnorm_backward(d, x, dy, s, dx, dgamma, dbeta);
  ops::batchnorm_backward(gd, gx, gdy, gs, gdx, gdgamma, gdbeta);
  const Tensor norms = column_norms(test::widen(dy), p.rows, c);
  test::expect_near_as<T>("dx" + tag, gdx, dx, tol);
  test::expect_near("dgamma" + tag, gdgamma, dgamma, tol, &norms);
  test::expect_near("dbeta" + tag, gdbeta, dbeta, tol, &norms);

  Tensor gdx2 = cuda::to_device(dy), gdgamma2 = test::device_garbage({c}),
         gdbeta2 = test::device_garbage({c});
  ops::batchnorm_backward(gd, gx, gdx2, gs, gdx2, gdgamma2, gdbeta2);
  test::expect_bitwise_equal("dx (in place, again)" + tag, gdx2, gdx);
  test::expect_bitwise_equal("dgamma (again)" + tag, gdgamma2, gdgamma);
  test::expect_bitwise_equal("dbeta (again)" + tag, gdbeta2, gdbeta);

  Tensor ye = Tensor::empty(shape, dtype_of<T>()), gye = test::device_garbage_as<T>(shape);
  ops::batchnorm_forward_eval(d, x, s, ye);
  ops::batchnorm_forward_eval(gd, gx, gs, gye);
  test::expect_near_as<T>("eval y" + tag, gye, ye, tol);
}

TEST(BatchNormCuda, Bf16ActivationsMatchTheCpuBackend) {
  for (const BatchNormCase& p : kCases) expect_mixed_parity<bf16>(p, false);
  for (const BatchNormCase& p : {kCases[1], kCases[3]}) expect_mixed_parity<bf16>(p, true);
}

TEST(BatchNormCuda, F16ActivationsMatchTheCpuBackend) {
  for (const BatchNormCase& p : kCases) expect_mixed_parity<f16>(p, false);
  for (const BatchNormCase& p : {kCases[1], kCases[3]}) expect_mixed_parity<f16>(p, true);
}

}  // namespace
