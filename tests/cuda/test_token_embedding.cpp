// ViT token embedding (class token and position embedding), the class token's output row and the
// NCHW -> NHWC conversion on CUDA against the CPU on the same random inputs. Every output is a
// copy, one fp32 addition, or a batch sum taken in double in sample order and rounded once, in
// the same order on both backends, so the results must match bit for bit (expect_near with
// rtol = 0).
#include <gtest/gtest.h>

#include <string>

#include "parity.hpp"
#include "swag/ops/convert.hpp"
#include "swag/ops/token_embedding.hpp"

using namespace swag;
using swag::test::random_tensor;

namespace {

struct TokenCase {
  const char* name;
  std::int64_t batch, tokens, dim;
};

// The fewest tokens (the class token and one patch); sizes that are multiples of nothing;
// ViT-B/16 (197 tokens of 768 features, 2 images).
const TokenCase kCases[] = {
    {"tiny", 1, 2, 3},
    {"odd", 3, 37, 45},
    {"vit_b16", 2, 197, 768},
};

class TokenEmbeddingParity : public ::testing::TestWithParam<TokenCase> {};

TEST_P(TokenEmbeddingParity, ForwardAndBackwardMatchTheCpuBitForBit) {
  const TokenCase& p = GetParam();
  const std::int64_t b = p.batch, t = p.tokens, d = p.dim;
  const Tensor patches = random_tensor({b, t - 1, d}, 70);
  const Tensor cls = random_tensor({d}, 71), pos = random_tensor({t, d}, 72);
  const Tensor dy = random_tensor({b, t, d}, 73);
  const Tensor gdy = cuda::to_device(dy);

  Tensor y = Tensor::empty({b, t, d}), gy = test::device_garbage({b, t, d});
  ops::token_embedding_forward(patches, cls, pos, y);
  ops::token_embedding_forward(cuda::to_device(patches), cuda::to_device(cls), cuda::to_device(pos),
                               gy);
  test::expect_near("y", gy, y, 0.0);

  Tensor dpatches = Tensor::empty({b, t - 1, d}), dcls = Tensor::empty({d}),
         dpos = Tensor::empty({t, d});
  Tensor gdpatches = test::device_garbage({b, t - 1, d}), gdcls = test::device_garbage({d}),
         gdpos = test::device_garbage({t, d});
  ops::token_embedding_backward(dy, dpatches, dcls, dpos);
  ops::token_embedding_backward(gdy, gdpatches, gdcls, gdpos);
  test::expect_near("dpatches", gdpatches, dpatches, 0.0);
  test::expect_near("dclass_token", gdcls, dcls, 0.0);
  test::expect_near("dpos", gdpos, dpos, 0.0);

  // The class token's output row: dx is all zeros but for row 0 of each sample.
  Tensor out = Tensor::empty({b, d}), gout = test::device_garbage({b, d});
  ops::class_token_output_forward(dy, out);
  ops::class_token_output_forward(gdy, gout);
  test::expect_near("class row", gout, out, 0.0);
  const Tensor dout = random_tensor({b, d}, 74);
  Tensor dx = Tensor::empty({b, t, d}), gdx = test::device_garbage({b, t, d});
  ops::class_token_output_backward(dout, dx);
  ops::class_token_output_backward(cuda::to_device(dout), gdx);
  test::expect_near("class row dx", gdx, dx, 0.0);
}

INSTANTIATE_TEST_SUITE_P(Cuda, TokenEmbeddingParity, ::testing::ValuesIn(kCases),
                         [](const auto& c) { return std::string(c.param.name); });

TEST(LayoutCuda, NchwToNhwcMatchesTheCpuBitForBit) {
  const Shape shapes[] = {{1, 1, 1, 1}, {2, 3, 5, 7}, {3, 5, 1, 2}, {2, 3, 224, 224}};
  for (const Shape& s : shapes) {
    const Tensor x = random_tensor(s, 75);
    const Shape nhwc{s[0], s[2], s[3], s[1]};
    Tensor y = Tensor::empty(nhwc), gy = test::device_garbage(nhwc);
    ops::nchw_to_nhwc(x, y);
    ops::nchw_to_nhwc(cuda::to_device(x), gy);
    test::expect_near("nhwc " + shape_str(s), gy, y, 0.0);
  }
}

}  // namespace
