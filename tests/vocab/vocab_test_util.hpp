// Shared by the vocab unit tests: the system's WordNet (SWAG_WORDNET_DIR, loaded once), scratch
// files, and the exit code and message of a call that must fail.
#pragma once
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <string_view>
#include <utility>

#include "swag/core/error.hpp"
#include "swag/vocab/wordnet.hpp"

namespace swag::vocab::test {

inline const WordNet& system_wordnet() {
  static const WordNet wordnet(SWAG_WORDNET_DIR);
  return wordnet;
}

// Writes `contents` to a file in the test's scratch directory and returns its path.
inline std::string scratch_file(const std::string& name, std::string_view contents) {
  const std::string path = testing::TempDir() + "/swag_vocab_" + name;
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

template <class Fn>
std::pair<ExitCode, std::string> error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  return {ExitCode::ok, ""};
}

}  // namespace swag::vocab::test
