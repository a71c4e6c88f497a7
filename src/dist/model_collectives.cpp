#include "swag/dist/model_collectives.hpp"

#include <chrono>

#include "swag/backends/gpu.hpp"
#include "swag/dist/sync_batchnorm.hpp"

namespace swag::dist {

ModelCollectives::ModelCollectives(const Communicator& comm, nn::Model& model, bool sync_bn,
                                   std::int64_t sync_group, std::int64_t bucket_bytes)
    : comm_(comm), bn_comm_(sync_group_communicator(comm, sync_bn ? sync_group : 0)) {
  if (model.device() == Device::cpu) {
    allreduce_ = std::make_unique<GradientAllReduce>(comm, model.params(), bucket_bytes);
    if (sync_bn) sync_batchnorm(model, bn_comm_);
  } else if (gpu_backend::kBuilt) {
    std::shared_ptr<GpuCommunicator> gpu = gpu_communicator(comm);
    allreduce_ = std::make_unique<GradientAllReduce>(*gpu, model.params(), bucket_bytes);
    // A group of fewer ranks sums over its own GPU communicator (blocks of one need none).
    if (sync_bn && bn_comm_.size() == comm.size()) sync_batchnorm(model, *gpu);
    if (sync_bn && bn_comm_.size() > 1 && bn_comm_.size() < comm.size()) {
      bn_gpu_ = gpu_communicator(bn_comm_);
      sync_batchnorm(model, *bn_gpu_);
    }
    gpu_ = std::move(gpu);
  }
  SWAG_CHECK(allreduce_, "a model on {} in a build without its backend",
             device_name(model.device()));
  model.set_gradient_ready_hook([this](int first) { allreduce_->ready_from(first); });
}

double ModelCollectives::finish_gradients() {
  const auto t0 = std::chrono::steady_clock::now();
  allreduce_->finish();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void ModelCollectives::finish_training() {
  if (!gpu_) return;
  gpu_->stop_watchdog();
  if (bn_gpu_) bn_gpu_->stop_watchdog();
  comm_.barrier();
}

void sync_batchnorm(nn::Model& model, const GpuCommunicator& comm) {
  if (comm.size() == 1) return;
  model.set_batchnorm_sync(comm.cross_rank_sum());
}

}  // namespace swag::dist
