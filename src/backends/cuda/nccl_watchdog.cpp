#include "nccl_watchdog.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "swag/core/error.hpp"

namespace swag::cuda {
namespace {

constexpr auto kPollInterval = std::chrono::seconds(1);
// Long enough for a rank whose peers have exited in order to write its checkpoint and exit too.
constexpr auto kGrace = std::chrono::seconds(30);

}  // namespace

NcclWatchdog::NcclWatchdog(ncclComm_t comm, int rank, void (*end_job)())
    : comm_(comm),
      rank_(rank),
      end_job_(end_job),
      thread_([this](const std::stop_token& stop) { watch(stop); }) {}

NcclWatchdog::~NcclWatchdog() {
  thread_.request_stop();  // wakes the wait below at once
  if (thread_.joinable()) thread_.join();
}

void NcclWatchdog::watch(const std::stop_token& stop) {
  std::unique_lock lock(mutex_);
  const auto stopped = [&] { return stop.stop_requested(); };
  while (!wake_.wait_for(lock, stop, kPollInterval, stopped)) {
    ncclResult_t state = ncclSuccess;
    if (ncclCommGetAsyncError(comm_, &state) != ncclSuccess) continue;
    if (state == ncclSuccess || state == ncclInProgress) continue;
    if (wake_.wait_for(lock, stop, kGrace, stopped)) return;  // this rank finished meanwhile
    const char* why = ncclGetLastError(comm_);
    std::fprintf(stderr,
                 "swag: error: [rank %d] NCCL: asynchronous error %s%s%s (a rank or its network "
                 "link failed); aborting the job\n",
                 rank_, ncclGetErrorString(state), why && *why ? ": " : "", why ? why : "");
    std::fflush(stderr);
    ncclCommAbort(comm_);
    if (end_job_) end_job_();
    std::_Exit(static_cast<int>(ExitCode::failure));
  }
}

}  // namespace swag::cuda
