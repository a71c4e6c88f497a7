// The CPU execution context: initializes Kokkos (host execution space) and sets the number of
// threads oneDNN and OpenMP use. One per process, for the life of main().
#pragma once
#include <string>

namespace swag::cpu {

// The CPUs this process may run on (sched_getaffinity): how many, and which, as a list such as
// "0-3,8". A Slurm task or an mpirun rank bound to cores sees its own share of the node here.
struct Affinity {
  int cpus = 0;
  std::string list;
};
Affinity affinity();

class Runtime {
 public:
  // threads > 0: that many compute threads; 0: OMP_NUM_THREADS when it is set, else one per CPU
  // in the affinity mask (not the node's core count).
  explicit Runtime(int threads = 0);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  static void set_threads(int threads);
  static int threads();
};

}  // namespace swag::cpu
