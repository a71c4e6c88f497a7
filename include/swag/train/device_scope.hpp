// The device a run computes on (deck key run.device, or --device of the evaluation commands):
// the host, or one GPU per rank; and on a GPU, the arithmetic of its GEMM-like ops (run.math,
// ops/math_mode.hpp).
// A rank takes GPU (its index among the ranks of its node) mod (the GPUs the node shows), so
// `srun --ntasks-per-node=8 --gpus-per-node=8` gives each rank its own GPU.
#pragma once
#include <memory>
#include <string>

#include "swag/core/config.hpp"
#include "swag/core/tensor.hpp"
#include "swag/dist/communicator.hpp"

namespace swag::train {

// Where the choice came from, for the error messages: the deck (run.device, run.math; exit 3)
// or the command line (--device, --math; exit 2).
enum class ChoiceFrom { deck, command_line };

// run.precision (or --precision): fp32, bf16 or fp16, the type activations are stored in on
// either device (doc/mixed_precision.md); anything else, a GPU math mode other than fp32 with
// 16-bit storage (whose products are 16-bit already), or bf16 on a live GPU older than compute
// capability 8.0 (a V100: fp16 there) fails with the source's exit code.
DType parse_precision(const std::string& precision, const std::string& math, ChoiceFrom from);

class DeviceScope {
 public:
  // name: "cpu" or "cuda" (an error for anything else, or for cuda in a CPU-only build or on a
  // node without a GPU); math: fp32, or on cuda also tf32 or bf16. Holds the CUDA runtime for
  // as long as it lives.
  DeviceScope(const std::string& name, const std::string& math, const dist::Communicator& comm,
              ChoiceFrom from = ChoiceFrom::deck);
  // A training deck's choice: run.device and run.math as above, and run.deterministic: on a
  // GPU, whether its convolutions keep to deterministic algorithms (ops::set_gpu_deterministic);
  // the CPU is deterministic either way.
  DeviceScope(const Config& deck, const dist::Communicator& comm);
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

// A training deck's schema (pre-training, fine-tuning): `keys`, and the keys that choose the
// device and the numerics, those DeviceScope(deck, comm) and deck_precision read, and
// run.recompute_activations.
ConfigSchema with_device_keys(ConfigSchema keys);
// run.precision of a training deck, checked against its run.math (parse_precision).
DType deck_precision(const Config& deck);

}  // namespace swag::train
