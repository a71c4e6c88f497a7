#include "swag/ops/profile.hpp"

#include <algorithm>
#include <map>
#include <thread>

#include "swag/backends/gpu.hpp"
#include "swag/core/error.hpp"
#include "swag/ops/device.hpp"

namespace swag::ops::profile {
namespace {

struct GpuCall {
  const char* op;
  void* start;
  void* end;
};

struct Recorder {
  std::thread::id owner;
  int depth = 0;
  std::map<std::string, OpTime> cpu;
  std::vector<GpuCall> gpu;  // resolved by stop(), once the GPU is done
};

Recorder& recorder() {
  static Recorder r;
  return r;
}

}  // namespace

void start() {
  Recorder& r = recorder();
  r = Recorder{};
  r.owner = std::this_thread::get_id();
  detail::on.store(true, std::memory_order_release);
}

std::vector<OpTime> stop() {
  detail::on.store(false);
  Recorder& r = recorder();
  std::map<std::string, OpTime> totals = std::move(r.cpu);
  if (!r.gpu.empty()) synchronize(Device::cuda);
  for (const GpuCall& c : r.gpu) {
    OpTime& t = totals[c.op];
    ++t.calls;
    t.seconds += 1e-3 * gpu_backend::event_elapsed_ms(c.start, c.end);
    gpu_backend::event_destroy(c.start);
    gpu_backend::event_destroy(c.end);
  }
  r = Recorder{};
  std::vector<OpTime> out;
  for (auto& [op, t] : totals) {
    t.op = op;
    out.push_back(t);
  }
  std::sort(out.begin(), out.end(),
            [](const OpTime& a, const OpTime& b) { return a.seconds > b.seconds; });
  return out;
}

void Scope::begin(const char* op, bool gpu) {
  Recorder& r = recorder();
  if (std::this_thread::get_id() != r.owner) return;
  counted_ = true;
  if (r.depth++ > 0) return;
  timed_ = true;
  op_ = op;
  gpu_ = gpu;
  if (gpu_) {
    start_event_ = gpu_backend::timed_event_record();
    return;
  }
  start_ = std::chrono::steady_clock::now();
}

void Scope::end() {
  Recorder& r = recorder();
  --r.depth;
  if (!timed_) return;
  if (gpu_) {
    // A destructor must not throw: a failed record (a sticky error of an earlier kernel) drops
    // this call, and the error comes out of stop()'s synchronize.
    void* end_event = nullptr;
    try {
      end_event = gpu_backend::timed_event_record();
    } catch (const Error&) {
      gpu_backend::event_destroy(start_event_);
      return;
    }
    r.gpu.push_back({op_, start_event_, end_event});
    return;
  }
  OpTime& t = r.cpu[op_];
  ++t.calls;
  t.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

}  // namespace swag::ops::profile
