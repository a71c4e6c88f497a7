// index.json read by one rank and broadcast: at 1,024 ranks, one read of the file instead of
// 1,024 on the parallel file system. Every rank parses the same bytes.
#pragma once
#include <memory>
#include <string>

#include "swag/data/dataset_index.hpp"
#include "swag/dist/communicator.hpp"

namespace swag::train {

std::shared_ptr<const data::DatasetIndex> shared_index(const dist::Communicator& comm,
                                                       const std::string& data_dir);

}  // namespace swag::train
