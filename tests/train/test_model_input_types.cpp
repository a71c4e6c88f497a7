// Model::forward with 16-bit activations takes f32 images (converted at the model's edge) or
// images already in the activation type (what a GPU's u8 batch is normalized into): the same
// logits, bit for bit, since the conversion rounds each pixel once either way.
#include <gtest/gtest.h>

#include <cstring>

#include "swag/nn/model.hpp"
#include "swag/ops/convert.hpp"
#include "swag/train/batch_source.hpp"

using namespace swag;

TEST(ModelInput, SixteenBitImagesGiveTheLogitsOfF32Ones) {
  for (const DType t : {DType::bf16, DType::f16}) {
    auto model = nn::create_model("regnety_test", {4, 16, 10, false});
    model->allocate(/*seed=*/5, Device::cpu, t);
    const auto source = train::make_synthetic_source({4, 4, 0, 16, 10, 3});
    Tensor images = Tensor::empty(model->input_shape()), targets = Tensor::empty({4, 10});
    source->fill(0, images, targets);
    const Tensor from_f32 = model->forward(images, false);
    Tensor expected = Tensor::empty(from_f32.shape());
    std::memcpy(expected.raw(), from_f32.raw(), from_f32.nbytes());
    Tensor narrow = Tensor::empty(images.shape(), t);
    ops::convert(images, narrow);
    const Tensor& from_narrow = model->forward(narrow, false);
    EXPECT_EQ(std::memcmp(from_narrow.raw(), expected.raw(), expected.nbytes()), 0)
        << dtype_name(t);
  }
}
