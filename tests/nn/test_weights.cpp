#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "swag/core/hdf5_file.hpp"
#include "swag/nn/weights.hpp"

using namespace swag;

namespace {

std::string temp(const std::string& name) {
  return testing::TempDir() + "/" + name;
}

ExitCode load_code(const std::string& path, nn::Model& m, std::string* message = nullptr) {
  try {
    nn::load_weights(path, m);
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  return ExitCode::ok;
}

// Copies every dataset of `from` except `skip`, optionally replacing one with a wrong shape.
void rewrite(const std::string& from, const std::string& to, const std::string& skip,
             const std::string& reshape) {
  const Hdf5File in = Hdf5File::open_read(from);
  Hdf5File out = Hdf5File::create(to);
  out.set_attribute("/", "format", in.string_attribute("/", "format"));
  out.set_attribute("/", "format_version", in.int_attribute("/", "format_version"));
  out.set_attribute("/", "model", in.string_attribute("/", "model"));
  out.set_attribute("/", "num_classes", in.int_attribute("/", "num_classes"));
  for (const std::string group : {"/params", "/buffers"})
    for (const auto& name : in.members(group)) {
      const std::string path = fmt::format("{}/{}", group, name);
      if (path == skip) continue;
      Tensor t = in.read_f32(path);
      if (path == reshape) t = Tensor::zeros({t.numel() + 1});
      out.write(path, t);
    }
}

}  // namespace

TEST(Weights, RoundTripIsExact) {
  auto a = nn::create_model("regnety_test", {2, 16, 7});
  a->allocate(1);
  const std::string path = temp("w.h5");
  nn::save_weights(path, *a);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp." + std::to_string(::getpid())));
  const auto h = nn::read_weights_header(path);
  EXPECT_EQ(h.model, "regnety_test");
  EXPECT_EQ(h.num_classes, 7);
  auto b = nn::create_model("regnety_test", {2, 16, 7});
  b->allocate(2);  // different init
  nn::load_weights(path, *b);
  const Tensor pa = a->params().flat_values(), pb = b->params().flat_values();
  EXPECT_EQ(0, std::memcmp(pa.raw(), pb.raw(), pa.nbytes()));
  const Tensor ba = a->buffers().flat_values(), bb = b->buffers().flat_values();
  EXPECT_EQ(0, std::memcmp(ba.raw(), bb.raw(), ba.nbytes()));
  // Stored in PyTorch's layout: a grouped 3x3 conv is [out, in/groups, 3, 3].
  const Hdf5File f = Hdf5File::open_read(path);
  EXPECT_EQ(f.shape("/params/trunk_output.block1.block1-0.f.b.0.weight"), (Shape{8, 8, 3, 3}));
}

TEST(Weights, MissingExtraAndMisshapedTensorsAreNamed) {
  auto m = nn::create_model("regnety_test", {2, 16, 7});
  m->allocate(1);
  const std::string good = temp("good.h5"), bad = temp("bad.h5");
  nn::save_weights(good, *m);
  std::string msg;

  rewrite(good, bad, "/params/stem.0.weight", "");
  EXPECT_EQ(load_code(bad, *m, &msg), ExitCode::input);
  EXPECT_NE(msg.find("missing tensor '/params/stem.0.weight'"), std::string::npos) << msg;

  rewrite(good, bad, "", "/buffers/stem.1.running_var");
  EXPECT_EQ(load_code(bad, *m, &msg), ExitCode::input);
  EXPECT_NE(msg.find("'/buffers/stem.1.running_var' has shape [33]"), std::string::npos) << msg;

  auto other = nn::create_model("regnety_test", {2, 16, 9});
  other->allocate(1);
  EXPECT_EQ(load_code(good, *other, &msg), ExitCode::input);
  EXPECT_NE(msg.find("7 classes"), std::string::npos) << msg;

  EXPECT_EQ(load_code(temp("does-not-exist.h5"), *m, &msg), ExitCode::io);
}
