#include <gtest/gtest.h>

#include "swag/core/tensor.hpp"

using namespace swag;

TEST(Tensor, ShapesAndViews) {
  Tensor t = Tensor::zeros({2, 3, 4});
  EXPECT_EQ(t.numel(), 24);
  EXPECT_EQ(t.nbytes(), 96u);
  EXPECT_EQ(t.dim(-1), 4);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.raw()) % 64, 0u);
  for (int i = 0; i < 24; ++i) EXPECT_EQ(t.data<float>()[i], 0.0f);
  Tensor r = t.reshape({6, 4});
  EXPECT_EQ(r.raw(), t.raw());
  Tensor s = r.slice_rows(2, 5);
  EXPECT_EQ(s.shape(), (Shape{3, 4}));
  EXPECT_EQ(s.data<float>(), t.data<float>() + 8);
  EXPECT_THROW(t.reshape({5, 5}), Error);
  EXPECT_THROW(t.data<std::int32_t>(), Error);
}

TEST(Tensor, EveryDTypeAllocates) {
  for (DType d : {DType::f32, DType::bf16, DType::f16, DType::u8, DType::i32, DType::i64}) {
    Tensor t = Tensor::zeros({5}, d);
    EXPECT_EQ(t.nbytes(), 5 * dtype_size(d));
  }
}

TEST(Tensor, CudaWithoutBackendIsAClearError) {
#ifndef SWAG_WITH_CUDA
  try {
    Tensor::empty({4}, DType::f32, Device::cuda);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("without CUDA"), std::string::npos);
  }
#endif
}
