#include "swag/eval/predict_dataset.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "swag/core/log.hpp"
#include "swag/data/dataset_index.hpp"
#include "swag/data/labelled_subset.hpp"
#include "swag/data/loader.hpp"
#include "swag/data/multi_labels.hpp"
#include "swag/ops/device.hpp"

namespace swag::eval {

Tensor softmax_rows(const Tensor& logits) {
  const std::int64_t rows = logits.shape()[0], cols = logits.shape()[1];
  Tensor out = Tensor::empty(logits.shape());
  for (std::int64_t i = 0; i < rows; ++i) {
    const float* z = logits.data<float>() + i * cols;
    float* p = out.data<float>() + i * cols;
    const float top = *std::max_element(z, z + cols);
    double total = 0;
    for (std::int64_t c = 0; c < cols; ++c) total += std::exp(static_cast<double>(z[c] - top));
    for (std::int64_t c = 0; c < cols; ++c)
      p[c] = static_cast<float>(std::exp(static_cast<double>(z[c] - top)) / total);
  }
  return out;
}

DatasetPredictions predict_dataset(nn::Model& model, const dist::Communicator& comm,
                                   const PredictOptions& options,
                                   const std::function<Tensor(const Tensor&)>& score) {
  const std::int64_t local = model.dims().batch, global = local * comm.size();
  const std::int64_t n = data::read_index(options.data_dir).num_images;
  data::LoaderOptions o;
  o.data_dir = options.data_dir;
  o.global_batch = global;
  o.local_batch = local;
  o.rank = comm.rank();
  o.resolution = static_cast<int>(model.dims().resolution);
  o.workers = options.workers;
  o.prefetch = 2;
  o.stream = data::in_order(n);
  o.transform = data::Transform::eval;
  data::Loader loader(o);

  DatasetPredictions out;
  out.num_classes = loader.num_classes();
  out.labels.resize(static_cast<std::size_t>(n));
  const data::MultiLabels labels = data::load_dataset_labels(options.data_dir);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto classes = labels.of(i);
    out.labels[static_cast<std::size_t>(i)] = classes.empty() ? -1 : classes[0];
  }
  // The loader fills host tensors; a model on a GPU reads a device copy of the images.
  Tensor images = Tensor::empty(model.input_shape());
  Tensor targets = Tensor::empty({local, loader.num_classes()});
  Tensor model_images = model.device() == Device::cpu
                            ? images
                            : Tensor::empty(images.shape(), DType::f32, model.device());
  const std::int64_t steps = (n + global - 1) / global;
  std::vector<float> gathered;
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t step = 0; step < steps; ++step) {
    loader.fill(step, images, targets);
    if (model_images.raw() != images.raw()) ops::copy(images, model_images);
    const Tensor logits = ops::host_side(model.forward(model_images, false));
    const Tensor rows = score ? score(logits) : softmax_rows(logits);
    const std::int64_t k = rows.shape()[1];
    if (step == 0) out.rows = Tensor::empty({n, k});
    gathered.resize(static_cast<std::size_t>(global * k));
    comm.allgather(rows.data<float>(), local * k, gathered.data());
    // The gathered block is images [step*G, step*G + G) in order; the tail past n is padding.
    const std::int64_t first = step * global, count = std::min(global, n - first);
    std::copy_n(gathered.data(), count * k, out.rows.data<float>() + first * k);
    if ((step + 1) % 20 == 0 || step + 1 == steps) {
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      log::info("eval: {}/{} images, {:.0f} images/s", first + count, n,
                static_cast<double>(first + count) / s);
    }
  }
  return out;
}

}  // namespace swag::eval
