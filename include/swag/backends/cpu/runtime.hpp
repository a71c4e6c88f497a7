// The CPU execution context: initializes Kokkos (host execution space) and sets the number of
// threads oneDNN and OpenMP use. One per process, for the life of main().
#pragma once

namespace swag::cpu {

class Runtime {
 public:
  explicit Runtime(int threads = 0);  // 0: leave OMP_NUM_THREADS / the default
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  static void set_threads(int threads);
  static int threads();
};

}  // namespace swag::cpu
