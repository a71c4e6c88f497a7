// The MPI communicator of a run: rank, size, and the collectives the trainer needs. MPI is the
// CPU transport; on GPUs, gradients will move over NCCL with the same interface.
//
// Without MPI (SWAG_NO_MPI=1, doc/cli.md) the communicator is solo: rank 0 of 1, and no method
// calls MPI (a collective over one rank is the identity or nothing).
#pragma once
#include <mpi.h>

#include <cstdint>
#include <memory>
#include <string>

#include "swag/core/tensor.hpp"

namespace swag {
class GpuCommunicator;  // swag/backends/backend_ops.hpp
}

namespace swag::dist {

// The first line of MPI_Get_library_version, e.g. "Open MPI v4.1.4, package: Debian OpenMPI,
// ...": the MPI library this process runs with. Callable before MPI_Init and without MPI.
std::string mpi_library_version();

class Communicator {
 public:
  // MPI_COMM_WORLD when MPI is initialized, else solo().
  static Communicator world();
  // Rank 0 of 1 without MPI.
  static Communicator solo();

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_solo() const { return comm_ == MPI_COMM_NULL; }
  // MPI_COMM_NULL when solo.
  MPI_Comm handle() const { return comm_; }
  // The rank's index among the ranks that share its node (0 when solo).
  int node_local_rank() const;

  void barrier() const;
  void broadcast(Tensor& t, int root = 0) const;  // host f32/i64 tensors
  void broadcast_bytes(void* data, std::size_t bytes, int root = 0) const;
  std::int64_t max(std::int64_t v) const;
  std::int64_t min(std::int64_t v) const;
  double sum(double v) const;
  // In-place sum of float32 values across ranks (blocking, or started here and finished by
  // MPI_Wait on the returned request; solo: MPI_REQUEST_NULL, nothing to wait for).
  void allreduce_sum(float* data, std::int64_t count) const;
  void allreduce_sum(double* data, std::int64_t count) const;
  MPI_Request start_allreduce_sum(float* data, std::int64_t count) const;
  // Every rank's `count` floats, concatenated in rank order into recv (size() * count).
  void allgather(const float* send, std::int64_t count, float* recv) const;
  // Collective: the ranks [g*n, (g+1)*n) of this one's block g, as a communicator of their own
  // (freed with its last copy). n must divide size(); n = size() gives a copy of this one.
  Communicator blocks_of(int n) const;

 private:
  struct Owned;              // a communicator this object made, and frees
  Communicator() = default;  // solo
  explicit Communicator(MPI_Comm comm);
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1;
  std::shared_ptr<const Owned> owned_;
};

// Collective over the ranks of `comm` (all must call it at once): their GPUs' communicator
// (NCCL in the CUDA backend), rank 0 drawing its id and sending it to the others. When a peer
// is lost, its watchdog ends the job with MPI_Abort, so that every rank goes. Fails with
// ExitCode::usage in a build without a GPU backend.
std::shared_ptr<GpuCommunicator> gpu_communicator(const Communicator& comm);

}  // namespace swag::dist
