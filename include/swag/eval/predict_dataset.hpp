// A model over a whole labelled dataset, in evaluation mode with the §4.1 transform (shorter
// side to R, centre crop R x R), the images spread over the ranks: step s of global batch G
// covers images [s*G, (s+1)*G), rank r its contiguous block; the last batch is padded and the
// padding never counted, so every image counts exactly once for any world size.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "swag/dist/communicator.hpp"
#include "swag/nn/model.hpp"

namespace swag::eval {

struct DatasetPredictions {
  Tensor rows;                       // [N, K]: what `score` made of each image's logits
  std::vector<std::int32_t> labels;  // each image's first label (-1: none)
  std::int64_t num_classes = 0;      // of the dataset's labels
};

struct PredictOptions {
  std::string data_dir;
  int workers = 2;
};

// Softmax of logits (rows: [B, C] -> [B, C]), the default `score`.
Tensor softmax_rows(const Tensor& logits);

// Runs model (built for the local batch and resolution, on the host or a GPU) over data_dir;
// `score` turns a batch of logits, on the host, into the rows kept (default: softmax
// probabilities). Collective; every rank returns all
// N rows in image order.
DatasetPredictions predict_dataset(nn::Model& model, const dist::Communicator& comm,
                                   const PredictOptions& options,
                                   const std::function<Tensor(const Tensor&)>& score = {});

}  // namespace swag::eval
