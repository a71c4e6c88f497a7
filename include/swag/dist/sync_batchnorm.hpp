// Sync BN: batch-norm statistics summed over the ranks of a communicator, so every rank
// normalizes with the statistics of the global batch (fine-tuning, paper §4.1), or of its group
// of ranks (bn.sync_group, Figure 4). Over MPI for a model on the host; over NCCL for a model on
// the GPU (CUDA builds).
#pragma once
#include "swag/dist/communicator.hpp"
#include "swag/nn/model.hpp"
#ifdef SWAG_WITH_CUDA
#include "swag/dist/nccl_communicator.hpp"
#endif

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

#ifdef SWAG_WITH_CUDA
// The cross-rank sum of sync BN over NCCL, for batch norms on the GPU: `values` are device
// doubles, summed on the communication stream, ordered after the work queued on the CUDA
// context's stream and before the work queued there afterwards. `comm` must outlive its use.
ops::CrossRankSum nccl_cross_rank_sum(const NcclCommunicator& comm);

// Makes `model`'s batch norms (on the GPU) synchronous over `comm`; with one rank, no change.
inline void sync_batchnorm(nn::Model& model, const NcclCommunicator& comm) {
  if (comm.size() == 1) return;
  model.set_batchnorm_sync(nccl_cross_rank_sum(comm));
}
#endif

}  // namespace swag::dist
