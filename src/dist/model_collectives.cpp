#include "swag/dist/model_collectives.hpp"

#include "swag/dist/sync_batchnorm.hpp"
#ifdef SWAG_WITH_CUDA
#include "swag/dist/nccl_communicator.hpp"
#endif

namespace swag::dist {

ModelCollectives::ModelCollectives(const Communicator& comm, nn::Model& model, bool sync_bn,
                                   std::int64_t sync_group)
    : comm_(comm), bn_comm_(sync_group_communicator(comm, sync_bn ? sync_group : 0)) {
  if (model.device() == Device::cpu) {
    allreduce_ = std::make_unique<GradientAllReduce>(comm, model.params());
    if (sync_bn) sync_batchnorm(model, bn_comm_);
  } else {
#ifdef SWAG_WITH_CUDA
    auto nccl = std::make_shared<NcclCommunicator>(comm);
    allreduce_ = std::make_unique<GradientAllReduce>(*nccl, model.params());
    // A group of fewer ranks sums over its own NCCL communicator (blocks of one need none).
    if (sync_bn && bn_comm_.size() == comm.size()) sync_batchnorm(model, *nccl);
    if (sync_bn && bn_comm_.size() > 1 && bn_comm_.size() < comm.size()) {
      bn_nccl_ = std::make_shared<NcclCommunicator>(bn_comm_);
      sync_batchnorm(model, *bn_nccl_);
    }
    nccl_ = std::move(nccl);
#endif
  }
  SWAG_CHECK(allreduce_, "a model on {} in a build without its backend",
             device_name(model.device()));
  model.set_gradient_ready_hook([this](int first) { allreduce_->ready_from(first); });
}

void ModelCollectives::finish_training() {
#ifdef SWAG_WITH_CUDA
  if (!nccl_) return;
  nccl_->stop_watchdog();
  if (bn_nccl_) bn_nccl_->stop_watchdog();
  comm_.barrier();
#endif
}

}  // namespace swag::dist
