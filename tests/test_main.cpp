// GoogleTest main with the CPU runtime (Kokkos, threads) alive for every test.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include "swag/backends/cpu/runtime.hpp"

namespace {

// ctest runs each test as its own process, several at once. Tests write fixed file names under
// testing::TempDir(), so every process gets its own folder (TEST_TMPDIR, and TMPDIR for
// std::filesystem::temp_directory_path), removed when it ends.
class ScratchFolder {
 public:
  ScratchFolder() {
    // mkdtemp replaces the six trailing X of the template.
    std::string pattern =
        (std::filesystem::temp_directory_path() / ("swag-test-" + std::string(6, 'X'))).string();
    if (mkdtemp(pattern.data()) == nullptr) return;
    path_ = pattern;
    setenv("TEST_TMPDIR", path_.c_str(), 1);
    setenv("TMPDIR", path_.c_str(), 1);
  }
  ~ScratchFolder() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;

 private:
  std::string path_;
};

}  // namespace

int main(int argc, char** argv) {
  ScratchFolder scratch;
  ::testing::InitGoogleTest(&argc, argv);
  swag::cpu::Runtime runtime(1);
  return RUN_ALL_TESTS();
}
