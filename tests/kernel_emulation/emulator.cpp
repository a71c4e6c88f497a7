// The kernel emulator: runs a CUDA grid on the host, one block after another, each of a block's
// threads a fiber (ucontext) on this one host thread. A fiber runs until it finishes or waits
// at __syncthreads or a warp shuffle; the scheduler resumes the fibers in thread order, and
// releases a barrier once every thread it concerns waits there. This is one legal schedule of
// the kernel, deterministic, and strict where CUDA leaves behaviour undefined: a block barrier
// that some threads exited before, or a shuffle without all 32 lanes of its warp, fails the grid.
// SWAG_EMULATOR_SCHEDULE=reverse resumes the fibers in reverse thread order instead: a thread
// that reads another's shared memory without a barrier between sees the value written in one
// order and not in the other, so running the tests both ways exposes the race.
#include <fmt/format.h>
#include <ucontext.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "swag/backends/cuda/check.hpp"
#include "swag/backends/cuda/context.hpp"

namespace swag::emulation {
namespace {

constexpr std::size_t kWarp = 32;
constexpr std::size_t kNone = static_cast<std::size_t>(-1);  // no thread is running
constexpr std::size_t kStackBytes = 64 * 1024;

enum class Wait { none, block_barrier, warp_shuffle, done };

struct Fiber {
  ucontext_t context{};
  std::vector<char> stack = std::vector<char>(kStackBytes);
  dim3 index;
  Wait wait = Wait::none;
  std::uint64_t shuffles = 0;  // this thread's count, whose parity picks the slot array
};

// A warp's shuffle slots, two sets so that a fast lane's next shuffle cannot overwrite values
// that slower lanes have still to read.
using WarpSlots = std::array<std::array<std::uint64_t, kWarp>, 2>;

struct Block {
  ucontext_t scheduler{};
  const std::function<void()>* body = nullptr;
  std::vector<Fiber> fibers;  // grows to the largest block; stacks are reused
  std::vector<WarpSlots> warp_slots;
  std::size_t threads = 0;
  std::size_t current = kNone;
};

Block& block() {
  static Block b;
  return b;
}

std::string& failure() {  // the reason of the last failed grid, "" when none
  static std::string reason;
  return reason;
}
cudaError_t last_error = cudaSuccess;

// Whether fibers run in reverse thread order (SWAG_EMULATOR_SCHEDULE, read once).
bool reverse_schedule() {
  static const bool reverse = [] {
    const char* s = std::getenv("SWAG_EMULATOR_SCHEDULE");
    const std::string order = s ? s : "forward";
    if (order != "forward" && order != "reverse") {
      std::fprintf(stderr, "SWAG_EMULATOR_SCHEDULE must be forward or reverse, not '%s'\n", s);
      std::exit(2);
    }
    return order == "reverse";
  }();
  return reverse;
}

std::string name(const dim3& d) {
  return fmt::format("({},{},{})", d.x, d.y, d.z);
}

void thread_main() {
  Block& b = block();
  (*b.body)();
  b.fibers[b.current].wait = Wait::done;
  // Returning switches to uc_link, the scheduler.
}

// Back to the scheduler, waiting for `w`.
void wait_for(Wait w) {
  Block& b = block();
  if (b.current == kNone) std::abort();  // a device function called outside a grid
  Fiber& f = b.fibers[b.current];
  f.wait = w;
  swapcontext(&f.context, &b.scheduler);
}

// Releases the barriers whose threads all wait. Returns whether it released one; sets
// `error` when a barrier cannot ever complete.
bool release_barriers(Block& b, std::string& error) {
  bool released = false;
  std::size_t at_block = 0, done = 0;
  for (std::size_t t = 0; t < b.threads; ++t) {
    const Wait w = b.fibers[t].wait;
    at_block += w == Wait::block_barrier;
    done += w == Wait::done;
  }
  if (at_block > 0 && at_block + done == b.threads) {
    if (done > 0) {
      error = fmt::format(
          "{} threads wait at __syncthreads that {} threads of the block exited "
          "before",
          at_block, done);
      return false;
    }
    for (std::size_t t = 0; t < b.threads; ++t) b.fibers[t].wait = Wait::none;
    released = true;
  }
  for (std::size_t first = 0; first < b.threads; first += kWarp) {
    const std::size_t lanes = b.threads - first < kWarp ? b.threads - first : kWarp;
    std::size_t waiting = 0;
    for (std::size_t l = 0; l < lanes; ++l)
      waiting += b.fibers[first + l].wait == Wait::warp_shuffle;
    if (waiting == 0) continue;
    if (lanes < kWarp) {
      error = fmt::format(
          "a warp shuffle in a warp of {} threads (block size {} is not a "
          "multiple of 32)",
          lanes, b.threads);
      return false;
    }
    if (waiting < kWarp) continue;
    for (std::size_t l = 0; l < lanes; ++l) b.fibers[first + l].wait = Wait::none;
    released = true;
  }
  return released;
}

// Runs one block; returns "" or the reason it failed.
std::string run_block(Block& b) {
  for (std::size_t t = 0; t < b.threads; ++t) {
    Fiber& f = b.fibers[t];
    const auto tu = static_cast<unsigned>(t);
    f.index = dim3(tu % blockDim.x, tu / blockDim.x % blockDim.y, tu / (blockDim.x * blockDim.y));
    f.wait = Wait::none;
    f.shuffles = 0;
    getcontext(&f.context);
    f.context.uc_stack.ss_sp = f.stack.data();
    f.context.uc_stack.ss_size = f.stack.size();
    f.context.uc_link = &b.scheduler;
    makecontext(&f.context, thread_main, 0);
  }
  for (;;) {
    bool ran = false, all_done = true;
    for (std::size_t k = 0; k < b.threads; ++k) {
      const std::size_t t = reverse_schedule() ? b.threads - 1 - k : k;
      Fiber& f = b.fibers[t];
      if (f.wait == Wait::none) {
        b.current = t;
        threadIdx = f.index;
        swapcontext(&b.scheduler, &f.context);
        ran = true;
      }
      all_done = all_done && f.wait == Wait::done;
    }
    b.current = kNone;
    if (all_done) return "";
    std::string error;
    const bool released = release_barriers(b, error);
    if (!error.empty()) return error;
    if (!ran && !released)
      return "deadlock: threads wait at barriers that cannot complete (a __syncthreads in "
             "divergent code, or a shuffle that some lanes skip)";
  }
}

}  // namespace

void run_grid(dim3 grid, dim3 threads_per_block, const std::function<void()>& thread_body) {
  Block& b = block();
  if (b.current != kNone) std::abort();  // a launch from inside a kernel
  const std::size_t threads =
      std::size_t{threads_per_block.x} * threads_per_block.y * threads_per_block.z;
  if (threads < 1 || threads > 1024) {
    last_error = cudaErrorLaunchFailure;
    failure() = fmt::format("invalid block size {}", name(threads_per_block));
    return;
  }
  b.body = &thread_body;
  b.threads = threads;
  if (b.fibers.size() < threads) b.fibers.resize(threads);
  b.warp_slots.resize((threads + kWarp - 1) / kWarp);
  gridDim = grid;
  blockDim = threads_per_block;
  for (unsigned z = 0; z < grid.z; ++z)
    for (unsigned y = 0; y < grid.y; ++y)
      for (unsigned x = 0; x < grid.x; ++x) {
        blockIdx = dim3(x, y, z);
        const std::string error = run_block(b);
        if (!error.empty()) {
          last_error = cudaErrorLaunchFailure;
          failure() = fmt::format("block {} of grid {} x block {}: {}", name(blockIdx), name(grid),
                                  name(threads_per_block), error);
          return;
        }
      }
}

std::uint64_t shuffle_xor(unsigned mask, std::uint64_t bits, int lane_mask) {
  Block& b = block();
  if (mask != 0xffffffffu || lane_mask < 0 || lane_mask >= static_cast<int>(kWarp))
    std::abort();  // forms no kernel uses
  const std::size_t t = b.current, lane = t % kWarp;
  Fiber& f = b.fibers[t];
  auto& slot = b.warp_slots[t / kWarp][f.shuffles++ % 2];
  slot[lane] = bits;
  wait_for(Wait::warp_shuffle);
  return slot[lane ^ static_cast<std::size_t>(lane_mask)];
}

}  // namespace swag::emulation

void __syncthreads() {
  swag::emulation::wait_for(swag::emulation::Wait::block_barrier);
}

cudaError_t cudaGetLastError() {
  const cudaError_t e = swag::emulation::last_error;
  swag::emulation::last_error = cudaSuccess;
  return e;
}

const char* cudaGetErrorString(cudaError_t error) {
  switch (error) {
    case cudaSuccess: return "no error";
    case cudaErrorNoKernelImageForDevice: return "no kernel image is available for the device";
    case cudaErrorLaunchFailure: return swag::emulation::failure().c_str();
  }
  return "unknown error";
}

cudaError_t cudaMemcpyAsync(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind,
                            cudaStream_t) {
  std::memcpy(dst, src, bytes);
  return cudaSuccess;
}

cudaError_t cudaMemsetAsync(void* dst, int value, std::size_t bytes, cudaStream_t) {
  std::memset(dst, value, bytes);
  return cudaSuccess;
}

namespace swag::cuda {

void* Context::workspace(std::size_t bytes) {
  static std::vector<std::max_align_t> scratch;
  const std::size_t words = (bytes + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t);
  if (scratch.size() < words) scratch.resize(words);
  return scratch.data();
}

Context& context() {
  static Context c;
  return c;
}

}  // namespace swag::cuda
