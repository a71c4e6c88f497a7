// Errors: exceptions that carry an exit code; apps/ catches them once and prints
// "swag: error: ..." (see doc/cli.md for the table of exit codes).
#pragma once
#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace swag {

enum class ExitCode : int {
  ok = 0,
  failure = 1,   // internal error: a bug, or a library call that failed
  usage = 2,     // bad command line: unknown flag, unknown model name, missing argument
  config = 3,    // bad input deck: unknown key, wrong type, bad override
  input = 4,     // bad input file: missing/mis-shaped tensor, wrong image rank or size
  io = 5,        // a file could not be read or written
  numerics = 6,  // non-finite loss or weights
  stopped = 75,  // stopped by a signal after writing a checkpoint: resubmit to continue
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

template <class... Args>
[[noreturn]] void fail(ExitCode code, fmt::format_string<Args...> f, Args&&... args) {
  throw Error(code, fmt::format(f, std::forward<Args>(args)...));
}

// Internal invariant (a bug if it fails, never used on user input).
#define SWAG_CHECK(cond, ...)                                                                     \
  do {                                                                                            \
    if (!(cond))                                                                                  \
      ::swag::fail(::swag::ExitCode::failure, "{}:{}: check '{}' failed: {}", __FILE__, __LINE__, \
                   #cond, fmt::format(__VA_ARGS__));                                              \
  } while (0)

}  // namespace swag
