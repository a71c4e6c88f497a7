// The MPI side of the commands that write a shard folder's index files (swag shard, swag
// index): the ranks' collectives for data::write_buckets_file, gathering the ranks' parts of an
// index on rank 0, and broadcasting a string. With one rank (or SWAG_NO_MPI=1) no MPI is called.
#pragma once
#include <string>
#include <vector>

#include "swag/data/sampler_buckets.hpp"

namespace swag::apps {

data::RankCollectives world_collectives(int rank, int world);
// Every rank's string, on rank 0 (empty elsewhere).
std::vector<std::string> gather_on_root(const std::string& mine, int rank, int world);
// Rank 0's string on every rank.
void broadcast_string(std::string& s, int world);

}  // namespace swag::apps
