// What a training step needs from the other ranks for its model: the bucketed gradient
// all-reduce started during backward, and sync BN when asked. Over MPI for a model on the host;
// over one GPU communicator (NCCL), shared by both, for a model on the GPU (CUDA builds), so
// that the two kinds of sums are issued on one communicator in one order on every rank.
#pragma once
#include <memory>

#include "swag/dist/communicator.hpp"
#include "swag/dist/gradient_allreduce.hpp"
#include "swag/nn/model.hpp"

namespace swag::dist {

class ModelCollectives {
 public:
  // Collective: every rank constructs it at once, after the model is allocated. Installs the
  // model's gradient-ready hook and, with sync_bn, its batch-norm sum over the blocks of
  // sync_group ranks (0: all ranks; sync_group_communicator); both use this object, so it must
  // live as long as the model trains.
  ModelCollectives(const Communicator& comm, nn::Model& model, bool sync_bn,
                   std::int64_t sync_group = 0, std::int64_t bucket_bytes = kDefaultBucketBytes);
  // After backward: the rest of the buckets, then the average over the ranks (on a GPU, queued
  // on the compute stream without waiting). Returns the seconds it took: on the host, how long
  // the step waited for gradient communication once backward had finished (doc/scaling.md).
  double finish_gradients();
  // Collective, once every rank has trained its last step: a GPU model's NCCL watchdog stops,
  // and no rank goes on (to destroy its communicator) before all have stopped theirs, so that
  // one rank's orderly exit cannot look like a lost peer to another's watchdog.
  void finish_training();

 private:
  Communicator comm_, bn_comm_;              // bn_comm_: the ranks sync BN sums over
  std::shared_ptr<GpuCommunicator> gpu_;     // a GPU model's; outlives allreduce_
  std::shared_ptr<GpuCommunicator> bn_gpu_;  // a GPU model's group of fewer ranks than all
  std::unique_ptr<GradientAllReduce> allreduce_;
};

}  // namespace swag::dist
