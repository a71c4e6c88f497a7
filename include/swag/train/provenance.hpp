// Where an output came from: swag's version and commit, the backends it was built with, the
// compiler and the MPI library. `swag --version` prints them; every results.json has them as
// "provenance", a run's config.toml as comment lines and every checkpoint as root attributes
// (doc/formats.md, "Provenance"). One function builds them, for all of these.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace swag::train {

struct Provenance {
  std::string version;   // "0.1.0"
  std::string commit;    // "1a2b3c4", "1a2b3c4 (dirty)" or "unknown"
  std::string backends;  // "cpu", "cpu cuda (CUDA 13.0, cuDNN 9.8.0, NCCL 2.26.2)"
  std::string compiler;  // "GNU 12.2.0"
  std::string mpi;       // the first line of MPI_Get_library_version
};

// This process's provenance (computed once; needs neither MPI_Init nor a GPU).
const Provenance& provenance();
// {"version", "commit", "backends", "compiler", "mpi"}.
nlohmann::ordered_json provenance_json();
// The same as TOML comment lines, "# [provenance]" then "# key = \"value\"" lines, then an empty
// line: a header for config.toml that leaves it the same deck.
std::string provenance_comment();
// The text of `swag --version` (doc/cli.md), lines without a final newline:
//   swag 0.1.0 / commit: ... / backends: ... / gpus: ... (CUDA builds only) / compiler: ... / mpi:
//   ...
std::string version_text();

}  // namespace swag::train
