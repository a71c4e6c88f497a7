// Sync BN over MPI: batch-norm statistics summed over the ranks of a communicator, so every
// rank normalizes with the statistics of the global batch (fine-tuning, paper §4.1).
#pragma once
#include "swag/dist/communicator.hpp"
#include "swag/nn/model.hpp"

namespace swag::dist {

// Makes `model`'s batch norms synchronous over `comm` (which must outlive the model's use).
// With one rank it changes nothing.
inline void sync_batchnorm(nn::Model& model, const Communicator& comm) {
  if (comm.size() == 1) return;
  model.set_batchnorm_sync(
      [&comm](double* values, std::int64_t count) { comm.allreduce_sum(values, count); });
}

}  // namespace swag::dist
