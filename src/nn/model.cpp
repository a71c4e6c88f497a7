#include "swag/nn/model.hpp"

namespace swag::nn {

void Model::allocate(std::uint64_t seed, Device device) {
  params_.allocate(device);
  buffers_.allocate(device);
  params_.initialize(seed);
  buffers_.initialize(seed);
  scratch_ = Scratch::allocate(stats_.max_activation, device);
  allocate_layers(device);
}

}  // namespace swag::nn
