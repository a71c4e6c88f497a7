#include "swag/dist/model_collectives.hpp"

#include "swag/dist/sync_batchnorm.hpp"
#ifdef SWAG_WITH_CUDA
#include "swag/dist/nccl_communicator.hpp"
#endif

namespace swag::dist {

ModelCollectives::ModelCollectives(const Communicator& comm, nn::Model& model, bool sync_bn)
    : comm_(comm) {
  if (model.device() == Device::cpu) {
    allreduce_ = std::make_unique<GradientAllReduce>(comm, model.params());
    if (sync_bn) sync_batchnorm(model, comm);
  } else {
#ifdef SWAG_WITH_CUDA
    auto nccl = std::make_shared<NcclCommunicator>(comm);
    allreduce_ = std::make_unique<GradientAllReduce>(*nccl, model.params());
    if (sync_bn) sync_batchnorm(model, *nccl);
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
  comm_.barrier();
#endif
}

}  // namespace swag::dist
