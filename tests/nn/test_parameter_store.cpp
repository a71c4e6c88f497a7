#include <gtest/gtest.h>

#include <cmath>

#include "swag/nn/parameter_store.hpp"

using namespace swag;
using nn::Init;

TEST(ParameterStore, ContiguousAlignedViews) {
  nn::ParameterStore s(true);
  const int a = s.add("a.weight", {3, 5}, Init::constant_value(2.0f));
  const int b = s.add("a.bias", {7}, Init::constant_value(0.0f), false);
  EXPECT_EQ(s.count(), 22);
  s.allocate();
  EXPECT_EQ(s.value(a).data<float>(), s.flat_values().data<float>());
  EXPECT_EQ(s.value(b).data<float>() - s.value(a).data<float>(), 16);  // 64-byte aligned
  EXPECT_EQ(s.grad(b).data<float>() - s.flat_grads().data<float>(), 16);
  EXPECT_FALSE(s.entries()[b].weight_decay);
  EXPECT_EQ(s.find("a.bias"), b);
  EXPECT_EQ(s.find("nope"), -1);
  EXPECT_THROW(s.add("late", {1}, Init::constant_value(0)), Error);
}

TEST(ParameterStore, InitializationFollowsRules) {
  nn::ParameterStore s(false);
  s.add("n", {20000}, Init::normal(0.5f));
  s.add("u", {20000}, Init::uniform(0.25f));
  s.add("t", {20000}, Init::truncated_normal(0.02f));
  s.allocate();
  s.initialize(5);
  auto moments = [&](const char* name) {
    const Tensor t = s.value(name);
    double m = 0, v = 0, mx = 0;
    for (std::int64_t i = 0; i < t.numel(); ++i) m += t.data<float>()[i];
    m /= t.numel();
    for (std::int64_t i = 0; i < t.numel(); ++i) {
      const double d = t.data<float>()[i] - m;
      v += d * d;
      mx = std::max(mx, std::abs(static_cast<double>(t.data<float>()[i])));
    }
    return std::array<double, 3>{m, std::sqrt(v / t.numel()), mx};
  };
  const auto n = moments("n"), u = moments("u"), t = moments("t");
  EXPECT_NEAR(n[1], 0.5, 0.02);
  EXPECT_NEAR(u[1], 0.25 / std::sqrt(3.0), 0.01);  // uniform(-a, a) has std a/sqrt(3)
  EXPECT_LE(u[2], 0.25);
  EXPECT_LE(t[2], 0.04 + 1e-7);             // truncated at 2 std
  EXPECT_NEAR(t[1], 0.02 * 0.8796, 0.001);  // std of N(0,1) truncated to [-2, 2]
  // Same seed, same values; tensors draw from independent streams.
  nn::ParameterStore s2(false);
  s2.add("n", {20000}, Init::normal(0.5f));
  s2.allocate();
  s2.initialize(5);
  EXPECT_EQ(s2.value("n").data<float>()[123], s.value("n").data<float>()[123]);
}

TEST(ParameterStore, TruncatedNormalWithAbsoluteBound) {
  nn::ParameterStore s(false);
  s.add("t", {20000}, Init::truncated_normal_abs(1.0f, 1.5f));
  s.add("x", {20000}, Init::xavier_uniform(30, 70));
  s.allocate();
  s.initialize(9);
  double v = 0, mx = 0, xmx = 0;
  for (std::int64_t i = 0; i < 20000; ++i) {
    const double t = s.value("t").data<float>()[i];
    v += t * t / 20000;
    mx = std::max(mx, std::abs(t));
    xmx = std::max(xmx, std::abs(static_cast<double>(s.value("x").data<float>()[i])));
  }
  EXPECT_LE(mx, 1.5);
  EXPECT_NEAR(std::sqrt(v), 0.7427, 0.01);  // std of N(0, 1) truncated to [-1.5, 1.5]
  EXPECT_LE(xmx, std::sqrt(6.0 / 100));
  EXPECT_GT(xmx, 0.99 * std::sqrt(6.0 / 100));
}

TEST(ParameterStore, ComputeCopyIsTheRoundedValues) {
  for (const DType t : {DType::bf16, DType::f16}) {
    nn::ParameterStore s(true);
    const int a = s.add("a", {3, 5}, Init::normal(1.0f));
    const int b = s.add("b", {7}, Init::uniform(100.0f));
    s.allocate(Device::cpu, t);
    s.initialize(3);
    s.refresh_compute_copy();
    for (const int i : {a, b}) {
      const Tensor v = s.value(i), c = s.compute_value(i);
      ASSERT_EQ(c.dtype(), t);
      ASSERT_EQ(c.shape(), v.shape());
      for (std::int64_t j = 0; j < v.numel(); ++j) {
        const float x = v.data<float>()[j];
        const float want = t == DType::bf16 ? to_float(to_bf16(x)) : to_float(to_f16(x));
        const float got =
            t == DType::bf16 ? to_float(c.data<bf16>()[j]) : to_float(c.data<f16>()[j]);
        ASSERT_EQ(got, want) << "parameter " << i << " element " << j;
      }
    }
    // A later change of the fp32 values shows after the next refresh only.
    s.value(a).data<float>()[0] = 3.0f;
    EXPECT_NE(s.compute_value(a).raw(), s.value(a).raw());
    s.refresh_compute_copy();
    const Tensor c = s.compute_value(a);
    EXPECT_EQ(t == DType::bf16 ? to_float(c.data<bf16>()[0]) : to_float(c.data<f16>()[0]), 3.0f);
  }
}

TEST(ParameterStore, Fp32ComputeCopyIsTheValues) {
  nn::ParameterStore s(true);
  const int a = s.add("a", {4}, Init::constant_value(1.0f));
  s.allocate();
  EXPECT_EQ(s.compute_value(a).raw(), s.value(a).raw());
  EXPECT_EQ(s.compute_value(a).dtype(), DType::f32);
}
