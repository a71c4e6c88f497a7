// The MPI communicator of a run: rank, size, and the collectives the trainer needs. MPI is the
// CPU transport; on GPUs, gradients will move over NCCL with the same interface.
#pragma once
#include <mpi.h>

#include <cstdint>

#include "swag/core/tensor.hpp"

namespace swag::dist {

class Communicator {
 public:
  // MPI_COMM_WORLD; MPI must be initialized.
  static Communicator world();

  int rank() const { return rank_; }
  int size() const { return size_; }
  MPI_Comm handle() const { return comm_; }

  void barrier() const;
  void broadcast(Tensor& t, int root = 0) const;  // host f32/i64 tensors
  void broadcast_bytes(void* data, std::size_t bytes, int root = 0) const;
  std::int64_t max(std::int64_t v) const;
  std::int64_t min(std::int64_t v) const;
  double sum(double v) const;
  // In-place sum of float32 values across ranks (blocking, or started here and finished by
  // MPI_Wait on the returned request).
  void allreduce_sum(float* data, std::int64_t count) const;
  void allreduce_sum(double* data, std::int64_t count) const;
  MPI_Request start_allreduce_sum(float* data, std::int64_t count) const;
  // Every rank's `count` floats, concatenated in rank order into recv (size() * count).
  void allgather(const float* send, std::int64_t count, float* recv) const;

 private:
  Communicator(MPI_Comm comm);
  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
};

}  // namespace swag::dist
