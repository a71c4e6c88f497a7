// Sync BN: batch-norm statistics summed over the ranks of a communicator, so every rank
// normalizes with the statistics of the global batch (fine-tuning, paper §4.1), or of its group
// of ranks (bn.sync_group, Figure 4). Over MPI for a model on the host; over the GPUs'
// communicator (NCCL) for a model on the GPU (CUDA builds).
#pragma once
#include "swag/dist/communicator.hpp"
#include "swag/nn/model.hpp"

namespace swag::dist {

// bn.sync_group = n: the ranks that share batch-norm statistics, blocks of n consecutive ranks
// (0: all of them; 1: each rank alone). Collective; n must divide the ranks (else exit 3).
inline Communicator sync_group_communicator(const Communicator& comm, std::int64_t n) {
  if (n == 0) return comm;
  if (n < 0 || comm.size() % n != 0)
    fail(ExitCode::config, "bn.sync_group = {} does not divide the {} ranks", n, comm.size());
  return comm.blocks_of(static_cast<int>(n));
}

// Makes `model`'s batch norms synchronous over `comm` (which must outlive the model's use).
// With one rank it changes nothing. MPI sums host memory: the model must be on the host.
inline void sync_batchnorm(nn::Model& model, const Communicator& comm) {
  if (comm.size() == 1) return;
  if (model.params().flat_values().device() != Device::cpu)
    fail(ExitCode::usage,
         "sync BN over MPI needs a model on the host; for a GPU model, sync over NCCL "
         "(dist::sync_batchnorm(model, NcclCommunicator))");
  model.set_batchnorm_sync(
      [&comm](double* values, std::int64_t count) { comm.allreduce_sum(values, count); });
}

// Makes `model`'s batch norms (on the GPU) synchronous over `comm` (GpuCommunicator::
// cross_rank_sum: device doubles summed in order with the compute stream), which must outlive
// the model's use; with one rank, no change. In model_collectives.cpp.
void sync_batchnorm(nn::Model& model, const GpuCommunicator& comm);

}  // namespace swag::dist
