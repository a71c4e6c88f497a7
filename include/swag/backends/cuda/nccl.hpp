// The NCCL communicator of a GPU run: one GPU per rank, the GPU of the live cuda::Runtime; the
// CUDA backend's GpuCommunicator (dist/ makes it with make_gpu_communicator). Its collectives sum
// device buffers in place on a communication stream of its own, so that they overlap the compute
// stream's work; wait_for() and signal() order the two streams with events. Collectives must be
// issued in the same order on every rank. A watchdog thread ends the job when NCCL reports an
// asynchronous error (a rank or link gone), instead of leaving the host waiting on a collective
// forever (src/backends/cuda/nccl_watchdog.hpp).
#pragma once
#include <cuda_runtime.h>
#include <nccl.h>

#include <cstdint>
#include <memory>

#include "swag/backends/backend_ops.hpp"

namespace swag::cuda {

class NcclWatchdog;

class NcclCommunicator final : public GpuCommunicator {
 public:
  // Each of the `size` ranks passes the same id (unique_id() on one of them, sent by other
  // means) and its own rank. With size 1 it needs no other process at all. When a peer is lost,
  // the watchdog calls end_job (when given), then exits with ExitCode::failure.
  NcclCommunicator(const ncclUniqueId& id, int rank, int size, void (*end_job)() = nullptr);
  ~NcclCommunicator() override;
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  static ncclUniqueId unique_id();

  int rank() const { return rank_; }
  int size() const override { return size_; }
  ncclComm_t handle() const { return comm_; }
  cudaStream_t stream() const { return stream_; }

  // Work queued on the communication stream from now on waits for the work queued on
  // `producer` so far.
  void wait_for(cudaStream_t producer) const;
  // Work queued on `consumer` from now on waits for the work queued on the communication stream
  // so far.
  void signal(cudaStream_t consumer) const;
  // In-place sums over the ranks of device buffers, queued on the communication stream (the
  // caller orders them with wait_for and signal).
  void allreduce_sum(float* data, std::int64_t count) const;
  void allreduce_sum(double* data, std::int64_t count) const;
  // The same, ordered on `stream` as if it ran there: after the work queued on it so far, before
  // the work queued on it afterwards (it runs on the communication stream).
  void allreduce_sum_on(double* data, std::int64_t count, cudaStream_t stream) const;
  // Waits for the work queued on the communication stream.
  void synchronize() const;

  // GpuCommunicator, against the context's (compute) stream.
  void sum_after_compute(float* data, std::int64_t count) const override;
  void compute_waits_for_sums() const override;
  void drain() const noexcept override;
  ops::CrossRankSum cross_rank_sum() const override;
  // Ends the watchdog (collectively, through dist::ModelCollectives::finish_training, before the
  // ranks destroy their communicators).
  void stop_watchdog() override;

 private:
  void release() noexcept;

  int rank_ = 0, size_ = 1;
  ncclComm_t comm_ = nullptr;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t ready_ = nullptr, done_ = nullptr;  // reused: a wait captures the last record
  std::unique_ptr<NcclWatchdog> watchdog_;
};

}  // namespace swag::cuda
