#include "swag/core/rng.hpp"
#include "swag/train/batch_source.hpp"

namespace swag::train {
namespace {

// Its images are noise around patterns, already floats (no bytes to send): f32 only, the
// default of BatchSource::fills_u8.
class SyntheticSource final : public BatchSource {
 public:
  explicit SyntheticSource(const BatchLayout& layout) : layout_(layout) {
    const std::int64_t pixels = layout.resolution * layout.resolution * 3;
    patterns_ = Tensor::empty({layout.num_classes, pixels});
    Rng rng(layout.seed, 0x5eed);
    for (std::int64_t i = 0; i < patterns_.numel(); ++i) patterns_.data<float>()[i] = rng.normal();
  }

  void fill(std::int64_t step, Tensor& images, Tensor& targets) override {
    const std::int64_t pixels = layout_.resolution * layout_.resolution * 3;
    const std::int64_t classes = layout_.num_classes;
    targets.zero();
    for (std::int64_t i = 0; i < layout_.local_batch; ++i) {
      const auto g = static_cast<std::uint64_t>(layout_.first_sample(step) + i);
      Rng rng(layout_.seed, g + 1);  // stream 0 holds the patterns
      const auto label = static_cast<std::int64_t>(rng.next_u32() % classes);
      const float* pattern = patterns_.data<float>() + label * pixels;
      float* image = images.data<float>() + i * pixels;
      for (std::int64_t p = 0; p < pixels; ++p) image[p] = pattern[p] + rng.normal();
      targets.data<float>()[i * classes + label] = 1.0f;
    }
  }

 private:
  BatchLayout layout_;
  Tensor patterns_;
};

}  // namespace

std::unique_ptr<BatchSource> make_synthetic_source(const BatchLayout& layout) {
  return std::make_unique<SyntheticSource>(layout);
}

}  // namespace swag::train
