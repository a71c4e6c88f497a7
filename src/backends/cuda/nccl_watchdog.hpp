// Watches a NCCL communicator for asynchronous errors: a peer process or its network link gone.
// Without it, a rank whose host waits on a collective's result (a loss read back, a checkpoint)
// would block until the job's time limit. A thread asks NCCL once a second. An error it reports
// may also be a peer's orderly exit (a rank that destroyed its communicator first, at the end of
// a run or on a checkpointed stop), so the watchdog gives this rank a grace period to finish on
// its own; if it is still running then, the watchdog says so on stderr ("swag: error: [rank R]
// NCCL: ..."), aborts the communicator, which ends the local collectives, and ends the job: the
// end_job it was given (dist/'s MPI_Abort, so that every rank goes), then, if that returns or
// there is none, the process exits with ExitCode::failure.
#pragma once
#include <nccl.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace swag::cuda {

class NcclWatchdog {
 public:
  NcclWatchdog(ncclComm_t comm, int rank, void (*end_job)());
  // Stops the thread and waits for it: before the communicator is destroyed.
  ~NcclWatchdog();
  NcclWatchdog(const NcclWatchdog&) = delete;
  NcclWatchdog& operator=(const NcclWatchdog&) = delete;

 private:
  void watch(const std::stop_token& stop);

  ncclComm_t comm_;
  int rank_;
  void (*end_job_)();
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: started once the members it reads exist
};

}  // namespace swag::cuda
