// The device a run computes on (deck key run.device, or --device of the evaluation commands):
// the host, or one GPU per rank; and the arithmetic of its GEMM-like ops (run.math,
// ops/math_mode.hpp).
// A rank takes GPU (its index among the ranks of its node) mod (the GPUs the node shows), so
// `srun --ntasks-per-node=8 --gpus-per-node=8` gives each rank its own GPU.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "swag/core/config.hpp"
#include "swag/core/tensor.hpp"
#include "swag/dist/communicator.hpp"

namespace swag::train {

// A training deck's [run] keys that choose the device and the numerics (with_device_keys).
struct DeviceKeys {
  std::string device, math, precision;
  bool recompute_activations = false, deterministic = true;
};
// A training deck's [run] section.
struct RunKeys : DeviceKeys {
  std::string dir;
  std::int64_t seed = 0, stop_at_step = 0;
};

// Where the choice came from, for the error messages: the deck (run.device, run.math; exit 3)
// or the command line (--device, --math; exit 2).
enum class ChoiceFrom { deck, command_line };

// run.precision (or --precision): fp32, bf16 or fp16, the type activations are stored in on
// either device (doc/mixed_precision.md); anything else, a GPU math mode other than fp32 with
// 16-bit storage (whose products are 16-bit already), or bf16 on a live GPU older than compute
// capability 8.0 (a V100: fp16 there) fails with the source's exit code.
DType parse_precision(const std::string& precision, const std::string& math, ChoiceFrom from);

// run.math (or --math) on the CPU: fp32, or bf16 where the CPU has bf16 instructions
// (ops::cpu_bf16_missing); tf32, bf16 on a CPU without them, or an unknown mode fails with the
// source's exit code. Sets the process's math mode (ops::set_math_mode).
void set_cpu_math(const std::string& math, ChoiceFrom from);

class DeviceScope {
 public:
  // name: "cpu" or "cuda" (an error for anything else, or for cuda in a CPU-only build or on a
  // node without a GPU); math: fp32 or bf16 (set_cpu_math on the CPU), or on cuda also tf32.
  // Holds the CUDA runtime for as long as it lives.
  DeviceScope(const std::string& name, const std::string& math, const dist::Communicator& comm,
              ChoiceFrom from = ChoiceFrom::deck);
  // A training deck's choice: run.device and run.math as above, and run.deterministic: on a
  // GPU, whether its convolutions keep to deterministic algorithms (ops::set_gpu_deterministic);
  // the CPU is deterministic either way.
  DeviceScope(const DeviceKeys& deck, const dist::Communicator& comm);
  Device device() const { return device_; }

 private:
  Device device_ = Device::cpu;
  std::shared_ptr<void> runtime_;
};

// At the start of a command that computes (pretrain, finetune, eval), one line: "rank R: N CPUs
// in affinity mask (0-3), T compute threads, W loader workers" (rank 0's, or every rank's with
// SWAG_LOG_ALL_RANKS=1). Compute threads are cpu::Runtime's (--threads, OMP_NUM_THREADS, else
// one per CPU of the mask); the workers are as given (`workers_key`: data.workers, --workers),
// since batches do not depend on them, with a warning (where the line shows) when they alone
// outnumber the mask's CPUs.
void report_cpus(const dist::Communicator& comm, int loader_workers,
                 const std::string& workers_key);

// A training deck's schema (pre-training, fine-tuning): `keys`, and the DeviceKeys, which
// DeviceScope(deck, comm) and deck_precision read. Deck::run is a RunKeys.
template <class Deck>
std::vector<DeckKey<Deck>> with_device_keys(std::vector<DeckKey<Deck>> keys) {
  keys.insert(
      keys.end(),
      {
          SWAG_DECK_KEY(Deck, run.device, "cpu",
                        "cpu, or cuda: one GPU per rank (the cuda preset)"),
          SWAG_DECK_KEY(Deck, run.math, "fp32",
                        "products of convolutions, linear layers, attention: fp32, bf16 "
                        "(fp32 sums; on the CPU with avx512_bf16 or AMX) or tf32 (GPU)"),
          SWAG_DECK_KEY(Deck, run.precision, "fp32",
                        "activation storage: fp32, bf16 or fp16 (fp32 master weights; "
                        "doc/mixed_precision.md)"),
          SWAG_DECK_KEY(Deck, run.recompute_activations, false,
                        "keep only each block's output; backward recomputes the rest "
                        "(doc/memory.md)"),
          SWAG_DECK_KEY(Deck, run.deterministic, true,
                        "GPU: deterministic cuDNN convolutions only (a resumed run is bitwise an "
                        "uninterrupted one); false: any, in cuDNN's order (doc/gpu.md)"),
      });
  return keys;
}
// run.precision of a training deck, checked against its run.math (parse_precision).
DType deck_precision(const DeviceKeys& deck);

}  // namespace swag::train
