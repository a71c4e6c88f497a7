// Write-then-rename: the new text or the old, never a part, and errors that say why.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "swag/core/atomic_file.hpp"
#include "swag/core/error.hpp"

using namespace swag;
namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

TEST(AtomicFile, ReplacesWholeAndLeavesNoTemporary) {
  const fs::path dir = fs::path(testing::TempDir()) / "atomic_replace";
  fs::remove_all(dir);
  fs::create_directories(dir);
  write_file_atomically((dir / "latest").string(), "step-00000002.h5\n");
  write_file_atomically((dir / "latest").string(), "step-00000004.h5\n");
  EXPECT_EQ(read_all(dir / "latest"), "step-00000004.h5\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 1);
}

TEST(AtomicFile, ErrorNamesTheFileAndTheCause) {
  // a regular file where a folder should be: ENOTDIR, whoever runs the test (root included)
  const fs::path blocker = fs::path(testing::TempDir()) / "atomic_blocker";
  std::ofstream(blocker) << "x";
  try {
    write_file_atomically((blocker / "results.json").string(), "{}\n");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::io);
    const std::string what = e.what();
    EXPECT_NE(what.find("results.json"), std::string::npos) << what;
    EXPECT_NE(what.find("Not a directory"), std::string::npos) << what;
  }
}

TEST(AtomicFile, FullDeviceIsReportedAsSuch) {
  // /dev/full fails every write with ENOSPC: what a full file system does to the temporary
  ASSERT_TRUE(fs::exists("/dev/full")) << "Linux's /dev/full is needed for this test";
  const fs::path dir = fs::path(testing::TempDir()) / "atomic_full";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path target = dir / "results.json";
  // the temporary's name is fixed by the pid: make it a link to /dev/full
  fs::create_symlink("/dev/full", target.string() + ".tmp." + std::to_string(::getpid()));
  try {
    write_file_atomically(target.string(), std::string(1 << 16, 'x'));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::io);
    EXPECT_NE(std::string(e.what()).find("No space left on device"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(target));
}
