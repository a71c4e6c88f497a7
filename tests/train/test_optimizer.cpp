// Optimizers against their closed forms (PyTorch's update rules), evaluated in double.
#include <gtest/gtest.h>

#include <cmath>

#include "swag/core/rng.hpp"
#include "swag/ops/optimizer_update.hpp"
#include "swag/train/optimizer.hpp"

using namespace swag;

namespace {

// Two parameters: "w" with weight decay, "bn" without.
struct Fixture {
  nn::ParameterStore store{true};
  Fixture() {
    store.add("w", {7}, nn::Init::normal(1.0f));
    store.add("bn", {5}, nn::Init::normal(1.0f), /*weight_decay=*/false);
    store.allocate();
    store.initialize(3);
  }
  void set_grads(int step) {
    Rng rng(100 + step);
    for (const char* name : {"w", "bn"}) {
      Tensor g = store.grad(name);
      for (std::int64_t i = 0; i < g.numel(); ++i) g.data<float>()[i] = rng.normal();
    }
  }
};

}  // namespace

TEST(Optimizer, SgdNesterovMatchesClosedForm) {
  Fixture g;
  const auto o = train::make_optimizer(g.store, {.name = "sgd", .weight_decay = 0.01f});
  EXPECT_EQ(o->state_names(), std::vector<std::string>{"momentum"});
  std::vector<std::vector<double>> p, buf;
  for (const char* name : {"w", "bn"}) {
    const Tensor t = g.store.value(name);
    p.emplace_back(t.data<float>(), t.data<float>() + t.numel());
    buf.emplace_back(t.numel());
  }
  for (int step = 0; step < 3; ++step) {
    g.set_grads(step);
    const float lr = 0.1f * static_cast<float>(step + 1);
    o->step(lr);
    for (int k = 0; k < 2; ++k) {
      const double wd = k == 0 ? 0.01 : 0.0;  // none on "bn"
      const float* grad = g.store.grad(k == 0 ? "w" : "bn").data<float>();
      for (std::size_t i = 0; i < p[k].size(); ++i) {
        const double gi = grad[i] + wd * p[k][i];
        buf[k][i] = step == 0 ? gi : 0.9 * buf[k][i] + gi;
        p[k][i] -= lr * (gi + 0.9 * buf[k][i]);
      }
    }
  }
  for (int k = 0; k < 2; ++k) {
    const float* value = g.store.value(k == 0 ? "w" : "bn").data<float>();
    for (std::size_t i = 0; i < p[k].size(); ++i)
      EXPECT_NEAR(value[i], p[k][i], 1e-5 * (1 + std::abs(p[k][i]))) << k << " " << i;
  }
}

TEST(Optimizer, AdamWMatchesClosedForm) {
  Fixture g;
  const train::OptimizerOptions options{.name = "adamw", .weight_decay = 0.1f};
  const auto o = train::make_optimizer(g.store, options);
  std::vector<double> p(g.store.value("w").data<float>(), g.store.value("w").data<float>() + 7);
  std::vector<double> m(7), v(7);
  for (int step = 1; step <= 3; ++step) {
    g.set_grads(step);
    const double lr = 1e-2;
    o->step(static_cast<float>(lr));
    for (std::size_t i = 0; i < 7; ++i) {
      const double gi = g.store.grad("w").data<float>()[i];
      p[i] *= 1 - lr * 0.1;
      m[i] = 0.9 * m[i] + 0.1 * gi;
      v[i] = 0.95 * v[i] + 0.05 * gi * gi;
      const double mhat = m[i] / (1 - std::pow(0.9, step));
      const double vhat = v[i] / (1 - std::pow(0.95, step));
      p[i] -= lr * mhat / (std::sqrt(vhat) + 1e-8);
    }
  }
  for (std::size_t i = 0; i < 7; ++i)
    EXPECT_NEAR(g.store.value("w").data<float>()[i], p[i], 1e-5 * (1 + std::abs(p[i]))) << i;
  EXPECT_EQ(o->steps_taken(), 3);
  EXPECT_EQ(o->state_names(), (std::vector<std::string>{"exp_avg", "exp_avg_sq"}));
}

TEST(Optimizer, NoDecayOnFlaggedParameters) {
  Fixture f;
  f.store.flat_grads().zero();
  const std::vector<float> bn_before(f.store.value("bn").data<float>(),
                                     f.store.value("bn").data<float>() + 5);
  const float w0 = f.store.value("w").data<float>()[0];
  train::make_optimizer(f.store, {.name = "adamw", .weight_decay = 0.5f})->step(0.1f);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(f.store.value("bn").data<float>()[i], bn_before[i]);
  EXPECT_FLOAT_EQ(f.store.value("w").data<float>()[0], w0 * (1 - 0.1f * 0.5f));
}

TEST(Optimizer, UnknownNameIsAConfigError) {
  Fixture f;
  try {
    train::make_optimizer(f.store, {.name = "lamb"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::config);
  }
}

TEST(Optimizer, SumOfSquaresIsExactEnoughAndPropagatesNaN) {
  Tensor x = Tensor::empty({200001});
  double expected = 0;
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    x.data<float>()[i] = static_cast<float>(i % 7) - 3.0f;
    expected += double{x.data<float>()[i]} * x.data<float>()[i];
  }
  EXPECT_DOUBLE_EQ(ops::sum_of_squares(x), expected);
  x.data<float>()[12345] = std::nanf("");
  EXPECT_TRUE(std::isnan(ops::sum_of_squares(x)));
}
