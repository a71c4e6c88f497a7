// Time per op (`swag bench --profile`): while profiling is on, every backend call made through
// SWAG_BACKEND_CALL (ops/dispatch.hpp) is timed, by the host clock around a CPU op (done when
// it returns) and by CUDA events around a GPU op (the GPU's time, read when profiling stops).
// Only the outermost op call is timed, and only on the thread that started profiling (the
// step's), so the times are disjoint parts of the steps: they add up to at most their wall time,
// and the rest is work outside the ops (copies, fills, host code) or, on a GPU, time the GPU
// waited for the host.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace swag::ops::profile {

struct OpTime {
  std::string op;  // the backend function, e.g. conv2d_backward
  std::int64_t calls = 0;
  double seconds = 0.0;
};

// Clears what was recorded and starts timing the calling thread's op calls.
void start();
// Waits for the GPU's queued work, stops timing and returns each op's calls and time, the
// largest time first.
std::vector<OpTime> stop();

namespace detail {
inline std::atomic<bool> on{false};
}

// Times one op call from its construction to its destruction, when profiling is on.
class Scope {
 public:
  Scope(const char* op, bool gpu) {
    if (detail::on.load(std::memory_order_acquire)) begin(op, gpu);
  }
  ~Scope() {
    if (counted_) end();
  }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  void begin(const char* op, bool gpu);
  void end();

  const char* op_ = nullptr;
  bool counted_ = false;  // on the profiled thread: holds a level of nesting
  bool timed_ = false;    // the outermost call
  bool gpu_ = false;
  void* start_event_ = nullptr;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace swag::ops::profile
