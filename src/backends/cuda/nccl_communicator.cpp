// The NCCL communicator (swag/backends/cuda/nccl.hpp) and the CUDA backend's factory of
// GpuCommunicators.
#include <cstring>
#include <memory>
#include <string_view>

#include "nccl_check.hpp"
#include "nccl_watchdog.hpp"
#include "swag/backends/cuda/context.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/backends/cuda/nccl.hpp"
#include "swag/core/error.hpp"

namespace swag::cuda::detail {

void call_failed(ncclResult_t s, const char* call, const char* file, int line) {
  const std::string_view c(call);
  // ncclGetLastError keeps the reason of the last failure (which peer, which transport).
  const char* last = ncclGetLastError(nullptr);
  fail(ExitCode::failure, "{}:{}: {} failed: NCCL error {} ({}){}{}", file, line,
       c.substr(0, c.find('(')), static_cast<int>(s), ncclGetErrorString(s),
       last && *last ? ": " : "", last ? last : "");
}

}  // namespace swag::cuda::detail

namespace swag::cuda {

static_assert(sizeof(ncclUniqueId) == sizeof(GpuCommunicatorId));

NcclCommunicator::NcclCommunicator(const ncclUniqueId& id, int rank, int size, void (*end_job)())
    : rank_(rank), size_(size) {
  SWAG_CHECK(size >= 1 && rank >= 0 && rank < size, "NCCL rank {} of {}", rank, size);
  try {
    // The communicator is bound to the current device: the context's.
    SWAG_CUDA_CHECK(cudaSetDevice(context().device()));
    SWAG_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    SWAG_CUDA_CHECK(cudaEventCreateWithFlags(&ready_, cudaEventDisableTiming));
    SWAG_CUDA_CHECK(cudaEventCreateWithFlags(&done_, cudaEventDisableTiming));
    SWAG_CUDA_CHECK(ncclCommInitRank(&comm_, size_, id, rank_));
    watchdog_ = std::make_unique<NcclWatchdog>(comm_, rank_, end_job);
  } catch (...) {
    release();
    throw;
  }
}

ncclUniqueId NcclCommunicator::unique_id() {
  ncclUniqueId id{};
  SWAG_CUDA_CHECK(ncclGetUniqueId(&id));
  return id;
}

// Destructors must not throw: statuses are ignored, as in cuda::Context.
void NcclCommunicator::release() noexcept {
  if (stream_) cudaStreamSynchronize(stream_);  // still watched: a lost peer ends the job
  watchdog_.reset();                            // before the communicator it watches
  if (comm_) ncclCommDestroy(comm_);
  if (done_) cudaEventDestroy(done_);
  if (ready_) cudaEventDestroy(ready_);
  if (stream_) cudaStreamDestroy(stream_);
  comm_ = nullptr;
  stream_ = nullptr;
  ready_ = done_ = nullptr;
}

NcclCommunicator::~NcclCommunicator() {
  release();
}

void NcclCommunicator::wait_for(cudaStream_t producer) const {
  SWAG_CUDA_CHECK(cudaEventRecord(ready_, producer));
  SWAG_CUDA_CHECK(cudaStreamWaitEvent(stream_, ready_, 0));
}

void NcclCommunicator::signal(cudaStream_t consumer) const {
  SWAG_CUDA_CHECK(cudaEventRecord(done_, stream_));
  SWAG_CUDA_CHECK(cudaStreamWaitEvent(consumer, done_, 0));
}

void NcclCommunicator::allreduce_sum(float* data, std::int64_t count) const {
  if (count <= 0) return;
  SWAG_CUDA_CHECK(ncclAllReduce(data, data, static_cast<std::size_t>(count), ncclFloat32, ncclSum,
                                comm_, stream_));
}

void NcclCommunicator::allreduce_sum(double* data, std::int64_t count) const {
  if (count <= 0) return;
  SWAG_CUDA_CHECK(ncclAllReduce(data, data, static_cast<std::size_t>(count), ncclFloat64, ncclSum,
                                comm_, stream_));
}

void NcclCommunicator::allreduce_sum_on(double* data, std::int64_t count,
                                        cudaStream_t stream) const {
  wait_for(stream);
  allreduce_sum(data, count);
  signal(stream);
}

void NcclCommunicator::stop_watchdog() {
  synchronize();
  watchdog_.reset();
}

void NcclCommunicator::synchronize() const {
  SWAG_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

void NcclCommunicator::sum_after_compute(float* data, std::int64_t count) const {
  wait_for(context().stream());
  allreduce_sum(data, count);
}

void NcclCommunicator::compute_waits_for_sums() const {
  signal(context().stream());
}

void NcclCommunicator::drain() const noexcept {
  cudaStreamSynchronize(stream_);
}

ops::CrossRankSum NcclCommunicator::cross_rank_sum() const {
  return [this](double* values, std::int64_t count) {
    allreduce_sum_on(values, count, context().stream());
  };
}

GpuCommunicatorId gpu_communicator_id() {
  const ncclUniqueId nccl = NcclCommunicator::unique_id();
  GpuCommunicatorId id{};
  std::memcpy(id.data(), &nccl, sizeof nccl);
  return id;
}

std::shared_ptr<GpuCommunicator> make_gpu_communicator(const GpuCommunicatorId& id, int rank,
                                                       int size, void (*end_job)()) {
  ncclUniqueId nccl{};
  std::memcpy(&nccl, id.data(), sizeof nccl);
  return std::make_shared<NcclCommunicator>(nccl, rank, size, end_job);
}

}  // namespace swag::cuda
