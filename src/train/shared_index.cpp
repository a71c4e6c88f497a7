#include "swag/train/shared_index.hpp"

#include <filesystem>

#include "swag/core/file_bytes.hpp"

namespace swag::train {

std::shared_ptr<const data::DatasetIndex> shared_index(const dist::Communicator& comm,
                                                       const std::string& data_dir) {
  const std::string path = (std::filesystem::path(data_dir) / data::index_file_name).string();
  std::string text;
  if (comm.rank() == 0) text = read_file_text(path);
  auto length = static_cast<std::int64_t>(text.size());
  comm.broadcast_bytes(&length, sizeof length);
  text.resize(static_cast<std::size_t>(length));
  comm.broadcast_bytes(text.data(), text.size());
  return std::make_shared<const data::DatasetIndex>(data::index_from_json(text, path));
}

}  // namespace swag::train
