// NCCL on one GPU, without MPI (the GPU machine has no launcher): a one-rank communicator made
// from a locally drawn unique id. With one rank every sum is the identity, so these tests show
// that the NCCL calls, the stream ordering and the sync-BN plumbing run and leave the values
// alone; sums over several ranks are left to multi-GPU runs.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "parity.hpp"
#include "swag/backends/cuda/check.hpp"
#include "swag/backends/cuda/context.hpp"
#include "swag/backends/cuda/nccl.hpp"
#include "swag/dist/gradient_allreduce.hpp"
#include "swag/nn/model.hpp"
#include "swag/ops/batchnorm.hpp"
#include "swag/ops/optimizer_update.hpp"

using namespace swag;
using swag::test::column_norms;
using swag::test::random_tensor;

namespace {

cuda::NcclCommunicator one_rank() {
  return {cuda::NcclCommunicator::unique_id(), 0, 1};
}

// count doubles between the host and the device, ordered on the context stream.
void put(const std::vector<double>& host, double* device) {
  SWAG_CUDA_CHECK(cudaMemcpyAsync(device, host.data(), sizeof(double) * host.size(),
                                  cudaMemcpyHostToDevice, cuda::context().stream()));
}
std::vector<double> get(const double* device, std::size_t count) {
  std::vector<double> host(count);
  SWAG_CUDA_CHECK(cudaMemcpyAsync(host.data(), device, sizeof(double) * count,
                                  cudaMemcpyDeviceToHost, cuda::context().stream()));
  cuda::context().synchronize();
  return host;
}

TEST(NcclCommunicator, OneRankAllReduceIsTheIdentity) {
  const cuda::NcclCommunicator nccl = one_rank();
  EXPECT_EQ(nccl.rank(), 0);
  EXPECT_EQ(nccl.size(), 1);
  const cudaStream_t compute = cuda::context().stream();

  // f32 on the communication stream, ordered by hand.
  const std::int64_t n = 1'000'003;
  const Tensor x = random_tensor({n}, 90);
  Tensor gx = cuda::to_device(x);
  nccl.wait_for(compute);
  nccl.allreduce_sum(gx.data<float>(), n);
  nccl.signal(compute);
  test::expect_near("f32 all-reduce", gx, x, 0.0);

  // f64, ordered on the compute stream.
  std::vector<double> values(4099);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = std::ldexp(1.0 + i, -40) + i;
  Tensor storage =
      Tensor::empty({2 * static_cast<std::int64_t>(values.size())}, DType::f32, Device::cuda);
  auto* device = static_cast<double*>(storage.raw());
  put(values, device);
  nccl.allreduce_sum_on(device, static_cast<std::int64_t>(values.size()), compute);
  EXPECT_EQ(get(device, values.size()), values);
  nccl.synchronize();
}

// A store with the parameters of regnety_test (names, shapes, alignment padding) on the GPU.
nn::ParameterStore model_like_store() {
  auto model = nn::create_model("regnety_test", {2, 16, 3});
  model->allocate(1);
  nn::ParameterStore s(true);
  for (const auto& e : model->params().entries()) s.add(e.name, e.shape, e.init, e.weight_decay);
  s.allocate(Device::cuda);
  return s;
}

// With one rank the sums are identities, so this shows that the buckets cover every gradient,
// leave it unchanged and hand the compute stream the result; their order against backward needs
// two ranks, and is tested through the MPI transport on CPU ranks (tests/dist).
TEST(GradientAllReduceNccl, OneRankLeavesGradientsUnchanged) {
  const cuda::NcclCommunicator nccl = one_rank();
  nn::ParameterStore s = model_like_store();
  dist::GradientAllReduce ar(nccl, s, 4096);  // 1024 floats a bucket
  ASSERT_GE(ar.buckets(), 3u);
  const auto& entries = s.entries();
  Tensor grads = s.flat_grads();
  for (int step = 0; step < 2; ++step) {
    // The final gradients; before backward, NaN where parameters are (zero in the padding).
    Tensor expected = Tensor::zeros({s.size()}), before = Tensor::zeros({s.size()});
    const Tensor values = random_tensor({s.size()}, 91 + static_cast<std::uint64_t>(step));
    for (const auto& e : entries)
      for (std::int64_t i = e.offset; i < e.offset + shape_numel(e.shape); ++i) {
        expected.data<float>()[i] = values.data<float>()[i];
        before.data<float>()[i] = std::nanf("");
      }
    cuda::copy(before, grads);
    // Backward: gradients produced on the compute stream from the last parameter to the first,
    // each bucket started as soon as its parameters are final.
    for (int p = static_cast<int>(entries.size()) - 1; p >= 0; --p) {
      const auto& e = entries[static_cast<std::size_t>(p)];
      const Tensor from = Tensor::view(expected.data<float>() + e.offset, {shape_numel(e.shape)});
      Tensor to = Tensor::view(grads.data<float>() + e.offset, {shape_numel(e.shape)}, DType::f32,
                               Device::cuda);
      cuda::copy(from, to);
      ar.ready_from(p);
    }
    ar.finish();
    // Queued after finish() on the compute stream: it must see the summed gradients.
    ops::scale(grads, 2.0f);
    ops::scale(expected, 2.0f);
    test::expect_near("gradients after all-reduce, step " + std::to_string(step), grads, expected,
                      0.0);
  }
}

TEST(GradientAllReduceNccl, RefusesHostGradients) {
  const cuda::NcclCommunicator nccl = one_rank();
  nn::ParameterStore s(true);
  s.add("w", {10}, nn::Init::constant_value(0.0f));
  s.allocate();
  EXPECT_THROW(dist::GradientAllReduce(nccl, s), Error);
}

ops::BatchNormState bn_state(std::int64_t c, Device device) {
  const auto put_on = [device](const Tensor& t) {
    return device == Device::cuda ? cuda::to_device(t) : t;
  };
  ops::BatchNormState s;
  s.gamma = put_on(random_tensor({c}, 95));
  s.beta = put_on(random_tensor({c}, 96));
  s.running_mean = put_on(random_tensor({c}, 97));
  Tensor var = random_tensor({c}, 100);
  for (std::int64_t j = 0; j < c; ++j) var.data<float>()[j] = 1.0f + 0.5f * var.data<float>()[j];
  s.running_var = put_on(var);
  s.save_mean = Tensor::empty({c}, DType::f32, device);
  s.save_invstd = Tensor::empty({c}, DType::f32, device);
  return s;
}

struct BnResult {
  Tensor y, dx, dgamma, dbeta;
  ops::BatchNormState s;
};

BnResult run_bn(const ops::BatchNormDesc& d, const Tensor& x, const Tensor& dy, Device device) {
  const Shape shape{d.rows, d.channels};
  BnResult r{Tensor::empty(shape, DType::f32, device), Tensor::empty(shape, DType::f32, device),
             Tensor::empty({d.channels}, DType::f32, device),
             Tensor::empty({d.channels}, DType::f32, device), bn_state(d.channels, device)};
  for (int step = 0; step < 2; ++step) ops::batchnorm_forward_train(d, x, r.s, r.y);
  ops::batchnorm_backward(d, x, dy, r.s, r.dx, r.dgamma, r.dbeta);
  return r;
}

TEST(SyncBatchNormNccl, OneRankEqualsUnsyncedCudaAndTheCpu) {
  const cuda::NcclCommunicator nccl = one_rank();
  const ops::CrossRankSum sum = nccl.cross_rank_sum();
  for (const bool relu : {false, true}) {
    ops::BatchNormDesc d;
    d.rows = 3000;
    d.channels = 45;
    d.relu = relu;
    const Tensor x = random_tensor({d.rows, d.channels}, 98);
    const Tensor dy = random_tensor({d.rows, d.channels}, 99);
    const Tensor gx = cuda::to_device(x), gdy = cuda::to_device(dy);
    const BnResult cpu = run_bn(d, x, dy, Device::cpu);
    const BnResult plain = run_bn(d, gx, gdy, Device::cuda);
    d.sync = &sum;
    const BnResult synced = run_bn(d, gx, gdy, Device::cuda);
    const std::string tag = relu ? " (relu)" : "";
    // A one-rank sum leaves the double sums as they are: the same bits as without sync.
    test::expect_bitwise_equal("y" + tag, synced.y, plain.y);
    test::expect_bitwise_equal("save_mean" + tag, synced.s.save_mean, plain.s.save_mean);
    test::expect_bitwise_equal("save_invstd" + tag, synced.s.save_invstd, plain.s.save_invstd);
    test::expect_bitwise_equal("running_var" + tag, synced.s.running_var, plain.s.running_var);
    test::expect_bitwise_equal("dx" + tag, synced.dx, plain.dx);
    test::expect_bitwise_equal("dgamma" + tag, synced.dgamma, plain.dgamma);
    test::expect_bitwise_equal("dbeta" + tag, synced.dbeta, plain.dbeta);
    const double tol = test::kFp32Tolerance;
    const Tensor norms = column_norms(dy, d.rows, d.channels);
    test::expect_near("y vs cpu" + tag, synced.y, cpu.y, tol);
    test::expect_near("running_mean vs cpu" + tag, synced.s.running_mean, cpu.s.running_mean, tol);
    test::expect_near("running_var vs cpu" + tag, synced.s.running_var, cpu.s.running_var, tol);
    test::expect_near("dx vs cpu" + tag, synced.dx, cpu.dx, tol);
    test::expect_near("dgamma vs cpu" + tag, synced.dgamma, cpu.dgamma, tol, &norms);
    test::expect_near("dbeta vs cpu" + tag, synced.dbeta, cpu.dbeta, tol, &norms);
  }
}

}  // namespace
