// GoogleTest main for tests run under mpiexec: every rank runs every test; rank 0 prints the
// usual report and the other ranks print only their failures, prefixed with their rank, so a
// failure on any rank shows up in the log. mpiexec's exit code is non-zero if any rank fails.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdio>

#include "swag/backends/cpu/runtime.hpp"

namespace {

class FailurePrinter : public testing::EmptyTestEventListener {
 public:
  explicit FailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const testing::TestPartResult& r) override {
    if (r.failed())
      std::fprintf(stderr, "[rank %d] %s:%d: failure\n%s\n", rank_, r.file_name(), r.line_number(),
                   r.summary());
  }

 private:
  int rank_;
};

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  testing::InitGoogleTest(&argc, argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank != 0) {
    auto& listeners = testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new FailurePrinter(rank));
  }
  int result = 0;
  {
    swag::cpu::Runtime runtime(1);
    result = RUN_ALL_TESTS();
  }
  MPI_Finalize();
  return result;
}
