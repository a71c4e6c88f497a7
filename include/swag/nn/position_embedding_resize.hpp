// Carrying a ViT's learned position embedding to another resolution, exactly as torchvision
// 0.14's interpolate_embeddings does when a checkpoint is loaded for other image sizes: the class
// token's row is kept; the g0 x g0 grid rows are resized to g x g by
// F.interpolate(mode="bicubic", align_corners=True) per feature.
#pragma once
#include "swag/core/tensor.hpp"

namespace swag::nn {

// stored [1, 1 + g0*g0, D] -> resized [1, 1 + g*g, D] (resized's shape gives g). A stored grid
// that is not square is an input error.
void resize_position_embedding(const Tensor& stored, Tensor& resized);

}  // namespace swag::nn
