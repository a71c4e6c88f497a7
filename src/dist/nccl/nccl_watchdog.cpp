#include "nccl_watchdog.hpp"

#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "swag/core/error.hpp"

namespace swag::dist {
namespace {

constexpr auto kPollInterval = std::chrono::seconds(1);
// Long enough for a rank whose peers have exited in order to write its checkpoint and exit too.
constexpr auto kGrace = std::chrono::seconds(30);

[[noreturn]] void end_job() {
  const int code = static_cast<int>(ExitCode::failure);
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  // From this thread MPI_Abort goes beyond MPI_THREAD_SINGLE's promise, but a job that would
  // hang otherwise is where MPI's implementations make it work.
  if (initialized && !finalized) MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

}  // namespace

NcclWatchdog::NcclWatchdog(ncclComm_t comm, int rank)
    : comm_(comm), rank_(rank), thread_([this](const std::stop_token& stop) { watch(stop); }) {}

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
    end_job();
  }
}

}  // namespace swag::dist
