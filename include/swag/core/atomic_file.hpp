// Write-then-rename: output goes to a temporary name beside the target, is fsynced, and only
// then renamed over it, so readers see the old file or the complete new one, never a part.
// If commit() is not reached (an error), the temporary is removed.
#pragma once
#include <string>
#include <string_view>

namespace swag {

class AtomicOutput {
 public:
  explicit AtomicOutput(std::string path);
  ~AtomicOutput();
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  const std::string& temp_path() const { return temp_; }
  const std::string& path() const { return path_; }
  // fsync the temporary, rename it to path(), fsync the directory.
  void commit();

 private:
  std::string path_, temp_;
  bool committed_ = false;
};

// A whole small file (JSON, text) through an AtomicOutput.
void write_file_atomically(const std::string& path, std::string_view contents);

}  // namespace swag
