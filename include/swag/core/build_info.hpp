// What this swag is: its version (project() in CMakeLists.txt), the git commit it was built from
// and the compiler that built it. `swag --version` and the provenance of results, run configs and
// checkpoints (train/provenance.hpp) report them.
#pragma once
#include <string>
#include <string_view>

namespace swag::build {

// "0.1.0".
std::string_view version();
// The git short hash of the build's checkout, "<hash> (dirty)" when tracked files differed from
// it at build time, "unknown" when not built from a git checkout (cmake/SwagBuildCommit.cmake).
std::string_view commit();
// The C++ compiler, from its macros: "GNU 12.2.0", "Clang 14.0.6".
std::string compiler();

}  // namespace swag::build
