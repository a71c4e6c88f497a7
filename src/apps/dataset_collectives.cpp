#include "swag/apps/dataset_collectives.hpp"

#include <mpi.h>

namespace swag::apps {

data::RankCollectives world_collectives(int rank, int world) {
  data::RankCollectives c;
  c.rank = rank;
  c.world = world;
  if (world == 1) return c;  // the defaults: one rank, no MPI call
  c.sum = [](std::vector<std::int64_t>& v) {
    MPI_Allreduce(MPI_IN_PLACE, v.data(), static_cast<int>(v.size()), MPI_INT64_T, MPI_SUM,
                  MPI_COMM_WORLD);
  };
  c.exclusive_sum = [rank](std::vector<std::int64_t>& v) {
    std::vector<std::int64_t> lower(v.size(), 0);
    MPI_Exscan(v.data(), lower.data(), static_cast<int>(v.size()), MPI_INT64_T, MPI_SUM,
               MPI_COMM_WORLD);
    if (rank == 0) std::fill(lower.begin(), lower.end(), 0);  // MPI leaves rank 0's undefined
    v = std::move(lower);
  };
  c.broadcast = [world](std::string& s) { broadcast_string(s, world); };
  c.barrier = [] { MPI_Barrier(MPI_COMM_WORLD); };
  return c;
}

std::vector<std::string> gather_on_root(const std::string& mine, int rank, int world) {
  if (world == 1) return {mine};
  const int length = static_cast<int>(mine.size());
  std::vector<int> lengths(static_cast<std::size_t>(world)), displacements(lengths.size());
  MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::string all;
  if (rank == 0) {
    for (int r = 1; r < world; ++r) displacements[r] = displacements[r - 1] + lengths[r - 1];
    all.resize(static_cast<std::size_t>(displacements.back()) +
               static_cast<std::size_t>(lengths.back()));
  }
  MPI_Gatherv(mine.data(), length, MPI_CHAR, all.data(), lengths.data(), displacements.data(),
              MPI_CHAR, 0, MPI_COMM_WORLD);
  std::vector<std::string> parts;
  if (rank == 0)
    for (int r = 0; r < world; ++r) parts.push_back(all.substr(displacements[r], lengths[r]));
  return parts;
}

void broadcast_string(std::string& s, int world) {
  if (world == 1) return;
  auto length = static_cast<std::int64_t>(s.size());
  MPI_Bcast(&length, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
  s.resize(static_cast<std::size_t>(length));
  MPI_Bcast(s.data(), static_cast<int>(length), MPI_CHAR, 0, MPI_COMM_WORLD);
}

}  // namespace swag::apps
