// ops::profile: which op calls it counts, under which name, and how their times relate to the
// wall time around them.
#include <chrono>
#include <map>
#include <thread>

#include "op_test_util.hpp"
#include "swag/ops/elementwise.hpp"
#include "swag/ops/profile.hpp"

namespace swag::test {
namespace {

std::map<std::string, std::int64_t> calls_of(const std::vector<ops::profile::OpTime>& times) {
  std::map<std::string, std::int64_t> calls;
  for (const auto& t : times) calls[t.op] = t.calls;
  return calls;
}

TEST(OpProfile, CountsEachBackendCallUnderItsName) {
  const Tensor a = random_tensor({64, 64}, 1), b = random_tensor({64, 64}, 2);
  Tensor y = Tensor::empty({64, 64});
  ops::profile::start();
  const auto t0 = std::chrono::steady_clock::now();
  ops::relu_forward(a, y);
  ops::relu_forward(b, y);
  ops::add_forward(a, b, y, true);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto times = ops::profile::stop();
  EXPECT_EQ(calls_of(times),
            (std::map<std::string, std::int64_t>{{"add_forward", 1}, {"relu_forward", 2}}));
  double sum = 0.0;
  for (const auto& t : times) {
    EXPECT_GE(t.seconds, 0.0) << t.op;
    sum += t.seconds;
  }
  EXPECT_LE(sum, wall);  // disjoint intervals inside the measured one
  for (std::size_t i = 1; i < times.size(); ++i) EXPECT_GE(times[i - 1].seconds, times[i].seconds);
}

TEST(OpProfile, RecordsNothingWhenOffAndStartsAfresh) {
  const Tensor a = random_tensor({8}, 1);
  Tensor y = Tensor::empty({8});
  ops::relu_forward(a, y);  // before any start
  EXPECT_TRUE(ops::profile::stop().empty());
  ops::profile::start();
  ops::relu_forward(a, y);
  ops::profile::stop();
  ops::relu_forward(a, y);  // after stop
  ops::profile::start();
  ops::add_forward(a, a, y, false);
  EXPECT_EQ(calls_of(ops::profile::stop()),
            (std::map<std::string, std::int64_t>{{"add_forward", 1}}));
}

TEST(OpProfile, TimesOnlyTheOutermostCallAndTheProfiledThread) {
  const Tensor a = random_tensor({8}, 1);
  Tensor y = Tensor::empty({8});
  ops::profile::start();
  {
    const ops::profile::Scope outer("outer_op", false);
    ops::relu_forward(a, y);  // nested: part of outer_op's time
  }
  std::thread other([&] {
    Tensor z = Tensor::empty({8});
    ops::relu_forward(a, z);  // another thread: not the profiled step's
  });
  other.join();
  ops::relu_forward(a, y);
  EXPECT_EQ(calls_of(ops::profile::stop()),
            (std::map<std::string, std::int64_t>{{"outer_op", 1}, {"relu_forward", 1}}));
}

}  // namespace
}  // namespace swag::test
